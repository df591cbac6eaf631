/* Frames: exact wire bytes, round trips of every size class, limits, close vs truncation, buffer handling. */
#include "test_support.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const char granted[] = "{\"Decision\":{\"request_id\":\"req-001\",\"decision\":\"Granted\"}}";

static void make_pair(svipc_socket** a, svipc_socket** b)
{
    CHECK_STATUS(SVIPC_OK, svipc_pair(a, b));
}

static void wire_bytes_are_big_endian_prefix_then_payload(void)
{
    svipc_socket* sender;
    svipc_socket* receiver;
    make_pair(&sender, &receiver);
    uint32_t length = (uint32_t)strlen(granted);
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(sender, (const uint8_t*)granted, length));
    uint8_t raw[256];
    ssize_t got = recv(svipc_fd(receiver), raw, sizeof(raw), MSG_DONTWAIT);
    CHECK(got == (ssize_t)(4 + length));
    CHECK(raw[0] == 0 && raw[1] == 0 && raw[2] == 0 && raw[3] == length);
    CHECK(memcmp(raw + 4, granted, length) == 0);
    svipc_close(sender);
    svipc_close(receiver);
}

static void round_trips_every_size_class(void)
{
    static const uint32_t sizes[] = { 0, 1, 3, 4, 5, 255, 256, 4096, 65535, 65536 };
    svipc_socket* a;
    svipc_socket* b;
    make_pair(&a, &b);
    uint8_t* payload = malloc(SVIPC_MAX_PAYLOAD);
    uint8_t* received = malloc(SVIPC_MAX_PAYLOAD);
    CHECK(payload != NULL && received != NULL);
    pid_t child = test_fork();
    if (child == 0)
    {
        /* Echo every frame back across the process boundary. */
        svipc_close(a);
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
        {
            uint32_t length = 0;
            CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, received, SVIPC_MAX_PAYLOAD, &length));
            CHECK(length == sizes[i]);
            CHECK_STATUS(SVIPC_OK, svipc_send_frame(b, received, length));
        }
        svipc_close(b);
        _exit(0);
    }
    svipc_close(b);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
    {
        for (uint32_t j = 0; j < sizes[i]; j++)
        {
            payload[j] = (uint8_t)(j * 31u + i);
        }
        CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, payload, sizes[i]));
        uint32_t length = 12345;
        const uint8_t* borrowed = NULL;
        CHECK_STATUS(SVIPC_OK, svipc_recv_frame_borrowed(a, &borrowed, &length));
        CHECK(length == sizes[i]);
        CHECK(borrowed != NULL);
        CHECK(length == 0 || memcmp(borrowed, payload, length) == 0);
    }
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_CLOSED, svipc_recv_frame(a, received, SVIPC_MAX_PAYLOAD, &length));
    test_wait_success(child);
    svipc_close(a);
    free(payload);
    free(received);
}

static void oversize_send_is_refused_before_writing(void)
{
    svipc_socket* a;
    svipc_socket* b;
    make_pair(&a, &b);
    uint8_t* payload = calloc(1, SVIPC_MAX_PAYLOAD + 1);
    CHECK(payload != NULL);
    CHECK_STATUS(SVIPC_TOO_LARGE, svipc_send_frame(a, payload, SVIPC_MAX_PAYLOAD + 1));
    CHECK_STATUS(SVIPC_TOO_LARGE, svipc_send_frame(a, payload, UINT32_MAX));
    CHECK(test_pending_bytes(svipc_fd(b)) == 0);
    /* Nothing was written, so the stream is still usable. */
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)"{}", 2));
    uint8_t buffer[8];
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK(length == 2 && memcmp(buffer, "{}", 2) == 0);
    free(payload);
    svipc_close(a);
    svipc_close(b);
}

static void check_oversize_prefix_refused(const uint8_t prefix[4])
{
    svipc_socket* a;
    svipc_socket* b;
    make_pair(&a, &b);
    uint8_t bytes[4 + 10];
    memcpy(bytes, prefix, 4);
    memset(bytes + 4, 'x', 10);
    test_write_all(svipc_fd(a), bytes, sizeof(bytes));
    uint8_t buffer[16];
    uint32_t length = 777;
    CHECK_STATUS(SVIPC_TOO_LARGE, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK(length == 777);
    /* Whatever the receive buffer took behind the prefix is never parsed as a frame. */
    CHECK_STATUS(SVIPC_DESYNCHRONIZED, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    int32_t fd = -1;
    CHECK_STATUS(SVIPC_DESYNCHRONIZED, svipc_recv_fd(b, &fd));
    const uint8_t* borrowed = NULL;
    CHECK_STATUS(SVIPC_DESYNCHRONIZED, svipc_recv_frame_borrowed(b, &borrowed, &length));
    CHECK(borrowed == NULL && length == 777);
    svipc_close(a);
    svipc_close(b);
}

static void oversize_prefix_is_refused_and_desynchronizes(void)
{
    static const uint8_t just_over[4] = { 0x00, 0x01, 0x00, 0x01 };
    static const uint8_t maximum[4] = { 0xFF, 0xFF, 0xFF, 0xFF };
    check_oversize_prefix_refused(just_over);
    check_oversize_prefix_refused(maximum);
}

static void small_buffer_keeps_the_frame(void)
{
    svipc_socket* a;
    svipc_socket* b;
    make_pair(&a, &b);
    uint32_t length = (uint32_t)strlen(granted);
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)granted, length));
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)"[]", 2));
    uint8_t small[8];
    uint32_t reported = 0;
    CHECK_STATUS(SVIPC_BUFFER_TOO_SMALL, svipc_recv_frame(b, small, sizeof(small), &reported));
    CHECK(reported == length);
    CHECK_STATUS(SVIPC_BUFFER_TOO_SMALL, svipc_recv_frame(b, NULL, 0, &reported));
    CHECK(reported == length);
    uint8_t big[256];
    uint32_t got = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, big, sizeof(big), &got));
    CHECK(got == length && memcmp(big, granted, length) == 0);
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, small, 2, &got));
    CHECK(got == 2 && memcmp(small, "[]", 2) == 0);
    svipc_close(a);
    svipc_close(b);
}

