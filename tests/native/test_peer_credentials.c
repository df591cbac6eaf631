/* Peer credentials: the child for a path connection; for a pair, what each system reports (see supervisor_ipc.h). */
#include "test_support.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char work_dir[256];

static void path_connection_reports_the_connecting_child(void)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/creds.sock", work_dir);
    svipc_socket* listener;
    CHECK_STATUS(SVIPC_OK, svipc_bind(path, &listener));
    pid_t supervisor_pid = getpid();
    pid_t child = test_fork();
    if (child == 0)
    {
        svipc_close(listener);
        svipc_socket* connection;
        CHECK_STATUS(SVIPC_OK, svipc_connect(path, &connection));
        svipc_peer_credentials peer;
        CHECK_STATUS(SVIPC_OK, svipc_get_peer_credentials(connection, &peer));
        /* Seen from the child, the peer is the process that listens. */
        CHECK(peer.pid == (int32_t)supervisor_pid);
        CHECK(peer.uid == (uint32_t)geteuid() && peer.gid == (uint32_t)getegid());
        CHECK_STATUS(SVIPC_OK, svipc_send_frame(connection, (const uint8_t*)"{}", 2));
        uint32_t length = 0;
        CHECK_STATUS(SVIPC_CLOSED, svipc_recv_frame(connection, NULL, 0, &length));
        svipc_close(connection);
        _exit(0);
    }
    svipc_socket* connection;
    CHECK_STATUS(SVIPC_OK, svipc_accept(listener, 10000, &connection));
    svipc_peer_credentials peer;
    memset(&peer, 0xA5, sizeof(peer));
    CHECK_STATUS(SVIPC_OK, svipc_get_peer_credentials(connection, &peer));
    CHECK(peer.pid == (int32_t)child);
    CHECK(peer.uid == (uint32_t)geteuid());
    CHECK(peer.gid == (uint32_t)getegid());
    uint8_t buffer[4];
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(connection, buffer, sizeof(buffer), &length));
    svipc_close(connection);
    svipc_close(listener);
    test_wait_success(child);
}

/*
 * What each system reports for the pid of a pair made before the fork, once the child has used its end
 * (supervisor_ipc.h, svipc_peer_credentials): Linux's SO_PEERCRED keeps the pid recorded at socketpair(),
 * the creator, for the life of the socket; macOS's LOCAL_PEERPID is the peer socket's last_pid, the last
 * process that used it, so it becomes the child once the child sends. uid and gid are recorded at creation
 * on both.
 */
static void pair_pid_after_the_child_used_its_end(void)
{
    svipc_socket* supervisor;
    svipc_socket* child_end;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&supervisor, &child_end));
    pid_t creator = getpid();
    svipc_peer_credentials peer;
    CHECK_STATUS(SVIPC_OK, svipc_get_peer_credentials(supervisor, &peer));
    CHECK(peer.pid == (int32_t)creator);
    CHECK(peer.uid == (uint32_t)geteuid() && peer.gid == (uint32_t)getegid());
    pid_t child = test_fork();
    if (child == 0)
    {
        svipc_close(supervisor);
        svipc_peer_credentials seen;
        CHECK_STATUS(SVIPC_OK, svipc_get_peer_credentials(child_end, &seen));
        /* The supervisor's end has been used by the creator only: both systems report it. */
        CHECK(seen.pid == (int32_t)creator);
        CHECK_STATUS(SVIPC_OK, svipc_send_frame(child_end, (const uint8_t*)"{}", 2));
        /* Keep the end open (a closed peer has no pid on macOS) until the supervisor has asked. */
        uint32_t length = 0;
        CHECK_STATUS(SVIPC_CLOSED, svipc_recv_frame(child_end, NULL, 0, &length));
        svipc_close(child_end);
        _exit(0);
    }
    svipc_close(child_end);
    uint8_t buffer[4];
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(supervisor, buffer, sizeof(buffer), &length));
    CHECK_STATUS(SVIPC_OK, svipc_get_peer_credentials(supervisor, &peer));
#if defined(__APPLE__)
    CHECK(peer.pid == (int32_t)child);
#else
    CHECK(peer.pid == (int32_t)creator);
#endif
    CHECK(peer.uid == (uint32_t)geteuid() && peer.gid == (uint32_t)getegid());
    CHECK_STATUS(SVIPC_OK, svipc_shutdown(supervisor));
    test_wait_success(child);
    svipc_close(supervisor);
}

/* Once the peer has closed its end: Linux still reports what it recorded; macOS has no peer to ask. */
static void credentials_after_the_peer_closed(void)
{
    svipc_socket* mine;
    svipc_socket* theirs;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&mine, &theirs));
    svipc_close(theirs);
    svipc_peer_credentials peer;
    memset(&peer, 0xA5, sizeof(peer));
#if defined(__APPLE__)
    CHECK_STATUS(SVIPC_SYSTEM_ERROR, svipc_get_peer_credentials(mine, &peer));
    CHECK(errno == ENOTCONN);
#else
    CHECK_STATUS(SVIPC_OK, svipc_get_peer_credentials(mine, &peer));
    CHECK(peer.pid == (int32_t)getpid());
#endif
    svipc_close(mine);
}

static void invalid_arguments(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    svipc_peer_credentials peer;
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_get_peer_credentials(NULL, &peer));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_get_peer_credentials(a, NULL));
    svipc_close(a);
    svipc_close(b);
}

int main(void)
{
    signal(SIGPIPE, SIG_DFL);
    test_make_temp_dir(work_dir, sizeof(work_dir));
    RUN(path_connection_reports_the_connecting_child);
    RUN(pair_pid_after_the_child_used_its_end);
    RUN(credentials_after_the_peer_closed);
    RUN(invalid_arguments);
    test_remove_dir(work_dir);
    return test_finish();
}
