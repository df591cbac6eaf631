/*
 * libFuzzer harness over the receive path. The input is a script:
 *   1. writer steps, all executed before any read: raw chunks, raw chunks with
 *      1..10 (or 64) descriptors attached, well-formed frames (payload from the
 *      input or a generated pattern up to 65,536 bytes, written whole or split),
 *      proper carriers; then end of stream by shutdown or close;
 *   2. reader steps: svipc_recv_frame with a fuzzer-chosen capacity,
 *      svipc_recv_frame_borrowed, svipc_recv_fd, in a fuzzer-chosen order,
 *      followed by a drain.
 * Built with FUZZ_INTERLEAVED (the fuzz_recv_resume harness), writer and reader
 * phases alternate before the end of stream (step 5 in a reader phase goes back
 * to writing) and the library has a 1 ms read timeout, so calls that run out of
 * bytes return SVIPC_TIMEOUT and must resume the partial frame exactly when a
 * later writer phase supplies the rest. (A separate harness, because the
 * timeouts make its inputs far slower.)
 * A reference model of the stream (the protocol's framing plus the kernel rule
 * that a read ends with the first segment that brings descriptors) predicts
 * every call's status and every frame's bytes. Also checked: a frame is never
 * longer than 65,536 bytes; received descriptors are close-on-exec; nothing
 * succeeds after SVIPC_DESYNCHRONIZED; no descriptor outlives the input.
 * A read never waits for bytes that are not yet written: either the write side
 * is already shut or the read timeout ends the call, so no input can block.
 */
#define _GNU_SOURCE
#include "fuzz_script.h"
#include "supervisor_ipc.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum
{
    MAX_CHUNKS = 512,
    MAX_STREAM = 512 * 1024,
    MAX_READER_STEPS = 256,
    INTERLEAVED_PHASES = 4,
    INTERLEAVED_READS = 4, /* with the phases, bounds the 1 ms timeouts an input can cost */
};

typedef struct chunk
{
    size_t start;
    size_t length;
    int fd_count;
} chunk;

typedef struct stream_log
{
    uint8_t* bytes;
    size_t length;
    chunk chunks[MAX_CHUNKS];
    size_t chunk_count;
    int descriptors_sent;
    int full; /* the socket buffer filled up: later steps were not written */
} stream_log;

/* What the model knows about the receiving socket. */
typedef struct model
{
    const stream_log* log;
    size_t position;         /* bytes of the stream consumed by the library */
    size_t frame_start;      /* where the current frame's prefix starts */
    uint32_t header_received;
    uint32_t payload_length; /* valid once header_received == 4 */
    int pending_fd;          /* a carrier kept for svipc_recv_fd */
    int desynchronized;
    int end_of_stream;       /* the writer has shut down or closed its end */
} model;

static uint8_t stream_bytes[MAX_STREAM];
static uint8_t receive_buffer[SVIPC_MAX_PAYLOAD];
static int null_fd = -1;

/* ---- Writer ------------------------------------------------------------------------------ */

