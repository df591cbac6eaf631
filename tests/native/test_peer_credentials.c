/* Peer credentials as the kernel recorded them: the child for a path connection, the creator for a pair. */
#include "test_support.h"

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

static void pair_reports_its_creator_even_in_the_child(void)
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
        /* Recorded at socketpair() time: the child sees its parent, the creator, not itself. */
        CHECK(seen.pid == (int32_t)creator);
        svipc_close(child_end);
        _exit(0);
    }
    svipc_close(child_end);
    CHECK_STATUS(SVIPC_OK, svipc_get_peer_credentials(supervisor, &peer));
    CHECK(peer.pid == (int32_t)creator);
    CHECK(peer.pid != (int32_t)child);
    test_wait_success(child);
    svipc_close(supervisor);
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
    RUN(pair_reports_its_creator_even_in_the_child);
    RUN(invalid_arguments);
    test_remove_dir(work_dir);
    return test_finish();
}
