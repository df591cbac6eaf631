/*
 * svipc_listener across real processes: owner-only socket, accept usable from a
 * poll loop, uid allow-list (including a real other user when run as root),
 * read timeout on each accepted connection, unlink on close.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "flow_test.h"

#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOBODY_UID 65534u
#define NOBODY_GID 65534u

typedef struct scratch
{
    char directory[256];
    char socket_path[320];
} scratch;

static void make_scratch(scratch* s)
{
    flow_make_temp_dir(s->directory, sizeof(s->directory));
    snprintf(s->socket_path, sizeof(s->socket_path), "%s/listener.sock", s->directory);
}

typedef enum client_behavior
{
    CLIENT_SAY_HELLO,      /* send "hi", expect "bye" */
    CLIENT_EXPECT_CLOSED,  /* expect the supervisor to close without a word */
    CLIENT_STAY_SILENT,    /* connect, then wait on a pipe until released */
} client_behavior;

/* Forks a client that connects to path (as uid/gid when switch_user) and behaves as asked; exits 0 when it saw what it expected. */
static pid_t start_client(const char* path, client_behavior behavior, int release_fd, int switch_user)
{
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid != 0)
    {
        return pid;
    }
    if (switch_user && (setgroups(0, NULL) != 0 || setgid(NOBODY_GID) != 0 || setuid(NOBODY_UID) != 0))
    {
        _exit(10);
    }
    svipc_socket* connection = NULL;
    if (svipc_connect(path, &connection) != SVIPC_OK)
    {
        _exit(11);
    }
    uint8_t buffer[16];
    uint32_t length = 0;
    int ok = 0;
    switch (behavior)
    {
        case CLIENT_SAY_HELLO:
            ok = svipc_send_frame(connection, "hi", 2) == SVIPC_OK &&
                 svipc_recv_frame(connection, buffer, sizeof(buffer), &length) == SVIPC_OK && length == 3 &&
                 memcmp(buffer, "bye", 3) == 0;
            break;
        case CLIENT_EXPECT_CLOSED:
            ok = svipc_recv_frame(connection, buffer, sizeof(buffer), &length) == SVIPC_CLOSED;
            break;
        case CLIENT_STAY_SILENT:
            ok = read(release_fd, buffer, 1) == 1;
            break;
    }
    svipc_close(connection);
    _exit(ok ? 0 : 12);
}

static void expect_client_success(pid_t pid)
{
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    {
        FLOW_FAIL("client failed (status 0x%x)", (unsigned)status);
    }
}

static int binds_owner_only_and_polls(void)
{
    scratch s;
    make_scratch(&s);
    svipc_listener* listener = NULL;
    CHECK_STATUS(svipc_listener_bind(s.socket_path, &listener), SVIPC_OK);
    struct stat info;
    CHECK(lstat(s.socket_path, &info) == 0);
    CHECK(S_ISSOCK(info.st_mode) && (info.st_mode & 0777) == 0600);
    int fd = svipc_listener_fd(listener);
    CHECK(fd >= 0 && flow_fd_is_cloexec(fd));

    /* Nobody waiting: polling says so and a non-blocking accept returns at once. */
    struct pollfd waiting = { fd, POLLIN, 0 };
    CHECK(poll(&waiting, 1, 0) == 0);
    svipc_socket* connection = NULL;
    CHECK_STATUS(svipc_listener_accept(listener, 0, &connection, NULL), SVIPC_TIMEOUT);
    CHECK_STATUS(svipc_listener_accept(listener, 20, &connection, NULL), SVIPC_TIMEOUT);
    CHECK(connection == NULL);

    /* A second listener on a live path is refused and leaves the first intact. */
    svipc_listener* second = NULL;
    CHECK_STATUS(svipc_listener_bind(s.socket_path, &second), SVIPC_ADDRESS_IN_USE);
    CHECK(lstat(s.socket_path, &info) == 0);

    svipc_listener_close(listener);
    flow_remove_temp_dir(s.directory);
    return 0;
}

