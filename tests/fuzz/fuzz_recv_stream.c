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
 * Built with FUZZ_INTERLEAVED and FUZZ_NONBLOCKING (the fuzz_recv_nonblocking harness), the same, with the
 * library in non-blocking mode instead of the read timeout: a call that runs out of bytes returns
 * SVIPC_WOULD_BLOCK at once and must resume in the same way.
 * A reference model of the stream (the protocol's framing, the library's receive
 * buffer, and the kernel rule that a read ends with the first segment that
 * brings descriptors, which are then pinned to its last byte) predicts
 * every call's status and every frame's bytes. Also checked: a frame is never
 * longer than 65,536 bytes; received descriptors are close-on-exec; nothing
 * succeeds after SVIPC_DESYNCHRONIZED; no descriptor outlives the input;
 * svipc_has_buffered_input agrees with the model after every call.
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

/* What a call that runs out of bytes before the end of stream returns. */
#if defined(FUZZ_NONBLOCKING)
#define NOTHING_YET_STATUS SVIPC_WOULD_BLOCK
#else
#define NOTHING_YET_STATUS SVIPC_TIMEOUT
#endif

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

/*
 * What the model knows about the receiving socket. Stream offsets: bytes before read_position have left the
 * kernel; [start, end) are buffered and not yet handed out; a carrier byte dropped from the buffer may sit at end
 * (then read_position == end + 1). The library's receive buffer is modelled by its indices, since where it
 * compacts decides how much a read may take.
 */
typedef enum model_mark
{
    MARK_NONE,
    MARK_CARRIER,
    MARK_BAD,
} model_mark;

typedef struct model
{
    const stream_log* log;
    size_t read_position;
    size_t start;
    size_t end;
    uint32_t start_index;    /* the buffer index of start */
    uint32_t end_index;      /* the buffer index of end */
    model_mark mark;
    int pending_fd;          /* a carrier kept for svipc_recv_fd */
    int desynchronized;
    int end_of_stream;       /* the writer has shut down or closed its end */
} model;

enum
{
    MODEL_BUFFER_SIZE = SVIPC_FRAME_HEADER_SIZE + SVIPC_MAX_PAYLOAD,
};

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

static svipc_status model_fail(model* m, svipc_status status)
{
    m->desynchronized = 1;
    m->pending_fd = 0;
    m->mark = MARK_NONE;
    return status;
}

typedef enum read_outcome
{
    READ_BYTES,
    READ_END_OF_STREAM,
    READ_NOTHING_YET, /* the library's read times out */
} read_outcome;

/*
 * One read into the receive buffer for an item that needs needed_total bytes, as the library makes room for it,
 * and as Linux ends it: at the room left, at the end of what is written, or right after the first chunk that
 * brings descriptors. Their byte is the read's last; it leaves the buffer as a carrier or a bad mark.
 */
static read_outcome model_read(model* m, uint32_t needed_total)
{
    uint32_t buffered = m->end_index - m->start_index;
    if (buffered == 0)
    {
        m->start_index = 0;
        m->end_index = 0;
    }
    else if (needed_total > MODEL_BUFFER_SIZE - m->start_index)
    {
        m->start_index = 0;
        m->end_index = buffered;
    }
    size_t room = MODEL_BUFFER_SIZE - m->end_index;
    const stream_log* log = m->log;
    size_t available = log->length - m->read_position;
    if (available == 0)
        return m->end_of_stream ? READ_END_OF_STREAM : READ_NOTHING_YET;
    size_t take = available < room ? available : room;
    const chunk* with_fds = descriptors_between(log, m->read_position, m->read_position + take);
    if (with_fds != NULL && with_fds->start + with_fds->length - m->read_position < take)
        take = with_fds->start + with_fds->length - m->read_position;
    m->read_position += take;
    m->end = m->read_position;
    m->end_index += (uint32_t)take;
    if (with_fds != NULL)
    {
        m->end -= 1;
        m->end_index -= 1;
        m->mark = with_fds->fd_count == 1 && log->bytes[m->end] == 0 ? MARK_CARRIER : MARK_BAD;
    }
    return READ_BYTES;
}

