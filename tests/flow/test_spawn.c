/*
 * svipc_spawn and svipc_wait_child across real processes: the child gets
 * exactly 0, 1, 2 and its end of the socket, whatever this process has open
 * (close-on-exec or not, even at the target number), the variable that names
 * it, default signal state; failures leak nothing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "flow_test.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#ifndef FLOW_PROBE_PATH
#error "FLOW_PROBE_PATH must name the flow_probe executable"
#endif

/* Spawns the probe in report mode and returns its report. */
static void spawn_report(char* const* envp, int32_t child_fd, const char* variable, char* report, size_t capacity)
{
    char* argv[] = { FLOW_PROBE_PATH, "report", (char*)variable, NULL }; /* exec never writes argv */
    svipc_socket* supervisor = NULL;
    int32_t pid = -1;
    CHECK_STATUS(svipc_spawn(FLOW_PROBE_PATH, argv, envp, child_fd, variable, &supervisor, &pid), SVIPC_OK);
    CHECK(pid > 0);
    CHECK(flow_fd_is_cloexec(svipc_fd(supervisor)));
    flow_recv_text(supervisor, report, capacity);
    svipc_child_exit exit_status;
    CHECK_STATUS(svipc_wait_child(pid, 10000, &exit_status), SVIPC_OK);
    CHECK(exit_status.exit_code == 0 && exit_status.signal == 0);
    svipc_close(supervisor);
}

static int descriptors_are_exactly_stdio_and(const char* report, int child_fd)
{
    char expected[64];
    snprintf(expected, sizeof(expected), "fds=0,1,2,%d;", child_fd);
    return strncmp(report, expected, strlen(expected)) == 0;
}

static int inherits_only_the_socket(void)
{
    /* Descriptors the child must not see: one at the target number, one higher up, neither close-on-exec. */
    int at_target = open("/dev/null", O_RDONLY);
    CHECK(at_target >= 0);
    if (at_target != 3)
    {
        CHECK(dup2(at_target, 3) == 3);
        close(at_target);
    }
    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);
    CHECK(!flow_fd_is_cloexec(3) && !flow_fd_is_cloexec(pipe_fds[0]));

    char report[2048];
    spawn_report(NULL, -1, NULL, report, sizeof(report));
    printf("report: %s\n", report);
    CHECK(descriptors_are_exactly_stdio_and(report, 3));
    CHECK(strstr(report, ";var=3;count=1;") != NULL);
    CHECK(strstr(report, ";cloexec=1;") != NULL);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    close(3);
    return 0;
}

static int chosen_number_and_variable(void)
{
    /* Our fd 9 is taken by something else; the child must still get its socket at 9. */
    int other = open("/dev/null", O_RDONLY);
    CHECK(other >= 0 && dup2(other, 9) == 9);
    close(other);
    char* envp[] = { "SUPERVISOR_IPC_FD=99", "FLOW_EXTRA=kept", "PROBE_FD=1", NULL };
    char report[2048];
    spawn_report(envp, 9, "PROBE_FD", report, sizeof(report));
    printf("report: %s\n", report);
    CHECK(descriptors_are_exactly_stdio_and(report, 9));
    CHECK(strstr(report, ";var=9;count=1;extra=kept;") != NULL);
    close(9);
    return 0;
}

static int replaces_an_inherited_variable(void)
{
    char* envp[] = { "SUPERVISOR_IPC_FD=42", "SUPERVISOR_IPC_FDX=1", NULL };
    char report[2048];
    spawn_report(envp, 5, NULL, report, sizeof(report));
    CHECK(descriptors_are_exactly_stdio_and(report, 5));
    CHECK(strstr(report, ";var=5;count=1;extra=-;") != NULL);
    return 0;
}

static int uses_our_environment_by_default(void)
{
    CHECK(setenv("FLOW_EXTRA", "from-parent", 1) == 0);
    CHECK(setenv("SUPERVISOR_IPC_FD", "77", 1) == 0);
    char report[2048];
    spawn_report(NULL, -1, NULL, report, sizeof(report));
    CHECK(strstr(report, ";var=3;count=1;extra=from-parent;") != NULL);
    /* Our own environment is not modified. */
    CHECK(strcmp(getenv("SUPERVISOR_IPC_FD"), "77") == 0);
    return 0;
}