static void log_write(stream_log* log, int writer, const uint8_t* data, size_t length, int fd_count)
{
    if (log->full || length == 0 || log->chunk_count == MAX_CHUNKS || log->length + length > MAX_STREAM)
    {
        log->full = 1;
        return;
    }
    int fds[64];
    for (int i = 0; i < fd_count; i++)
    {
        fds[i] = fcntl(null_fd, F_DUPFD_CLOEXEC, 0);
        FUZZ_CHECK(fds[i] >= 0, "dup failed: %d", errno);
    }
    struct iovec vector = {.iov_base = (void*)data, .iov_len = length};
    union
    {
        struct cmsghdr align;
        uint8_t bytes[CMSG_SPACE(sizeof(int) * 64)];
    } control;
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    if (fd_count > 0)
    {
        memset(&control, 0, sizeof(control));
        message.msg_control = control.bytes;
        message.msg_controllen = (socklen_t)CMSG_SPACE(sizeof(int) * (size_t)fd_count); /* socklen_t on musl */
        struct cmsghdr* header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = (socklen_t)CMSG_LEN(sizeof(int) * (size_t)fd_count);
        memcpy(CMSG_DATA(header), fds, sizeof(int) * (size_t)fd_count);
    }
    ssize_t sent = sendmsg(writer, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    for (int i = 0; i < fd_count; i++)
        close(fds[i]);
    if (sent <= 0)
    {
        log->full = 1;
        return;
    }
    chunk* entry = &log->chunks[log->chunk_count++];
    entry->start = log->length;
    entry->length = (size_t)sent;
    entry->fd_count = fd_count;
    memcpy(log->bytes + log->length, data, (size_t)sent);
    log->length += (size_t)sent;
    log->descriptors_sent += fd_count;
    if ((size_t)sent < length)
        log->full = 1;
}

static void write_frame(stream_log* log, int writer, fuzz_cursor* in, const uint8_t* payload, uint32_t length)
{
    static uint8_t frame[SVIPC_FRAME_HEADER_SIZE + SVIPC_MAX_PAYLOAD];
    frame[0] = (uint8_t)(length >> 24);
    frame[1] = (uint8_t)(length >> 16);
    frame[2] = (uint8_t)(length >> 8);
    frame[3] = (uint8_t)length;
    memcpy(frame + SVIPC_FRAME_HEADER_SIZE, payload, length);
    size_t total = SVIPC_FRAME_HEADER_SIZE + (size_t)length;
    /* 0: one write; otherwise pieces of that many bytes (1 = the dribbling peer). */
    size_t piece = fuzz_byte(in) % 8;
    if (piece == 0)
        piece = total;
    for (size_t offset = 0; offset < total && !log->full; offset += piece)
        log_write(log, writer, frame + offset, total - offset < piece ? total - offset : piece, 0);
}

static int choose_fd_count(fuzz_cursor* in)
{
    uint8_t pick = fuzz_byte(in);
    return pick == 0xFF ? 64 : 1 + pick % 10;
}

static void run_writer(fuzz_cursor* in, stream_log* log, int writer)
{
    static uint8_t payload[SVIPC_MAX_PAYLOAD];
    while (!fuzz_at_end(in) && !log->full)
    {
        uint8_t step = fuzz_byte(in);
        switch (step % 6)
        {
            case 0:
            case 1:
            {
                size_t length = 1 + fuzz_byte(in) % 16;
                uint8_t raw[16];
                fuzz_bytes(in, raw, length);
                log_write(log, writer, raw, length, step % 6 == 1 ? choose_fd_count(in) : 0);
                break;
            }
            case 2:
            {
                uint32_t length = fuzz_byte(in);
                fuzz_bytes(in, payload, length);
                write_frame(log, writer, in, payload, length);
                break;
            }
            case 3:
            {
                /* Large frames without large inputs: a generated pattern, mostly small (cheap
                 * inputs keep the fuzzer fast), the top values right at the limit. */
                uint8_t size_pick = fuzz_byte(in);
                uint32_t length = size_pick < 0xF8 ? size_pick * 8u : SVIPC_MAX_PAYLOAD - (0xFFu - size_pick) * 3u;
                uint8_t seed = fuzz_byte(in);
                for (uint32_t i = 0; i < length; i++)
                    payload[i] = (uint8_t)(seed + i * 13u);
                write_frame(log, writer, in, payload, length);
                break;
            }
            case 4:
            {
                uint8_t zero = 0;
                log_write(log, writer, &zero, 1, 1);
                break;
            }
            default:
                return; /* end of the writer part */
        }
    }
}

/* ---- Model ------------------------------------------------------------------------------- */

/* The chunk that starts exactly at offset, or NULL. */
static const chunk* chunk_starting_at(const stream_log* log, size_t offset)
{
    for (size_t i = 0; i < log->chunk_count; i++)
    {
        if (log->chunks[i].start == offset)
            return &log->chunks[i];
        if (log->chunks[i].start > offset)
            break;
    }
    return NULL;
}

/* The first chunk with descriptors that starts in [from, to), or NULL. */
static const chunk* descriptors_between(const stream_log* log, size_t from, size_t to)
{
    for (size_t i = 0; i < log->chunk_count; i++)
    {
        const chunk* c = &log->chunks[i];
        if (c->start >= to)
            break;
        if (c->start >= from && c->fd_count > 0)
            return c;
    }
    return NULL;
}

static int is_valid_carrier(const model* m, const chunk* c)
{
    return c->length == 1 && m->log->bytes[c->start] == 0 && c->fd_count == 1;
}

static svipc_status model_fail(model* m, svipc_status status)
{
    m->desynchronized = 1;
    m->pending_fd = 0;
    return status;
}

/* Reads prefix bytes as the library does: at a boundary up to 4 at once (a carrier there is
 * kept), then what the prefix lacks. Returns SVIPC_OK once the prefix is complete. */
static svipc_status model_header(model* m)
{
    const stream_log* log = m->log;
    while (m->header_received < SVIPC_FRAME_HEADER_SIZE)
    {
        size_t available = log->length - m->position;
        if (available == 0 && !m->end_of_stream)
            return SVIPC_TIMEOUT;
        if (available == 0)
            return m->header_received == 0 ? SVIPC_CLOSED : SVIPC_TRUNCATED;
        if (m->header_received == 0)
        {
            const chunk* here = chunk_starting_at(log, m->position);
            if (here != NULL && here->fd_count > 0)
            {
                if (!is_valid_carrier(m, here))
                    return model_fail(m, SVIPC_PROTOCOL_VIOLATION);
                if (m->pending_fd)
                    return model_fail(m, SVIPC_PROTOCOL_VIOLATION);
                m->pending_fd = 1;
                m->position += 1;
                continue;
            }
            m->frame_start = m->position;
        }
        size_t wanted = SVIPC_FRAME_HEADER_SIZE - m->header_received;
        size_t take = wanted < available ? wanted : available;
        if (descriptors_between(log, m->position, m->position + take) != NULL)
            return model_fail(m, SVIPC_PROTOCOL_VIOLATION);
        m->position += take;
        m->header_received += (uint32_t)take;
    }
    const uint8_t* prefix = log->bytes + m->frame_start;
    uint32_t length = ((uint32_t)prefix[0] << 24) | ((uint32_t)prefix[1] << 16) | ((uint32_t)prefix[2] << 8) | prefix[3];
    if (length > SVIPC_MAX_PAYLOAD)
    {
        m->desynchronized = 1;
        return SVIPC_TOO_LARGE;
    }
    m->payload_length = length;
    return SVIPC_OK;
}

/* The status a frame receive with this capacity must return; on OK, *payload and *length. */
static svipc_status model_recv_frame(model* m, uint32_t capacity, const uint8_t** payload, uint32_t* length)
{
    if (m->desynchronized)
        return SVIPC_DESYNCHRONIZED;
    svipc_status status = model_header(m);
    if (status != SVIPC_OK)
        return status;
    if (m->payload_length > capacity)
    {
        *length = m->payload_length;
        return SVIPC_BUFFER_TOO_SMALL;
    }
    size_t payload_start = m->frame_start + SVIPC_FRAME_HEADER_SIZE;
    size_t payload_end = payload_start + m->payload_length;
    size_t readable_end = payload_end < m->log->length ? payload_end : m->log->length;
    if (descriptors_between(m->log, m->position, readable_end) != NULL)
        return model_fail(m, SVIPC_PROTOCOL_VIOLATION);
    m->position = readable_end;
    if (readable_end < payload_end)
        return m->end_of_stream ? SVIPC_TRUNCATED : SVIPC_TIMEOUT;
    *payload = m->log->bytes + payload_start;
    *length = m->payload_length;
    m->header_received = 0;
    m->payload_length = 0;
    return SVIPC_OK;
}

static svipc_status model_recv_fd(model* m)
{
    if (m->desynchronized)
        return SVIPC_DESYNCHRONIZED;
    if (m->pending_fd)
    {
        m->pending_fd = 0;
        return SVIPC_OK;
    }
    if (m->header_received > 0)
        return SVIPC_NO_DESCRIPTOR;
    const stream_log* log = m->log;
    size_t available = log->length - m->position;
    if (available == 0)
        return m->end_of_stream ? SVIPC_CLOSED : SVIPC_TIMEOUT;
    const chunk* here = chunk_starting_at(log, m->position);
    if (here != NULL && here->fd_count > 0)
    {
        if (!is_valid_carrier(m, here))
            return model_fail(m, SVIPC_PROTOCOL_VIOLATION);
        m->position += 1;
        return SVIPC_OK;
    }
    /* Frame data: up to a whole prefix is read and kept as the start of that frame. */
    size_t take = available < SVIPC_FRAME_HEADER_SIZE ? available : SVIPC_FRAME_HEADER_SIZE;
    if (descriptors_between(log, m->position, m->position + take) != NULL)
        return model_fail(m, SVIPC_PROTOCOL_VIOLATION);
    m->frame_start = m->position;
    m->position += take;
    m->header_received = (uint32_t)take;
    return SVIPC_NO_DESCRIPTOR;
}

/* ---- Reader ------------------------------------------------------------------------------ */

static const char* name_of(svipc_status status)
{
    return svipc_status_message(status);
}

static void check_status(svipc_status actual, svipc_status expected, const char* call, int step)
{
    FUZZ_CHECK(actual == expected, "step %d %s: library %d (%s), model %d (%s)", step, call, (int)actual,
               name_of(actual), (int)expected, name_of(expected));
}

static int run_reader_step(svipc_socket* library, model* m, uint8_t step, uint8_t argument, int index,
                           int* saw_desync)
{
    const uint8_t* expected_payload = NULL;
    uint32_t expected_length = 0;
    svipc_status actual;
    svipc_status expected;
    switch (step % 5)
    {
        case 0:
        case 1:
        case 4:
        {
            uint32_t capacity = step % 5 == 0 ? SVIPC_MAX_PAYLOAD : step % 5 == 1 ? argument : 0;
            uint32_t length = 0xDEADBEEF;
            actual = svipc_recv_frame(library, receive_buffer, capacity, &length);
            expected = model_recv_frame(m, capacity, &expected_payload, &expected_length);
            check_status(actual, expected, "svipc_recv_frame", index);
            if (actual == SVIPC_OK)
            {
                FUZZ_CHECK(length <= SVIPC_MAX_PAYLOAD && length <= capacity, "length %u", length);
                FUZZ_CHECK(length == expected_length, "length %u, model %u", length, expected_length);
                FUZZ_CHECK(length == 0 || memcmp(receive_buffer, expected_payload, length) == 0, "payload differs");
            }
            else if (actual == SVIPC_BUFFER_TOO_SMALL)
            {
                FUZZ_CHECK(length == expected_length, "needed %u, model %u", length, expected_length);
            }
            break;
        }
        case 2:
        {
            const uint8_t* payload = NULL;
            uint32_t length = 0;
            actual = svipc_recv_frame_borrowed(library, &payload, &length);
            expected = model_recv_frame(m, SVIPC_MAX_PAYLOAD, &expected_payload, &expected_length);
            check_status(actual, expected, "svipc_recv_frame_borrowed", index);
            if (actual == SVIPC_OK)
            {
                FUZZ_CHECK(length <= SVIPC_MAX_PAYLOAD && length == expected_length, "length %u, model %u", length,
                           expected_length);
                FUZZ_CHECK(length == 0 || memcmp(payload, expected_payload, length) == 0, "payload differs");
            }
            break;
        }
        default:
        {
            int32_t fd = -1;
            actual = svipc_recv_fd(library, &fd);
            expected = model_recv_fd(m);
            check_status(actual, expected, "svipc_recv_fd", index);
            if (actual == SVIPC_OK)
            {
                int flags = fcntl(fd, F_GETFD);
                FUZZ_CHECK(flags != -1 && (flags & FD_CLOEXEC) != 0, "received fd %d not close-on-exec", fd);
                close(fd);
            }
            else
            {
                FUZZ_CHECK(fd == -1, "fd written on failure");
            }
            break;
        }
    }
    FUZZ_CHECK(!*saw_desync || actual == SVIPC_DESYNCHRONIZED, "a call succeeded after DESYNCHRONIZED");
    if (actual == SVIPC_DESYNCHRONIZED)
        *saw_desync = 1;
    return actual == SVIPC_OK || actual == SVIPC_NO_DESCRIPTOR || actual == SVIPC_BUFFER_TOO_SMALL;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (null_fd < 0)
    {
        null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        FUZZ_CHECK(null_fd >= 0, "open /dev/null");
    }
    (void)fuzz_descriptor_floor();
    fuzz_cursor in = {.data = data, .size = size, .position = 0};
    uint8_t flags = fuzz_byte(&in);

    int ends[2];
    FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) == 0, "socketpair");
    int big = 8 * MAX_STREAM;
    /* As root this lifts the cap so that whole scripts fit; otherwise writes stop when full. */
    (void)setsockopt(ends[1], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big));
    svipc_socket* library = NULL;
    FUZZ_CHECK(svipc_from_fd(ends[0], &library) == SVIPC_OK, "svipc_from_fd");

    static stream_log log;
    log.bytes = stream_bytes;
    log.length = 0;
    log.chunk_count = 0;
    log.descriptors_sent = 0;
    log.full = 0;
    model m = {.log = &log};
    int saw_desync = 0;
    int index = 0;