/* The parser reached the mark at a frame boundary: the carrier's descriptor is taken, a bad mark fails. */
static svipc_status model_take_mark(model* m)
{
    if (m->mark != MARK_CARRIER)
        return model_fail(m, SVIPC_PROTOCOL_VIOLATION);
    m->mark = MARK_NONE;
    m->start = m->read_position;
    m->end = m->read_position;
    return SVIPC_OK;
}

static uint32_t prefix_at(const model* m)
{
    const uint8_t* prefix = m->log->bytes + m->start;
    return ((uint32_t)prefix[0] << 24) | ((uint32_t)prefix[1] << 16) | ((uint32_t)prefix[2] << 8) | prefix[3];
}

/* The status a frame receive with this capacity must return; on OK, *payload and *length. */
static svipc_status model_recv_frame(model* m, uint32_t capacity, const uint8_t** payload, uint32_t* length)
{
    if (m->desynchronized)
        return SVIPC_DESYNCHRONIZED;
    for (;;)
    {
        size_t buffered = m->end - m->start;
        uint32_t needed_total = SVIPC_FRAME_HEADER_SIZE;
        if (buffered >= SVIPC_FRAME_HEADER_SIZE)
        {
            uint32_t payload_length = prefix_at(m);
            if (payload_length > SVIPC_MAX_PAYLOAD)
            {
                m->desynchronized = 1;
                return SVIPC_TOO_LARGE;
            }
            if (payload_length > capacity)
            {
                *length = payload_length;
                return SVIPC_BUFFER_TOO_SMALL;
            }
            needed_total += payload_length;
            if (buffered >= needed_total)
            {
                *payload = m->log->bytes + m->start + SVIPC_FRAME_HEADER_SIZE;
                *length = payload_length;
                m->start += needed_total;
                m->start_index += needed_total;
                return SVIPC_OK;
            }
        }
        if (m->mark != MARK_NONE)
        {
            if (buffered > 0)
                return model_fail(m, SVIPC_PROTOCOL_VIOLATION);
            if (m->pending_fd)
                return model_fail(m, SVIPC_PROTOCOL_VIOLATION);
            svipc_status status = model_take_mark(m);
            if (status != SVIPC_OK)
                return status;
            m->pending_fd = 1;
            continue;
        }
        read_outcome outcome = model_read(m, needed_total);
        if (outcome == READ_END_OF_STREAM)
            return buffered == 0 ? SVIPC_CLOSED : SVIPC_TRUNCATED;
        if (outcome == READ_NOTHING_YET)
            return NOTHING_YET_STATUS;
    }
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
    for (;;)
    {
        if (m->end > m->start)
            return SVIPC_NO_DESCRIPTOR;
        if (m->mark != MARK_NONE)
            return model_take_mark(m);
        read_outcome outcome = model_read(m, SVIPC_FRAME_HEADER_SIZE);
        if (outcome == READ_END_OF_STREAM)
            return SVIPC_CLOSED;
        if (outcome == READ_NOTHING_YET)
            return NOTHING_YET_STATUS;
    }
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
    int model_has_input = !m->desynchronized && (m->end > m->start || m->mark != MARK_NONE || m->pending_fd);
    FUZZ_CHECK(svipc_has_buffered_input(library) == model_has_input, "svipc_has_buffered_input %d, model %d",
               (int)svipc_has_buffered_input(library), model_has_input);
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
    FUZZ_CHECK(svipc_test_socketpair(AF_UNIX, SOCK_STREAM, ends) == 0, "socketpair");
    int big = 8 * MAX_STREAM;
    /* As root this lifts the cap so that whole scripts fit; otherwise writes stop when full. */
    svipc_test_grow_send_buffer(ends[1], big);
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
        /* Interleaved: reads run out of bytes and time out (or would block), later writes complete the frame. */
#if defined(FUZZ_NONBLOCKING)
        FUZZ_CHECK(svipc_set_nonblocking(library, 1) == SVIPC_OK, "svipc_set_nonblocking");
#else
        FUZZ_CHECK(svipc_set_read_timeout(library, 1) == SVIPC_OK, "svipc_set_read_timeout");
#endif
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
