/* svipc_open_from_env: the child-side one call that opens the inherited socket. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "flow_test.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* A child end as an inherited, not close-on-exec descriptor, as exec would leave it. */
static int inheritable_child_end(svipc_socket** supervisor)
{
    svipc_socket* child = NULL;
    CHECK_STATUS(svipc_pair(supervisor, &child), SVIPC_OK);
    int fd = dup(svipc_fd(child));
    CHECK(fd >= 0 && !flow_fd_is_cloexec(fd));
    svipc_close(child);
    return fd;
}

static void set_fd_variable(const char* name, int fd)
{
    char value[16];
    snprintf(value, sizeof(value), "%d", fd);
    CHECK(setenv(name, value, 1) == 0);
}

static int opens_the_default_variable(void)
{
    svipc_socket* supervisor = NULL;
    int fd = inheritable_child_end(&supervisor);
    set_fd_variable("SUPERVISOR_IPC_FD", fd);
    svipc_socket* child = NULL;
    CHECK_STATUS(svipc_open_from_env(NULL, &child), SVIPC_OK);
    CHECK(svipc_fd(child) == fd);
    CHECK(flow_fd_is_cloexec(fd));
    flow_send_text(child, "hello");
    char text[32];
    flow_recv_text(supervisor, text, sizeof(text));
    CHECK(strcmp(text, "hello") == 0);
    svipc_close(child);
    svipc_close(supervisor);
    return 0;
}

static int opens_a_chosen_variable(void)
{
    svipc_socket* supervisor = NULL;
    int fd = inheritable_child_end(&supervisor);
    set_fd_variable("MY_SUPERVISOR_FD", fd);
    CHECK(unsetenv("SUPERVISOR_IPC_FD") == 0);
    svipc_socket* child = NULL;
    CHECK_STATUS(svipc_open_from_env(NULL, &child), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_open_from_env("MY_SUPERVISOR_FD", &child), SVIPC_OK);
    CHECK(svipc_fd(child) == fd);
    svipc_close(child);
    svipc_close(supervisor);
    return 0;
}

static int refuses_malformed_values(void)
{
    svipc_socket* supervisor = NULL;
    int fd = inheritable_child_end(&supervisor);
    char spaced[16];
    char signed_value[16];
    char suffixed[16];
    snprintf(spaced, sizeof(spaced), " %d", fd);
    snprintf(signed_value, sizeof(signed_value), "+%d", fd);
    snprintf(suffixed, sizeof(suffixed), "%dx", fd);
    const char* values[] = { "", "-1", "abc", spaced, signed_value, suffixed, "99999999999", "2147483648" };
    int before = flow_count_fds();
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
    {
        CHECK(setenv("SUPERVISOR_IPC_FD", values[i], 1) == 0);
        svipc_socket* child = NULL;
        CHECK_STATUS(svipc_open_from_env(NULL, &child), SVIPC_INVALID_ARGUMENT);
        CHECK(child == NULL);
    }
    svipc_socket* child = NULL;
    CHECK_STATUS(svipc_open_from_env("BAD=NAME", &child), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_open_from_env(NULL, NULL), SVIPC_INVALID_ARGUMENT);
    CHECK(flow_count_fds() == before);
    /* The descriptor is still ours and still works after all those refusals. */
    CHECK(fcntl(fd, F_GETFD) >= 0);
    close(fd);
    svipc_close(supervisor);
    return 0;
}

static int refuses_a_descriptor_that_is_not_a_stream_socket(void)
{
    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);
    set_fd_variable("SUPERVISOR_IPC_FD", pipe_fds[0]);
    svipc_socket* child = NULL;
    CHECK_STATUS(svipc_open_from_env(NULL, &child), SVIPC_INVALID_ARGUMENT);
    CHECK(child == NULL);
    /* Left open and owned by the caller, as svipc_from_fd promises. */
    CHECK(fcntl(pipe_fds[0], F_GETFD) >= 0);
    close(pipe_fds[0]);
    close(pipe_fds[1]);

    /* A number that is not an open descriptor at all. */
    set_fd_variable("SUPERVISOR_IPC_FD", 900);
    CHECK(fcntl(900, F_GETFD) < 0);
    CHECK_STATUS(svipc_open_from_env(NULL, &child), SVIPC_INVALID_ARGUMENT);
    CHECK(child == NULL);
    return 0;
}

int main(int argc, char** argv)
{
    static const flow_case cases[] = {
        { "opens_the_default_variable", opens_the_default_variable },
        { "opens_a_chosen_variable", opens_a_chosen_variable },
        { "refuses_malformed_values", refuses_malformed_values },
        { "refuses_a_descriptor_that_is_not_a_stream_socket", refuses_a_descriptor_that_is_not_a_stream_socket },
    };
    return flow_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
