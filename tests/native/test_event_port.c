/* Readiness ports (epoll/kqueue behind one edge-triggered shape) and pidfds for children. */
#include "test_support.h"

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* Waits up to timeout_ms and returns the events reported for token (0 when none). */
static uint32_t events_for(int32_t port, uint32_t token, int32_t timeout_ms)
{
    svipc_ready_event events[8];
    int32_t count = -1;
    CHECK_STATUS(SVIPC_OK, svipc_event_port_wait(port, events, 8, timeout_ms, &count));
    uint32_t bits = 0;
    for (int32_t i = 0; i < count; i++)
    {
        if (events[i].token == token)
        {
            bits |= events[i].events;
        }
    }
    return bits;
}

static void a_socket_reports_edges_for_reading_writing_and_hang_up(void)
{
    int32_t port = -1;
    CHECK_STATUS(SVIPC_OK, svipc_event_port_create(&port));
    CHECK(test_is_close_on_exec(port));
    svipc_socket* watched;
    svipc_socket* peer;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&watched, &peer));
    CHECK_STATUS(SVIPC_OK, svipc_event_port_add(port, svipc_fd(watched), 41u));

    /* The first edge is the current state: room to write, nothing to read. */
    uint32_t first = events_for(port, 41u, 1000);
    CHECK((first & SVIPC_READY_WRITABLE) != 0);
    CHECK((first & (SVIPC_READY_READABLE | SVIPC_READY_HANG_UP)) == 0);
    CHECK(events_for(port, 41u, 0) == 0); /* edge-triggered: no change, no event */

    CHECK_STATUS(SVIPC_OK, svipc_send_frame(peer, (const uint8_t*)"{}", 2));
    CHECK((events_for(port, 41u, 1000) & SVIPC_READY_READABLE) != 0);

    /* A peer that only stops sending may still read an answer: readable (end of stream), not hung up. */
    CHECK(shutdown(svipc_fd(peer), SHUT_WR) == 0);
    uint32_t half = events_for(port, 41u, 1000);
    CHECK((half & SVIPC_READY_READABLE) != 0);
    CHECK((half & SVIPC_READY_HANG_UP) == 0);

    svipc_close(peer);
    CHECK((events_for(port, 41u, 1000) & SVIPC_READY_HANG_UP) != 0);

    CHECK_STATUS(SVIPC_OK, svipc_event_port_remove(port, svipc_fd(watched)));
    CHECK_STATUS(SVIPC_OK, svipc_event_port_remove(port, svipc_fd(watched))); /* not added any more: fine */
    svipc_close(watched);
    close(port);
}

static void a_child_is_watched_until_it_ends_and_killed_through_its_pidfd(void)
{
    int32_t port = -1;
    CHECK_STATUS(SVIPC_OK, svipc_event_port_create(&port));
    pid_t child = test_fork();
    if (child == 0)
    {
        pause();
        _exit(3);
    }

    int32_t pidfd = -1;
    svipc_status opened = svipc_pidfd_open((int32_t)child, &pidfd);
#if defined(__linux__)
    CHECK_STATUS(SVIPC_OK, opened); /* Linux >= 5.3 */
    CHECK(test_is_close_on_exec(pidfd));
#else
    CHECK_STATUS(SVIPC_UNSUPPORTED, opened);
#endif
    CHECK_STATUS(SVIPC_OK, svipc_event_port_add_child(port, (int32_t)child, pidfd, 7u));
    CHECK(events_for(port, 7u, 50) == 0);

    if (pidfd >= 0)
    {
        CHECK_STATUS(SVIPC_OK, svipc_pidfd_send_signal(pidfd, SIGKILL));
    }
    else
    {
        CHECK(kill(child, SIGKILL) == 0);
    }
    CHECK((events_for(port, 7u, 5000) & SVIPC_READY_READABLE) != 0);

    /* Ended but not reaped: nothing left to signal, and that is no error. */
    if (pidfd >= 0)
    {
        CHECK_STATUS(SVIPC_OK, svipc_pidfd_send_signal(pidfd, SIGKILL));
    }
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    if (pidfd >= 0)
    {
        CHECK_STATUS(SVIPC_OK, svipc_pidfd_send_signal(pidfd, SIGKILL)); /* reaped: still nothing to signal */
        CHECK_STATUS(SVIPC_OK, svipc_event_port_remove(port, pidfd));
        close(pidfd);
    }
    close(port);
}

static void a_blocking_caller_waits_for_one_descriptor_with_its_timeout(void)
{
    svipc_socket* waiting;
    svipc_socket* peer;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&waiting, &peer));
    CHECK_STATUS(SVIPC_TIMEOUT, svipc_wait_ready(svipc_fd(waiting), SVIPC_READY_READABLE, 50));
    CHECK_STATUS(SVIPC_OK, svipc_wait_ready(svipc_fd(waiting), SVIPC_READY_WRITABLE, 1000));
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(peer, (const uint8_t*)"{}", 2));
    CHECK_STATUS(SVIPC_OK, svipc_wait_ready(svipc_fd(waiting), SVIPC_READY_READABLE, SVIPC_INFINITE_TIMEOUT));
    svipc_close(peer);
    CHECK_STATUS(SVIPC_OK, svipc_wait_ready(svipc_fd(waiting), SVIPC_READY_READABLE, 1000)); /* hang-up counts as ready */
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_wait_ready(svipc_fd(waiting), 0, 0));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_wait_ready(svipc_fd(waiting), 64u, 0));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_wait_ready(-1, SVIPC_READY_READABLE, 0));
    svipc_close(waiting);
}

static void bad_arguments_are_refused(void)
{
    int32_t pidfd = 0;
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_pidfd_open(0, &pidfd));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_pidfd_open(1, NULL));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_pidfd_send_signal(-1, SIGKILL));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_event_port_create(NULL));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_event_port_add(-1, 0, 0));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_event_port_add_child(0, 0, -1, 0));
    svipc_ready_event event;
    int32_t count;
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_event_port_wait(0, &event, 0, 0, &count));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_event_port_wait(0, &event, 1, -2, &count));
}

int main(void)
{
    RUN(a_socket_reports_edges_for_reading_writing_and_hang_up);
    RUN(a_child_is_watched_until_it_ends_and_killed_through_its_pidfd);
    RUN(a_blocking_caller_waits_for_one_descriptor_with_its_timeout);
    RUN(bad_arguments_are_refused);
    return test_finish();
}
