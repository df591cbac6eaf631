/*
 * A peer that breaks the descriptor rules: every descriptor that arrived is
 * closed, the call reports a protocol violation, and the receive side stays
 * desynchronized instead of parsing anything further.
 */
#include "test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

typedef void (*craft_stream)(int raw_fd, const int* fds);

static int open_dev_null(void)
{
    int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    return fd;
}

static const uint8_t zero = 0;

static void ten_descriptors(int raw, const int* fds) { test_send_with_fds(raw, &zero, 1, fds, 10); }
static void two_descriptors(int raw, const int* fds) { test_send_with_fds(raw, &zero, 1, fds, 2); }
static void carrier_byte_not_zero(int raw, const int* fds)
{
    static const uint8_t one = 1;
    test_send_with_fds(raw, &one, 1, fds, 1);
}
#if SVIPC_TEST_READS_AHEAD
static void carrier_with_two_bytes(int raw, const int* fds)
{
    static const uint8_t two[2] = { 0, 0 };
    test_send_with_fds(raw, two, 2, fds, 1);
}
#endif
static void carrier_after_two_prefix_bytes(int raw, const int* fds)
{
    static const uint8_t prefix[2] = { 0, 0 };
    test_write_all(raw, prefix, 2);
    test_send_with_fds(raw, &zero, 1, fds, 1);
}
static void carrier_after_full_prefix(int raw, const int* fds)
{
    static const uint8_t prefix[4] = { 0, 0, 0, 3 };
    test_write_all(raw, prefix, 4);
    test_send_with_fds(raw, &zero, 1, fds, 1);
}
static void carrier_inside_payload(int raw, const int* fds)
{
    static const uint8_t start[5] = { 0, 0, 0, 3, 'a' };
    test_write_all(raw, start, 5);
    test_send_with_fds(raw, &zero, 1, fds, 1);
}
static void two_carriers_before_a_frame(int raw, const int* fds)
{
    test_send_with_fds(raw, &zero, 1, fds, 1);
    test_send_with_fds(raw, &zero, 1, fds + 1, 1);
}

typedef enum
{
    VIA_FRAME,
    VIA_FD,
    VIA_FD_THEN_FRAME, /* svipc_recv_fd finds frame data first; the frame receive then meets the violation */
} receive_call;