static int child_starts_with_default_signals(void)
{
    signal(SIGPIPE, SIG_IGN);
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGUSR1);
    sigaddset(&blocked, SIGTERM);
    CHECK(sigprocmask(SIG_BLOCK, &blocked, NULL) == 0);
    char report[2048];
    spawn_report(NULL, -1, NULL, report, sizeof(report));
    CHECK(strstr(report, ";sigpipe=default;mask=empty") != NULL);
    return 0;
}

static int searches_path_without_slash(void)
{
    char* argv[] = { "true", NULL };
    svipc_socket* supervisor = NULL;
    int32_t pid = -1;
    CHECK_STATUS(svipc_spawn("true", argv, NULL, -1, NULL, &supervisor, &pid), SVIPC_OK);
    svipc_child_exit exit_status;
    CHECK_STATUS(svipc_wait_child(pid, 10000, &exit_status), SVIPC_OK);
    CHECK(exit_status.exit_code == 0);
    /* The child is gone and held the only other end: the supervisor sees an orderly close. */
    uint8_t buffer[16];
    uint32_t length = 0;
    CHECK_STATUS(svipc_recv_frame(supervisor, buffer, sizeof(buffer), &length), SVIPC_CLOSED);
    svipc_close(supervisor);
    return 0;
}

static int failures_leak_nothing(void)
{
    int before = flow_count_fds();
    svipc_socket* supervisor = NULL;
    int32_t pid = -1;
    const char* missing = "/nonexistent/svipc-flow-no-such-program";
    errno = 0;
    CHECK_STATUS(svipc_spawn(missing, NULL, NULL, -1, NULL, &supervisor, &pid), SVIPC_SYSTEM_ERROR);
    CHECK(errno == ENOENT);
    CHECK(supervisor == NULL && pid == -1);
    CHECK_STATUS(svipc_spawn("svipc-flow-no-such-program-on-path", NULL, NULL, -1, NULL, &supervisor, &pid),
                 SVIPC_SYSTEM_ERROR);
    CHECK(flow_count_fds() == before);
    return 0;
}

static int rejects_invalid_arguments(void)
{
    int before = flow_count_fds();
    svipc_socket* supervisor = NULL;
    int32_t pid = -1;
    const char* p = FLOW_PROBE_PATH;
    CHECK_STATUS(svipc_spawn(NULL, NULL, NULL, -1, NULL, &supervisor, &pid), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_spawn("", NULL, NULL, -1, NULL, &supervisor, &pid), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_spawn(p, NULL, NULL, -1, NULL, NULL, &pid), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_spawn(p, NULL, NULL, -1, NULL, &supervisor, NULL), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_spawn(p, NULL, NULL, 0, NULL, &supervisor, &pid), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_spawn(p, NULL, NULL, 2, NULL, &supervisor, &pid), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_spawn(p, NULL, NULL, SVIPC_MAX_CHILD_FD + 1, NULL, &supervisor, &pid), SVIPC_INVALID_ARGUMENT);
    const char* bad_names[] = { "", "1FD", "A=B", "A B", "A-B", "\xc3\xa9" };
    for (size_t i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++)
    {
        CHECK_STATUS(svipc_spawn(p, NULL, NULL, -1, bad_names[i], &supervisor, &pid), SVIPC_INVALID_ARGUMENT);
    }
    char too_long[SVIPC_MAX_VARIABLE_NAME + 2];
    memset(too_long, 'A', sizeof(too_long) - 1);
    too_long[sizeof(too_long) - 1] = '\0';
    CHECK_STATUS(svipc_spawn(p, NULL, NULL, -1, too_long, &supervisor, &pid), SVIPC_INVALID_ARGUMENT);
    CHECK(supervisor == NULL && pid == -1);
    CHECK(flow_count_fds() == before);
    return 0;
}