/* A peer process writes the first `cut` bytes of a frame (after one complete frame) and exits. */
static svipc_status receive_after_peer_writes(size_t cut, uint32_t* first_length)
{
    svipc_socket* a;
    svipc_socket* b;
    make_pair(&a, &b);
    pid_t child = test_fork();
    if (child == 0)
    {
        svipc_close(b);
        static const uint8_t complete[] = { 0, 0, 0, 2, '{', '}' };
        static const uint8_t next[] = { 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o' };
        test_write_all(svipc_fd(a), complete, sizeof(complete));
        if (cut > 0)
        {
            test_write_all(svipc_fd(a), next, cut);
        }
        _exit(0);
    }
    svipc_close(a);
    test_wait_success(child);
    uint8_t buffer[16];
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), first_length));
    uint32_t length = 0;
    svipc_status status = svipc_recv_frame(b, buffer, sizeof(buffer), &length);
    /* End of stream is sticky: asking again gives the same answer. */
    CHECK_STATUS(status, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    svipc_close(b);
    return status;
}

static void orderly_close_differs_from_truncation(void)
{
    uint32_t first = 0;
    CHECK_STATUS(SVIPC_CLOSED, receive_after_peer_writes(0, &first));
    CHECK(first == 2);
    static const size_t cuts[] = { 1, 2, 3, 4, 5, 8 };
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
    {
        CHECK_STATUS(SVIPC_TRUNCATED, receive_after_peer_writes(cuts[i], &first));
    }
}

static void frames_split_into_single_bytes_are_reassembled(void)
{
    svipc_socket* a;
    svipc_socket* b;
    make_pair(&a, &b);
    pid_t child = test_fork();
    if (child == 0)
    {
        svipc_close(b);
        uint8_t frame[4 + sizeof(granted) - 1] = { 0, 0, 0, (uint8_t)(sizeof(granted) - 1) };
        memcpy(frame + 4, granted, sizeof(granted) - 1);
        for (int repeat = 0; repeat < 3; repeat++)
        {
            for (size_t i = 0; i < sizeof(frame); i++)
            {
                test_write_all(svipc_fd(a), frame + i, 1);
                if (i % 7 == 0)
                {
                    test_sleep_ms(1);
                }
            }
        }
        _exit(0);
    }
    svipc_close(a);
    for (int repeat = 0; repeat < 3; repeat++)
    {
        uint8_t buffer[128];
        uint32_t length = 0;
        CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
        CHECK(length == sizeof(granted) - 1 && memcmp(buffer, granted, length) == 0);
    }
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_CLOSED, svipc_recv_frame(b, NULL, 0, &length));
    test_wait_success(child);
    svipc_close(b);
}

static void invalid_arguments_are_reported(void)
{
    svipc_socket* a;
    svipc_socket* b;
    make_pair(&a, &b);
    uint32_t length = 0;
    const uint8_t* borrowed = NULL;
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_send_frame(NULL, (const uint8_t*)"x", 1));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_send_frame(a, NULL, 1));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_recv_frame(b, NULL, 4, &length));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_recv_frame(b, (uint8_t*)&length, 4, NULL));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_recv_frame_borrowed(b, NULL, &length));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_recv_frame_borrowed(b, &borrowed, NULL));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_pair(NULL, &b));
    /* An empty frame is legal in both directions. */
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, NULL, 0));
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, NULL, 0, &length));
    CHECK(length == 0);
    svipc_close(a);
    svipc_close(b);
    svipc_close(NULL);
}

int main(void)
{
    signal(SIGPIPE, SIG_DFL);
    RUN(wire_bytes_are_big_endian_prefix_then_payload);
    RUN(round_trips_every_size_class);
    RUN(oversize_send_is_refused_before_writing);
    RUN(oversize_prefix_is_refused_and_desynchronizes);
    RUN(small_buffer_keeps_the_frame);
    RUN(orderly_close_differs_from_truncation);
    RUN(frames_split_into_single_bytes_are_reassembled);
    RUN(invalid_arguments_are_reported);
    return test_finish();
}
