/*
 * libFuzzer harness over the frame layer on arbitrary lengths.
 * Receive: the input starts with a 4-byte length prefix (any value) followed by
 * bytes that are written after it in fuzzer-chosen pieces; whatever follows the
 * first frame is parsed as further frames. The library's statuses and payloads
 * must match plain framing: length > 65,536 is SVIPC_TOO_LARGE (then
 * SVIPC_DESYNCHRONIZED), end of stream inside a frame SVIPC_TRUNCATED, at a
 * boundary SVIPC_CLOSED, a capacity below the length SVIPC_BUFFER_TOO_SMALL.
 * Send: svipc_send_frame with the same arbitrary length either refuses it
 * (> 65,536, nothing written) or writes exactly prefix + payload.
 */
#define _GNU_SOURCE
#include "fuzz_script.h"
#include "supervisor_ipc.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

enum
{
    MAX_WRITTEN = 4 * SVIPC_MAX_PAYLOAD,
};

static uint8_t written[MAX_WRITTEN];
static uint8_t buffer[SVIPC_MAX_PAYLOAD];
static uint8_t echo[SVIPC_FRAME_HEADER_SIZE + SVIPC_MAX_PAYLOAD];

static uint32_t read_prefix(const uint8_t* p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void check_receive(const uint8_t* data, size_t size, uint8_t piece_seed, uint32_t capacity_pick)
{
    int ends[2];
    FUZZ_CHECK(svipc_test_socketpair(AF_UNIX, SOCK_STREAM, ends) == 0, "socketpair");
    int big = 8 * MAX_WRITTEN;
    svipc_test_grow_send_buffer(ends[1], big);
    svipc_socket* library = NULL;
    FUZZ_CHECK(svipc_from_fd(ends[0], &library) == SVIPC_OK, "svipc_from_fd");

    /* The stream: the input itself, possibly extended by a generated payload so that
     * large prefixes can be satisfied without large inputs. */
    size_t length = size < MAX_WRITTEN ? size : MAX_WRITTEN;
    memcpy(written, data, length);
    if ((piece_seed & 0x80) && length >= SVIPC_FRAME_HEADER_SIZE)
    {
        uint32_t claimed = read_prefix(written);
        size_t wanted = SVIPC_FRAME_HEADER_SIZE + (size_t)(claimed % (SVIPC_MAX_PAYLOAD + 2u));
        for (; length < wanted && length < MAX_WRITTEN; length++)
            written[length] = (uint8_t)(length * 7u);
    }
    size_t piece = 1 + piece_seed % 64;
    if (piece < length / 256 + 1)
        piece = length / 256 + 1; /* bounded number of writes, so the socket buffer holds them all */
    for (size_t offset = 0; offset < length; offset += piece)
    {
        size_t n = length - offset < piece ? length - offset : piece;
        ssize_t sent = send(ends[1], written + offset, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent != (ssize_t)n)
        {
            /* Buffer full (no privilege to enlarge it): the stream simply ends here. */
            FUZZ_CHECK(sent >= 0 || errno == EAGAIN, "send failed: errno %d", errno);
            length = offset + (sent > 0 ? (size_t)sent : 0);
            break;
        }
    }
    shutdown(ends[1], SHUT_WR);

    size_t position = 0;
    int desynchronized = 0;
    for (int frame = 0; frame < 64; frame++)
    {
        uint32_t capacity = (frame == 0 && (capacity_pick & 1)) ? capacity_pick % (SVIPC_MAX_PAYLOAD + 1u)
                                                                : SVIPC_MAX_PAYLOAD;
        uint32_t got = 0;
        const uint8_t* payload = buffer;
        svipc_status status;
        if (frame % 2 == 1)
        {
            capacity = SVIPC_MAX_PAYLOAD;
            status = svipc_recv_frame_borrowed(library, &payload, &got);
        }
        else
        {
            status = svipc_recv_frame(library, buffer, capacity, &got);
        }
        svipc_status expected;
        size_t remaining = length - position;
        if (desynchronized)
            expected = SVIPC_DESYNCHRONIZED;
        else if (remaining == 0)
            expected = SVIPC_CLOSED;
        else if (remaining < SVIPC_FRAME_HEADER_SIZE)
            expected = SVIPC_TRUNCATED;
        else if (read_prefix(written + position) > SVIPC_MAX_PAYLOAD)
            expected = SVIPC_TOO_LARGE;
        else if (read_prefix(written + position) > capacity)
            expected = SVIPC_BUFFER_TOO_SMALL;
        else if (remaining - SVIPC_FRAME_HEADER_SIZE < read_prefix(written + position))
            expected = SVIPC_TRUNCATED;
        else
            expected = SVIPC_OK;
        FUZZ_CHECK(status == expected, "frame %d at %zu: library %d, expected %d", frame, position, (int)status,
                   (int)expected);
        if (status == SVIPC_OK || status == SVIPC_BUFFER_TOO_SMALL)
            FUZZ_CHECK(got == read_prefix(written + position), "length %u", got);
        if (status == SVIPC_OK)
        {
            FUZZ_CHECK(got == 0 || memcmp(payload, written + position + SVIPC_FRAME_HEADER_SIZE, got) == 0, "payload");
            position += SVIPC_FRAME_HEADER_SIZE + got;
        }
        if (status == SVIPC_TOO_LARGE)
            desynchronized = 1;
        if (status == SVIPC_CLOSED || status == SVIPC_TRUNCATED || (desynchronized && status == SVIPC_DESYNCHRONIZED))
            break;
    }
    svipc_close(library);
    close(ends[1]);
}

static void check_send(const uint8_t* data, size_t size, uint32_t length)
{
    int ends[2];
    FUZZ_CHECK(svipc_test_socketpair(AF_UNIX, SOCK_STREAM, ends) == 0, "socketpair");
    svipc_socket* library = NULL;
    FUZZ_CHECK(svipc_from_fd(ends[0], &library) == SVIPC_OK, "svipc_from_fd");
    /* A refused length needs no payload: the library must not look past the length anyway. */
    uint32_t fill = length > SVIPC_MAX_PAYLOAD ? 16u : length;
    for (uint32_t i = 0; i < fill; i++)
        buffer[i] = size > 0 ? data[i % size] : (uint8_t)i;
    svipc_status status = svipc_send_frame(library, buffer, length);
    int unread = -1;
    FUZZ_CHECK(ioctl(ends[1], FIONREAD, &unread) == 0, "FIONREAD");
    if (length > SVIPC_MAX_PAYLOAD)
    {
        FUZZ_CHECK(status == SVIPC_TOO_LARGE && unread == 0, "oversize send: status %d, %d bytes written",
                   (int)status, unread);
    }
    else
    {
        FUZZ_CHECK(status == SVIPC_OK, "send of %u bytes: %d", length, (int)status);
        size_t total = SVIPC_FRAME_HEADER_SIZE + (size_t)length;
        FUZZ_CHECK((size_t)unread == total, "%d bytes queued for a %zu-byte frame", unread, total);
        FUZZ_CHECK(recv(ends[1], echo, total, MSG_WAITALL) == (ssize_t)total, "recv");
        FUZZ_CHECK(read_prefix(echo) == length, "prefix");
        FUZZ_CHECK(memcmp(echo + SVIPC_FRAME_HEADER_SIZE, buffer, length) == 0, "payload");
    }
    svipc_close(library);
    close(ends[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    (void)fuzz_descriptor_floor();
    if (size == 0)
    {
        check_receive(data, 0, 0, 0);
        return 0;
    }
    /* The last two bytes steer the write pieces and the first capacity; the rest is the stream. */
    uint8_t piece_seed = size >= 2 ? data[size - 1] : 0;
    uint32_t capacity_pick = size >= 3 ? ((uint32_t)data[size - 2] << 9) | 1u : 0;
    size_t stream_size = size >= 3 ? size - 2 : size;
    check_receive(data, stream_size, piece_seed, capacity_pick);
    if (stream_size >= SVIPC_FRAME_HEADER_SIZE)
        check_send(data + SVIPC_FRAME_HEADER_SIZE, stream_size - SVIPC_FRAME_HEADER_SIZE, read_prefix(data));
    fuzz_check_no_leak(8);
    return 0;
}
