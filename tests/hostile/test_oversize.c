/*
 * A length prefix above the 64 KiB cap is refused before the payload is read
 * and before anything of that size is allocated; the stream is then unusable
 * (desynchronized), never misframed.
 */
#define _GNU_SOURCE
#include "alloc_probe.h"
#include "hostile.h"

#include <string.h>
#include <unistd.h>

enum
{
    TRAILING_BYTES = 100
};

/* Receives one valid maximum-size frame first, so any lazily allocated receive
 * buffer already exists and the probe only sees what the hostile prefix causes. */
static void warm_up(svipc_socket* library, int peer, uint8_t* buffer)
{
    static uint8_t payload[SVIPC_MAX_PAYLOAD];
    memset(payload, 'w', sizeof(payload));
    size_t frame_length;
    uint8_t* frame = hostile_build_frame(payload, SVIPC_MAX_PAYLOAD, &frame_length);
    hostile_write_all(peer, frame, frame_length);
    uint32_t length = 0;
    CHECK_STATUS(svipc_recv_frame(library, buffer, SVIPC_MAX_PAYLOAD, &length), SVIPC_OK);
    CHECK(length == SVIPC_MAX_PAYLOAD);
    hostile_write_all(peer, frame, frame_length);
    free(frame);
    const uint8_t* borrowed = NULL;
    CHECK_STATUS(svipc_recv_frame_borrowed(library, &borrowed, &length), SVIPC_OK);
    CHECK(length == SVIPC_MAX_PAYLOAD && borrowed[SVIPC_MAX_PAYLOAD - 1] == 'w');
}

static void expect_desynchronized(svipc_socket* library, uint8_t* buffer)
{
    uint32_t length = 0;
    const uint8_t* borrowed = NULL;
    int32_t fd = -1;
    for (int i = 0; i < 3; i++)
    {
        CHECK_STATUS(svipc_recv_frame(library, buffer, SVIPC_MAX_PAYLOAD, &length), SVIPC_DESYNCHRONIZED);
        CHECK_STATUS(svipc_recv_frame_borrowed(library, &borrowed, &length), SVIPC_DESYNCHRONIZED);
        CHECK_STATUS(svipc_recv_fd(library, &fd), SVIPC_DESYNCHRONIZED);
    }
    CHECK(fd == -1);
}

static void refuse_prefix(uint32_t prefix, int borrowed_receive, int split_prefix)
{
    static uint8_t buffer[SVIPC_MAX_PAYLOAD];
    svipc_socket* library;
    int peer;
    hostile_raw_pair(&library, &peer);
    warm_up(library, peer, buffer);

    uint8_t header[SVIPC_FRAME_HEADER_SIZE];
    hostile_encode_prefix(prefix, header);
    if (split_prefix)
    {
        hostile_write_all(peer, header, 2);
        hostile_write_all(peer, header + 2, 2);
    }
    else
    {
        hostile_write_all(peer, header, sizeof(header));
    }
    uint8_t trailing[TRAILING_BYTES];
    memset(trailing, 'x', sizeof(trailing));
    hostile_write_all(peer, trailing, sizeof(trailing));

    uint32_t length = 12345;
    const uint8_t* payload = NULL;
    alloc_probe_begin();
    svipc_status status = borrowed_receive ? svipc_recv_frame_borrowed(library, &payload, &length)
                                           : svipc_recv_frame(library, buffer, SVIPC_MAX_PAYLOAD, &length);
    size_t largest = alloc_probe_end();
    CHECK_STATUS(status, SVIPC_TOO_LARGE);
    if (alloc_probe_available())
    {
        /* The socket's one receive buffer (room for one maximal frame) is all a receive may allocate. */
        if (largest > SVIPC_FRAME_HEADER_SIZE + SVIPC_MAX_PAYLOAD)
            HOSTILE_FAIL("prefix 0x%08x caused a %zu-byte allocation", prefix, largest);
    }
    else
    {
        fprintf(stderr, "note: allocation probe unavailable on this libc; allocation not observed\n");
    }
    /* Bytes behind the prefix may have been read ahead; they are never parsed (expect_desynchronized). */
    expect_desynchronized(library, buffer);
    svipc_close(library);
    close(peer);
}

