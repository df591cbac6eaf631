/*
 * How many socket calls a frame costs, counted by interposing recvmsg/sendmsg
 * (this test links the static library, so its definitions win over libc's):
 * one sendmsg per frame; one recvmsg for a queued frame, and one for all the
 * frames queued together (the receive buffer reads ahead); one more for a
 * carrier in front of a frame, since the kernel ends a read after descriptors;
 * with svipc_set_wait_in_poll, one poll more per read that has to wait, none
 * for the frame right behind a descriptor.
 */
#include "test_support.h"

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Reads a queued frame costs: one with read-ahead; without it (macOS's policy) a lone byte at the boundary, the
 * rest of the prefix, then the payload. */
#if SVIPC_TEST_READS_AHEAD
#define READS_PER_FRAME 1
#else
#define READS_PER_FRAME 3
#endif

static int recvmsg_calls;
static int sendmsg_calls;
static int poll_calls;

ssize_t recvmsg(int fd, struct msghdr* message, int flags);
ssize_t sendmsg(int fd, const struct msghdr* message, int flags);
int poll(struct pollfd* fds, nfds_t count, int timeout_ms);

int poll(struct pollfd* fds, nfds_t count, int timeout_ms)
{
    poll_calls++;
    struct timespec timeout = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };
    return (int)syscall(SYS_ppoll, fds, count, timeout_ms < 0 ? NULL : &timeout, NULL, (size_t)0);
}

ssize_t recvmsg(int fd, struct msghdr* message, int flags)
{
    recvmsg_calls++;
    return (ssize_t)syscall(SYS_recvmsg, fd, message, flags);
}

ssize_t sendmsg(int fd, const struct msghdr* message, int flags)
{
    sendmsg_calls++;
    return (ssize_t)syscall(SYS_sendmsg, fd, message, flags);
}

static void reset_counts(void)
{
    recvmsg_calls = 0;
    sendmsg_calls = 0;
    poll_calls = 0;
}

static void queued_frame_costs_one_send_and_one_receive(void)
{
    static const uint32_t sizes[] = { 1, 100, SVIPC_MAX_PAYLOAD };
    static uint8_t payload[SVIPC_MAX_PAYLOAD];
    static uint8_t buffer[SVIPC_MAX_PAYLOAD];
    memset(payload, 'j', sizeof(payload));
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
    {
        reset_counts();
        CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, payload, sizes[i]));
        CHECK(sendmsg_calls == 1);
        uint32_t length = 0;
        CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
        CHECK(length == sizes[i]);
        CHECK(recvmsg_calls == READS_PER_FRAME);
    }
    reset_counts();
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, NULL, 0));
    uint32_t length = 1;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, NULL, 0, &length));
    CHECK(length == 0 && recvmsg_calls == (SVIPC_TEST_READS_AHEAD ? 1 : 2) && sendmsg_calls == 1);
    svipc_close(a);
    svipc_close(b);
}

static void frames_queued_together_cost_one_receive(void)
{
    enum { FRAMES = 50, SIZE = 1000 };
    static uint8_t payload[SIZE];
    uint8_t buffer[SIZE];
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    for (int i = 0; i < FRAMES; i++)
    {
        memset(payload, 'a' + i % 26, sizeof(payload));
        CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, payload, sizeof(payload)));
    }
    reset_counts();
    for (int i = 0; i < FRAMES; i++)
    {
        uint32_t length = 0;
        CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
        CHECK(length == SIZE && buffer[0] == 'a' + i % 26 && buffer[SIZE - 1] == 'a' + i % 26);
    }
    CHECK(recvmsg_calls == (SVIPC_TEST_READS_AHEAD ? 1 : READS_PER_FRAME * FRAMES));
    /* A frame larger than what is left of the buffer: the bytes before it move to the front, one read more. */
    static uint8_t big[SVIPC_MAX_PAYLOAD];
    static uint8_t big_buffer[SVIPC_MAX_PAYLOAD];
    memset(big, 'z', sizeof(big));
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, payload, 10));
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, big, sizeof(big)));
    reset_counts();
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK(length == 10 && recvmsg_calls == READS_PER_FRAME);
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, big_buffer, sizeof(big_buffer), &length));
    CHECK(length == sizeof(big) && recvmsg_calls == 2 * READS_PER_FRAME && memcmp(big, big_buffer, sizeof(big)) == 0);
    svipc_close(a);
    svipc_close(b);
}

static void carrier_in_front_costs_one_more_receive(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    reset_counts();
    CHECK_STATUS(SVIPC_OK, svipc_send_fd(a, STDIN_FILENO));
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)"{}", 2));
    CHECK(sendmsg_calls == 2);
    uint8_t buffer[4];
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK(recvmsg_calls == 1 + READS_PER_FRAME);
    int32_t fd = -1;
    CHECK_STATUS(SVIPC_OK, svipc_recv_fd(b, &fd));
    CHECK(recvmsg_calls == 1 + READS_PER_FRAME); /* it was already kept */
    CHECK(close(fd) == 0);
    svipc_close(a);
    svipc_close(b);
}

static void waiting_in_poll_costs_one_poll_more_per_receive_call(void)
{
    static const uint8_t payload[100] = { 0 };
    uint8_t buffer[128];
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    CHECK_STATUS(SVIPC_OK, svipc_set_wait_in_poll(b, 1));
    reset_counts();
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, payload, sizeof(payload)));
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK(length == sizeof(payload) && poll_calls == 1 && recvmsg_calls == READS_PER_FRAME && sendmsg_calls == 1);
    /* A grant: the descriptor's wait polls; the decision right behind it is read without polling again. */
    reset_counts();
    CHECK_STATUS(SVIPC_OK, svipc_send_fd(a, svipc_fd(a)));
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, payload, sizeof(payload)));
    int32_t fd = -1;
    CHECK_STATUS(SVIPC_OK, svipc_recv_fd(b, &fd));
    CHECK(fd >= 0 && poll_calls == 1 && recvmsg_calls == 1);
    close(fd);
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK(length == sizeof(payload) && poll_calls == 1 && recvmsg_calls == 1 + READS_PER_FRAME);
    /* Switched off again: no poll. */
    CHECK_STATUS(SVIPC_OK, svipc_set_wait_in_poll(b, 0));
    reset_counts();
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, payload, sizeof(payload)));
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK(poll_calls == 0 && recvmsg_calls == READS_PER_FRAME);
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_set_wait_in_poll(b, 2));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_set_wait_in_poll(NULL, 1));
    svipc_close(a);
    svipc_close(b);
}

int main(void)
{
    signal(SIGPIPE, SIG_DFL);
    RUN(queued_frame_costs_one_send_and_one_receive);
    RUN(frames_queued_together_cost_one_receive);
    RUN(carrier_in_front_costs_one_more_receive);
    RUN(waiting_in_poll_costs_one_poll_more_per_receive_call);
    return test_finish();
}