static int accepts_an_allowed_peer_from_a_poll_loop(void)
{
    scratch s;
    make_scratch(&s);
    svipc_listener* listener = NULL;
    CHECK_STATUS(svipc_listener_bind(s.socket_path, &listener), SVIPC_OK);
    pid_t client = start_client(s.socket_path, CLIENT_SAY_HELLO, -1, 0);

    struct pollfd ready = { svipc_listener_fd(listener), POLLIN, 0 };
    CHECK(poll(&ready, 1, 10000) == 1 && (ready.revents & POLLIN) != 0);
    svipc_socket* connection = NULL;
    svipc_peer_credentials peer;
    memset(&peer, 0, sizeof(peer));
    CHECK_STATUS(svipc_listener_accept(listener, 0, &connection, &peer), SVIPC_OK);
    CHECK(peer.pid == client && peer.uid == (uint32_t)geteuid() && peer.gid == (uint32_t)getegid());
    CHECK(flow_fd_is_cloexec(svipc_fd(connection)));
    int32_t timeout = 0;
    CHECK_STATUS(svipc_get_read_timeout(connection, &timeout), SVIPC_OK);
    CHECK(timeout == SVIPC_LISTENER_DEFAULT_READ_TIMEOUT_MS);

    char text[16];
    flow_recv_text(connection, text, sizeof(text));
    CHECK(strcmp(text, "hi") == 0);
    flow_send_text(connection, "bye");
    expect_client_success(client);
    svipc_close(connection);
    svipc_listener_close(listener);
    flow_remove_temp_dir(s.directory);
    return 0;
}

static int silent_client_times_out(void)
{
    scratch s;
    make_scratch(&s);
    svipc_listener* listener = NULL;
    CHECK_STATUS(svipc_listener_bind(s.socket_path, &listener), SVIPC_OK);
    CHECK_STATUS(svipc_listener_set_connection_timeout(listener, 100), SVIPC_OK);
    int release[2];
    CHECK(pipe(release) == 0);
    pid_t client = start_client(s.socket_path, CLIENT_STAY_SILENT, release[0], 0);

    svipc_socket* connection = NULL;
    CHECK_STATUS(svipc_listener_accept(listener, 10000, &connection, NULL), SVIPC_OK);
    uint8_t buffer[16];
    uint32_t length = 0;
    CHECK_STATUS(svipc_recv_frame(connection, buffer, sizeof(buffer), &length), SVIPC_TIMEOUT);
    CHECK(write(release[1], "x", 1) == 1);
    expect_client_success(client);
    svipc_close(connection);

    /* Without a timeout the connection reports none. */
    CHECK_STATUS(svipc_listener_set_connection_timeout(listener, SVIPC_INFINITE_TIMEOUT), SVIPC_OK);
    client = start_client(s.socket_path, CLIENT_STAY_SILENT, release[0], 0);
    CHECK_STATUS(svipc_listener_accept(listener, 10000, &connection, NULL), SVIPC_OK);
    int32_t timeout = 0;
    CHECK_STATUS(svipc_get_read_timeout(connection, &timeout), SVIPC_OK);
    CHECK(timeout == SVIPC_INFINITE_TIMEOUT);
    CHECK(write(release[1], "x", 1) == 1);
    expect_client_success(client);
    svipc_close(connection);

    close(release[0]);
    close(release[1]);
    svipc_listener_close(listener);
    flow_remove_temp_dir(s.directory);
    return 0;
}

static int rejects_a_uid_outside_the_allow_list(void)
{
    scratch s;
    make_scratch(&s);
    svipc_listener* listener = NULL;
    CHECK_STATUS(svipc_listener_bind(s.socket_path, &listener), SVIPC_OK);
    uint32_t other = (uint32_t)geteuid() + 1000u;
    CHECK_STATUS(svipc_listener_set_allowed_uids(listener, &other, 1), SVIPC_OK);

    int before = flow_count_fds();
    pid_t client = start_client(s.socket_path, CLIENT_EXPECT_CLOSED, -1, 0);
    svipc_socket* connection = NULL;
    svipc_peer_credentials peer;
    memset(&peer, 0, sizeof(peer));
    CHECK_STATUS(svipc_listener_accept(listener, 10000, &connection, &peer), SVIPC_PEER_REJECTED);
    CHECK(connection == NULL);
    CHECK(peer.pid == client && peer.uid == (uint32_t)geteuid());
    expect_client_success(client);
    CHECK(flow_count_fds() == before);

    /* Several uids: ours among them is accepted again. */
    uint32_t both[2] = { other, (uint32_t)geteuid() };
    CHECK_STATUS(svipc_listener_set_allowed_uids(listener, both, 2), SVIPC_OK);
    client = start_client(s.socket_path, CLIENT_SAY_HELLO, -1, 0);
    CHECK_STATUS(svipc_listener_accept(listener, 10000, &connection, &peer), SVIPC_OK);
    char text[16];
    flow_recv_text(connection, text, sizeof(text));
    flow_send_text(connection, "bye");
    expect_client_success(client);
    svipc_close(connection);
    svipc_listener_close(listener);
    flow_remove_temp_dir(s.directory);
    return 0;
}