static int wait_reports_exit_and_signal(void)
{
    svipc_child_exit exit_status;
    svipc_socket* supervisor = NULL;
    int32_t pid = -1;
    char* exit_argv[] = { FLOW_PROBE_PATH, "exit", "7", NULL };
    CHECK_STATUS(svipc_spawn(FLOW_PROBE_PATH, exit_argv, NULL, -1, NULL, &supervisor, &pid), SVIPC_OK);
    CHECK_STATUS(svipc_wait_child(pid, SVIPC_INFINITE_TIMEOUT, &exit_status), SVIPC_OK);
    CHECK(exit_status.exit_code == 7 && exit_status.signal == 0);
    errno = 0;
    CHECK_STATUS(svipc_wait_child(pid, 0, &exit_status), SVIPC_SYSTEM_ERROR);
    CHECK(errno == ECHILD);
    svipc_close(supervisor);

    char* wait_argv[] = { FLOW_PROBE_PATH, "wait", NULL };
    CHECK_STATUS(svipc_spawn(FLOW_PROBE_PATH, wait_argv, NULL, -1, NULL, &supervisor, &pid), SVIPC_OK);
    CHECK_STATUS(svipc_wait_child(pid, 0, &exit_status), SVIPC_TIMEOUT);
    CHECK_STATUS(svipc_wait_child(pid, 30, &exit_status), SVIPC_TIMEOUT);
    CHECK(kill(pid, SIGTERM) == 0);
    CHECK_STATUS(svipc_wait_child(pid, 10000, &exit_status), SVIPC_OK);
    CHECK(exit_status.exit_code == -1 && exit_status.signal == SIGTERM);
    svipc_close(supervisor);

    CHECK_STATUS(svipc_wait_child(0, 0, &exit_status), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_wait_child(pid, -5, &exit_status), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_wait_child(pid, 0, NULL), SVIPC_INVALID_ARGUMENT);
    return 0;
}

static int many_spawns_leak_no_descriptor(void)
{
    int before = flow_count_fds();
    for (int i = 0; i < 50; i++)
    {
        char report[2048];
        spawn_report(NULL, -1, NULL, report, sizeof(report));
    }
    CHECK(flow_count_fds() == before);
    return 0;
}

static void* spawn_many(void* failures)
{
    for (int i = 0; i < 15; i++)
    {
        char report[2048];
        spawn_report(NULL, -1, NULL, report, sizeof(report));
        if (!descriptors_are_exactly_stdio_and(report, 3))
        {
            fprintf(stderr, "concurrent spawn leaked: %s\n", report);
            *(int*)failures += 1;
        }
    }
    return NULL;
}

/* Each child made while other threads spawn too (each with its own pair) sees only its own socket. */
static int concurrent_spawns_do_not_cross(void)
{
    pthread_t threads[4];
    int failures[4] = { 0, 0, 0, 0 };
    for (int i = 0; i < 4; i++)
    {
        CHECK(pthread_create(&threads[i], NULL, spawn_many, &failures[i]) == 0);
    }
    for (int i = 0; i < 4; i++)
    {
        CHECK(pthread_join(threads[i], NULL) == 0);
        CHECK(failures[i] == 0);
    }
    return 0;
}

int main(int argc, char** argv)
{
    static const flow_case cases[] = {
        { "inherits_only_the_socket", inherits_only_the_socket },
        { "chosen_number_and_variable", chosen_number_and_variable },
        { "replaces_an_inherited_variable", replaces_an_inherited_variable },
        { "uses_our_environment_by_default", uses_our_environment_by_default },
        { "child_starts_with_default_signals", child_starts_with_default_signals },
        { "searches_path_without_slash", searches_path_without_slash },
        { "failures_leak_nothing", failures_leak_nothing },
        { "rejects_invalid_arguments", rejects_invalid_arguments },
        { "wait_reports_exit_and_signal", wait_reports_exit_and_signal },
        { "many_spawns_leak_no_descriptor", many_spawns_leak_no_descriptor },
        { "concurrent_spawns_do_not_cross", concurrent_spawns_do_not_cross },
    };
    return flow_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
