/*
 * A peer that never reads: 10,000 frames are offered with a send timeout. The
 * sender must hit SVIPC_TIMEOUT once the kernel buffer is full (the library
 * never queues frames of its own), and every frame that did go out must arrive
 * whole when the peer finally reads.
 */
#define _GNU_SOURCE
#include "alloc_probe.h"
#include "hostile.h"

#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum
{
    FLOOD_FRAMES = 10000,
    SEND_TIMEOUT_MS = 100,
};

static void build_request(char* out, size_t capacity, int index)
{
    int written = snprintf(out, capacity,
                           "{\"Request\":{\"request_id\":\"flood-%05d\",\"path\":\"/tmp/f\",\"access\":\"Read\","
                           "\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}}",
                           index);
    CHECK(written > 0 && (size_t)written < capacity);
}

static void flood_without_reading(void)
{
    int baseline = hostile_count_fds();
    svipc_socket* sender;
    int peer;
    hostile_raw_pair(&sender, &peer);
    CHECK_STATUS(svipc_set_send_timeout(sender, SEND_TIMEOUT_MS), SVIPC_OK);
    char request[256];
    int sent = 0;
    svipc_status status = SVIPC_OK;
    alloc_probe_begin();
    for (; sent < FLOOD_FRAMES; sent++)
    {
        build_request(request, sizeof(request), sent);
        status = svipc_send_frame(sender, (const uint8_t*)request, (uint32_t)strlen(request));
        if (status != SVIPC_OK)
            break;
    }
    size_t largest = alloc_probe_end();
    CHECK_STATUS(status, SVIPC_TIMEOUT);
    CHECK(sent > 0 && sent < FLOOD_FRAMES);
    if (alloc_probe_available() && largest > 4096)
        HOSTILE_FAIL("sending small frames allocated %zu bytes at once", largest);
    /* The next attempt also times out (nothing was read), it does not grow anything. */
    build_request(request, sizeof(request), sent);
    svipc_status again = svipc_send_frame(sender, (const uint8_t*)request, (uint32_t)strlen(request));
    CHECK(again == SVIPC_TIMEOUT || again == SVIPC_DESYNCHRONIZED);
    svipc_close(sender);

    /* Everything that was accepted for sending arrives whole and in order. */
    svipc_socket* reader;
    CHECK_STATUS(svipc_from_fd(peer, &reader), SVIPC_OK);
    uint8_t buffer[256];
    for (int i = 0; i < sent; i++)
    {
        uint32_t length = 0;
        CHECK_STATUS(svipc_recv_frame(reader, buffer, sizeof(buffer), &length), SVIPC_OK);
        build_request(request, sizeof(request), i);
        if (length != strlen(request) || memcmp(buffer, request, length) != 0)
            HOSTILE_FAIL("frame %d of %d arrived altered", i, sent);
    }
    uint32_t length = 0;
    svipc_status end = svipc_recv_frame(reader, buffer, sizeof(buffer), &length);
    /* A timed-out send may have left part of one frame; never a whole extra one. */
    CHECK(end == SVIPC_CLOSED || end == SVIPC_TRUNCATED);
    svipc_close(reader);
    CHECK(hostile_count_fds() == baseline);
}

int main(int argc, char** argv)
{
    static const hostile_case cases[] = {
        {"flood_without_reading", flood_without_reading},
    };
    return hostile_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