static int rejects_another_user(void)
{
    if (geteuid() != 0)
    {
        printf("needs root to run a client as another user\n");
        return FLOW_NOT_RUN;
    }
    scratch s;
    make_scratch(&s);
    svipc_listener* listener = NULL;
    CHECK_STATUS(svipc_listener_bind(s.socket_path, &listener), SVIPC_OK);
    /* Deliberately loosen the file permissions so that the uid check is what stops the other user. */
    CHECK(chmod(s.directory, 0711) == 0);
    CHECK(chmod(s.socket_path, 0666) == 0);

    pid_t client = start_client(s.socket_path, CLIENT_EXPECT_CLOSED, -1, 1);
    svipc_socket* connection = NULL;
    svipc_peer_credentials peer;
    memset(&peer, 0, sizeof(peer));
    CHECK_STATUS(svipc_listener_accept(listener, 10000, &connection, &peer), SVIPC_PEER_REJECTED);
    CHECK(peer.pid == client && peer.uid == NOBODY_UID && peer.gid == NOBODY_GID);
    expect_client_success(client);

    uint32_t allowed[2] = { 0u, NOBODY_UID };
    CHECK_STATUS(svipc_listener_set_allowed_uids(listener, allowed, 2), SVIPC_OK);
    client = start_client(s.socket_path, CLIENT_SAY_HELLO, -1, 1);
    CHECK_STATUS(svipc_listener_accept(listener, 10000, &connection, &peer), SVIPC_OK);
    CHECK(peer.uid == NOBODY_UID);
    char text[16];
    flow_recv_text(connection, text, sizeof(text));
    flow_send_text(connection, "bye");
    expect_client_success(client);
    svipc_close(connection);
    svipc_listener_close(listener);
    flow_remove_temp_dir(s.directory);
    return 0;
}

static int close_unlinks_the_path(void)
{
    scratch s;
    make_scratch(&s);
    svipc_listener* listener = NULL;
    CHECK_STATUS(svipc_listener_bind(s.socket_path, &listener), SVIPC_OK);
    svipc_listener_close(listener);
    struct stat info;
    CHECK(lstat(s.socket_path, &info) != 0 && errno == ENOENT);
    svipc_listener_close(NULL);
    flow_remove_temp_dir(s.directory);
    return 0;
}

static int rejects_invalid_arguments(void)
{
    scratch s;
    make_scratch(&s);
    svipc_listener* listener = NULL;
    CHECK_STATUS(svipc_listener_bind(NULL, &listener), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_listener_bind(s.socket_path, NULL), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_listener_bind(s.socket_path, &listener), SVIPC_OK);
    uint32_t uids[SVIPC_LISTENER_MAX_ALLOWED_UIDS + 1];
    memset(uids, 0, sizeof(uids));
    CHECK_STATUS(svipc_listener_set_allowed_uids(listener, uids, 0), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_listener_set_allowed_uids(listener, NULL, 1), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_listener_set_allowed_uids(listener, uids, SVIPC_LISTENER_MAX_ALLOWED_UIDS + 1),
                 SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_listener_set_allowed_uids(listener, uids, SVIPC_LISTENER_MAX_ALLOWED_UIDS), SVIPC_OK);
    CHECK_STATUS(svipc_listener_set_connection_timeout(listener, 0), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_listener_set_connection_timeout(listener, -7), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_listener_set_connection_timeout(NULL, 100), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_listener_accept(listener, 0, NULL, NULL), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_listener_accept(NULL, 0, &(svipc_socket*){ NULL }, NULL), SVIPC_INVALID_ARGUMENT);
    CHECK(svipc_listener_fd(NULL) == -1);
    svipc_listener_close(listener);
    flow_remove_temp_dir(s.directory);
    return 0;
}

int main(int argc, char** argv)
{
    static const flow_case cases[] = {
        { "binds_owner_only_and_polls", binds_owner_only_and_polls },
        { "accepts_an_allowed_peer_from_a_poll_loop", accepts_an_allowed_peer_from_a_poll_loop },
        { "silent_client_times_out", silent_client_times_out },
        { "rejects_a_uid_outside_the_allow_list", rejects_a_uid_outside_the_allow_list },
        { "close_unlinks_the_path", close_unlinks_the_path },
        { "rejects_invalid_arguments", rejects_invalid_arguments },
        { "rejects_another_user", rejects_another_user },
    };
    return flow_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