#if defined(FUZZ_INTERLEAVED)
    {
        /* Interleaved: reads run out of bytes and time out, later writes complete the frame. */
        FUZZ_CHECK(svipc_set_read_timeout(library, 1) == SVIPC_OK, "svipc_set_read_timeout");
        for (int phase = 0; phase < INTERLEAVED_PHASES && !fuzz_at_end(&in); phase++)
        {
            run_writer(&in, &log, ends[1]);
            for (int step = 0; step < INTERLEAVED_READS && !fuzz_at_end(&in); step++)
            {
                uint8_t op = fuzz_byte(&in);
                if (op % 6 == 5)
                    break; /* back to writing */
                uint8_t argument = fuzz_byte(&in);
                run_reader_step(library, &m, op, argument, index++, &saw_desync);
            }
        }
    }
#else
    run_writer(&in, &log, ends[1]);
#endif
    if (flags & 1)
        close(ends[1]);
    else
        shutdown(ends[1], SHUT_WR);
    m.end_of_stream = 1;

    while (!fuzz_at_end(&in) && index < MAX_READER_STEPS)
    {
        uint8_t step = fuzz_byte(&in);
        uint8_t argument = fuzz_byte(&in);
        run_reader_step(library, &m, step, argument, index++, &saw_desync);
    }
    /* Drain: read until a terminal status, alternating descriptor and frame receives. */
    for (int drain = 0; drain < 64; drain++)
    {
        if (!run_reader_step(library, &m, drain % 2 ? 0 : 3, 0, index++, &saw_desync) && drain % 2 == 1)
            break;
    }

    svipc_close(library);
    if (!(flags & 1))
        close(ends[1]);
    fuzz_check_no_leak(16 + log.descriptors_sent);
    return 0;
}
