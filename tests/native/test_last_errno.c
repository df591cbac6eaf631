/*
 * svipc_last_send_errno / svipc_last_receive_errno: after every failed transfer
 * each equals errno as the call left it, per direction, and a success or a
 * failure in one direction leaves the other direction's value alone.
 */
#include "test_support.h"

#include <errno.h>
#include <signal.h>
#include <sys/socket.h>

static void both_start_at_zero(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    CHECK(svipc_last_send_errno(a) == 0 && svipc_last_receive_errno(a) == 0);
    CHECK(svipc_last_send_errno(NULL) == 0 && svipc_last_receive_errno(NULL) == 0);
    svipc_close(a);
    svipc_close(b);
}

static void a_receive_timeout_is_kept_for_the_receive_direction(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    CHECK_STATUS(SVIPC_OK, svipc_set_read_timeout(a, 20));
    uint8_t buffer[16];
    uint32_t length = 0;
    const uint8_t* borrowed = NULL;
    int32_t fd = -1;
    CHECK_STATUS(SVIPC_TIMEOUT, svipc_recv_frame(a, buffer, sizeof(buffer), &length));
    CHECK(svipc_last_receive_errno(a) == errno && errno == EAGAIN);
    CHECK_STATUS(SVIPC_TIMEOUT, svipc_recv_frame_borrowed(a, &borrowed, &length));
    CHECK(svipc_last_receive_errno(a) == EAGAIN);
    CHECK_STATUS(SVIPC_TIMEOUT, svipc_recv_fd(a, &fd));
    CHECK(svipc_last_receive_errno(a) == EAGAIN);
    CHECK(svipc_last_send_errno(a) == 0);
    /* A successful receive keeps the last failure's value. */
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(b, (const uint8_t*)"x", 1));
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(a, buffer, sizeof(buffer), &length));
    CHECK(svipc_last_receive_errno(a) == EAGAIN);
    svipc_close(a);
    svipc_close(b);
}

static void a_send_to_a_closed_peer_is_kept_for_the_send_direction(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    svipc_close(b);
    CHECK_STATUS(SVIPC_CLOSED, svipc_send_frame(a, (const uint8_t*)"x", 1));
    int sent_errno = errno;
    CHECK(sent_errno == EPIPE || sent_errno == ECONNRESET);
    CHECK(svipc_last_send_errno(a) == sent_errno);
    CHECK(svipc_last_receive_errno(a) == 0);
    CHECK_STATUS(SVIPC_CLOSED, svipc_send_fd(a, svipc_fd(a)));
    CHECK(svipc_last_send_errno(a) == errno);
    svipc_close(a);
}

static void a_failure_without_a_system_error_records_zero(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    /* SVIPC_TOO_LARGE is decided before any system call: the errno left by an earlier call is not kept. */
    static uint8_t large[SVIPC_MAX_PAYLOAD + 1];
    errno = EINTR;
    CHECK_STATUS(SVIPC_TOO_LARGE, svipc_send_frame(a, large, sizeof(large)));
    CHECK(svipc_last_send_errno(a) == 0);
    svipc_close(a);
    svipc_close(b);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    RUN(both_start_at_zero);
    RUN(a_receive_timeout_is_kept_for_the_receive_direction);
    RUN(a_send_to_a_closed_peer_is_kept_for_the_send_direction);
    RUN(a_failure_without_a_system_error_records_zero);
    return test_finish();
}