static void prefix_65537_refused(void) { refuse_prefix(SVIPC_MAX_PAYLOAD + 1u, 0, 0); }
static void prefix_65537_refused_borrowed(void) { refuse_prefix(SVIPC_MAX_PAYLOAD + 1u, 1, 0); }
static void prefix_ffffffff_refused(void) { refuse_prefix(0xFFFFFFFFu, 0, 0); }
static void prefix_ffffffff_refused_borrowed(void) { refuse_prefix(0xFFFFFFFFu, 1, 0); }
static void prefix_split_refused(void) { refuse_prefix(0x80000000u, 0, 1); }

/* Asking for a descriptor when an oversize frame is next must not consume it. */
static void recv_fd_leaves_oversize_frame(void)
{
    uint8_t buffer[64];
    svipc_socket* library;
    int peer;
    hostile_raw_pair(&library, &peer);
    uint8_t header[SVIPC_FRAME_HEADER_SIZE];
    hostile_encode_prefix(0xFFFFFFFFu, header);
    hostile_write_all(peer, header, sizeof(header));
    int32_t fd = -1;
    CHECK_STATUS(svipc_recv_fd(library, &fd), SVIPC_NO_DESCRIPTOR);
    CHECK(fd == -1);
    uint32_t length = 0;
    CHECK_STATUS(svipc_recv_frame(library, buffer, sizeof(buffer), &length), SVIPC_TOO_LARGE);
    svipc_close(library);
    close(peer);
}

/* Sending too much is refused before a single byte reaches the peer. */
static void oversize_send_writes_nothing(void)
{
    static uint8_t payload[SVIPC_MAX_PAYLOAD + 1];
    svipc_socket* library;
    int peer;
    hostile_raw_pair(&library, &peer);
    CHECK_STATUS(svipc_send_frame(library, payload, SVIPC_MAX_PAYLOAD + 1u), SVIPC_TOO_LARGE);
    CHECK_STATUS(svipc_send_frame(library, payload, 0xFFFFFFFFu), SVIPC_TOO_LARGE);
    CHECK(hostile_unread_bytes(peer) == 0);
    /* The direction is still in sync: the refusal wrote nothing. */
    CHECK_STATUS(svipc_send_frame(library, payload, 3), SVIPC_OK);
    CHECK(hostile_unread_bytes(peer) == 3 + SVIPC_FRAME_HEADER_SIZE);
    svipc_close(library);
    close(peer);
}

/* The probe itself must see a large request, or the checks above would prove nothing. */
static void allocation_probe_sees_requests(void)
{
    if (!alloc_probe_available())
    {
        fprintf(stderr, "note: allocation probe unavailable on this libc\n");
        return;
    }
    alloc_probe_begin();
    void* volatile block = malloc(SVIPC_MAX_PAYLOAD + 1u);
    size_t largest = alloc_probe_end();
    free(block);
    CHECK(largest == SVIPC_MAX_PAYLOAD + 1u);
}

int main(int argc, char** argv)
{
    static const hostile_case cases[] = {
        {"allocation_probe_sees_requests", allocation_probe_sees_requests},
        {"prefix_65537_refused", prefix_65537_refused},
        {"prefix_65537_refused_borrowed", prefix_65537_refused_borrowed},
        {"prefix_ffffffff_refused", prefix_ffffffff_refused},
        {"prefix_ffffffff_refused_borrowed", prefix_ffffffff_refused_borrowed},
        {"prefix_split_refused", prefix_split_refused},
        {"recv_fd_leaves_oversize_frame", recv_fd_leaves_oversize_frame},
        {"oversize_send_writes_nothing", oversize_send_writes_nothing},
    };
    return hostile_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