static void check_violation(craft_stream craft, receive_call call)
{
    int fds[10];
    int before = test_count_open_fds();
    for (int i = 0; i < 10; i++)
    {
        fds[i] = open_dev_null();
    }
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    int with_sockets = test_count_open_fds();
    craft(svipc_fd(a), fds);
    /* A well-formed frame behind the garbage must not be reached either. */
    static const uint8_t trailer[7] = { 0, 0, 0, 3, 'a', 'b', 'c' };
    test_write_all(svipc_fd(a), trailer, sizeof(trailer));

    uint8_t buffer[16];
    uint32_t length = 99;
    int32_t fd = -7;
    if (call == VIA_FD_THEN_FRAME)
    {
        CHECK_STATUS(SVIPC_NO_DESCRIPTOR, svipc_recv_fd(b, &fd));
    }
    if (call == VIA_FD)
    {
        CHECK_STATUS(SVIPC_PROTOCOL_VIOLATION, svipc_recv_fd(b, &fd));
    }
    else
    {
        CHECK_STATUS(SVIPC_PROTOCOL_VIOLATION, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    }
    CHECK(length == 99 && fd == -7);
    /* Nothing that arrived is still open in this process. */
    CHECK(test_count_open_fds() == with_sockets);
    CHECK_STATUS(SVIPC_DESYNCHRONIZED, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK_STATUS(SVIPC_DESYNCHRONIZED, svipc_recv_fd(b, &fd));
    CHECK_STATUS(SVIPC_DESYNCHRONIZED, svipc_recv_frame_borrowed(b, (const uint8_t**)&buffer, &length));
    /* Sending is a separate direction and still works. */
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(b, (const uint8_t*)"{}", 2));
    svipc_close(a);
    svipc_close(b);
    for (int i = 0; i < 10; i++)
    {
        CHECK(close(fds[i]) == 0);
    }
    CHECK(test_count_open_fds() == before);
}

static void truncated_control_data_is_a_violation(void)
{
    /* Ten descriptors overflow the receive control buffer, which sets MSG_CTRUNC. */
    check_violation(ten_descriptors, VIA_FRAME);
    check_violation(ten_descriptors, VIA_FD);
}

static void two_descriptors_in_one_carrier_are_a_violation(void)
{
    check_violation(two_descriptors, VIA_FRAME);
    check_violation(two_descriptors, VIA_FD);
}

static void carrier_with_wrong_data_is_a_violation(void)
{
    check_violation(carrier_byte_not_zero, VIA_FRAME);
    check_violation(carrier_byte_not_zero, VIA_FD);
#if SVIPC_TEST_READS_AHEAD
    /* Linux pins the descriptor to the second byte, so the first one is frame data in front of it. Without
     * read-ahead (macOS) the first byte is read alone, with the descriptor, and is a carrier; the second byte is
     * then the start of the next frame, as if the peer had sent it apart, and cannot be told from that. */
    check_violation(carrier_with_two_bytes, VIA_FRAME);
    check_violation(carrier_with_two_bytes, VIA_FD_THEN_FRAME);
#endif
}

static void carrier_in_the_middle_of_a_frame_is_a_violation(void)
{
    check_violation(carrier_after_two_prefix_bytes, VIA_FRAME);
    check_violation(carrier_after_full_prefix, VIA_FRAME);
    check_violation(carrier_inside_payload, VIA_FRAME);
}

static void second_pending_descriptor_is_a_violation(void)
{
    check_violation(two_carriers_before_a_frame, VIA_FRAME);
}

static void carrier_glued_to_a_prefix_in_one_read_is_a_violation(void)
{
    /* The prefix bytes and the carrier are queued before the read, so one recvmsg may return both. */
    int fd = open_dev_null();
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    int with_sockets = test_count_open_fds();
    static const uint8_t prefix_start[3] = { 0, 0, 0 };
    test_write_all(svipc_fd(a), prefix_start, 3);
    test_send_with_fds(svipc_fd(a), &zero, 1, &fd, 1);
    uint32_t length = 0;
    uint8_t buffer[8];
    /* Were the carrier byte taken as the last prefix byte, this would be a 0-length frame. */
    CHECK_STATUS(SVIPC_PROTOCOL_VIOLATION, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK(test_count_open_fds() == with_sockets);
    svipc_close(a);
    svipc_close(b);
    CHECK(close(fd) == 0);
}

#if SVIPC_TEST_READS_AHEAD
/*
 * A peer that glues its carrier to the frame before it, in one sendmsg. Which
 * bytes of a read came with a descriptor is not reported, so this cannot be
 * told from the frame and the carrier sent apart; it gives exactly what they
 * give, and nothing more: the frame, then the descriptor, then the next frame.
 */
static void carrier_glued_behind_a_whole_frame_is_that_frame_then_the_carrier(void)
{
    int fd = open_dev_null();
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    int with_sockets = test_count_open_fds();
    static const uint8_t frame_and_carrier[8] = { 0, 0, 0, 3, 'a', 'b', 'c', 0 };
    test_send_with_fds(svipc_fd(a), frame_and_carrier, sizeof(frame_and_carrier), &fd, 1);
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)"{}", 2));
    uint8_t buffer[8];
    uint32_t length = 0;
    int32_t received = -1;
    CHECK_STATUS(SVIPC_NO_DESCRIPTOR, svipc_recv_fd(b, &received));
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK(length == 3 && memcmp(buffer, "abc", 3) == 0);
    CHECK_STATUS(SVIPC_OK, svipc_recv_fd(b, &received));
    CHECK(received >= 0 && (fcntl(received, F_GETFD) & FD_CLOEXEC) != 0);
    CHECK(close(received) == 0);
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK(length == 2 && memcmp(buffer, "{}", 2) == 0);
    CHECK(test_count_open_fds() == with_sockets);
    svipc_close(a);
    svipc_close(b);
    CHECK(close(fd) == 0);
}
#endif

int main(void)
{
    signal(SIGPIPE, SIG_DFL);
    RUN(truncated_control_data_is_a_violation);
    RUN(two_descriptors_in_one_carrier_are_a_violation);
    RUN(carrier_with_wrong_data_is_a_violation);
    RUN(carrier_in_the_middle_of_a_frame_is_a_violation);
    RUN(second_pending_descriptor_is_a_violation);
    RUN(carrier_glued_to_a_prefix_in_one_read_is_a_violation);
#if SVIPC_TEST_READS_AHEAD
    RUN(carrier_glued_behind_a_whole_frame_is_that_frame_then_the_carrier);
#endif
    return test_finish();
}
