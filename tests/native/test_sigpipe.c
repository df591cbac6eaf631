/* Writing to a dead peer with SIGPIPE at its default (fatal) disposition: a status, never a signal. */
#include "test_support.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

static void sends_to_a_dead_peer_report_closed(void)
{
    struct sigaction current;
    CHECK(sigaction(SIGPIPE, NULL, &current) == 0);
    CHECK(current.sa_handler == SIG_DFL);
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    pid_t child = test_fork();
    if (child == 0)
    {
        svipc_close(a);
        _exit(0);
    }
    svipc_close(b);
    test_wait_success(child);
    /* The process would die here if any write raised SIGPIPE. */
    errno = 0;
    CHECK_STATUS(SVIPC_CLOSED, svipc_send_frame(a, (const uint8_t*)"{}", 2));
    CHECK(errno == EPIPE);
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    CHECK_STATUS(SVIPC_CLOSED, svipc_send_fd(a, fd));
    CHECK(close(fd) == 0);
    /* Nothing was written, so the send side is not desynchronized, just closed. */
    CHECK_STATUS(SVIPC_CLOSED, svipc_send_frame(a, NULL, 0));
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_CLOSED, svipc_recv_frame(a, NULL, 0, &length));
    svipc_close(a);
}

static void check_peer_dying_with_unread_data(size_t partial_bytes, svipc_status expected)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    /* The peer dies with unread data, which the kernel reports as a reset rather than an end of stream. */
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)"unread", 6));
    static const uint8_t partial[2] = { 0, 0 };
    if (partial_bytes > 0)
    {
        test_write_all(svipc_fd(b), partial, partial_bytes);
    }
    svipc_close(b);
    CHECK_STATUS(SVIPC_CLOSED, svipc_send_frame(a, (const uint8_t*)"{}", 2));
    uint32_t length = 0;
    errno = 0;
    CHECK_STATUS(expected, svipc_recv_frame(a, NULL, 0, &length));
    CHECK(errno == ECONNRESET);
    CHECK_STATUS(expected, svipc_recv_frame(a, NULL, 0, &length));
    svipc_close(a);
}

static void peer_dying_with_unread_data_reports_closed_or_truncated(void)
{
    check_peer_dying_with_unread_data(0, SVIPC_CLOSED);
    check_peer_dying_with_unread_data(2, SVIPC_TRUNCATED);
}

int main(void)
{
    signal(SIGPIPE, SIG_DFL);
    RUN(sends_to_a_dead_peer_report_closed);
    RUN(peer_dying_with_unread_data_reports_closed_or_truncated);
    return test_finish();
}
