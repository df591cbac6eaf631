/*
 * Layer 3 (receive_buffer.h): the receive buffer. On Linux a read takes all that
 * is queued, up to the room left, so a frame that arrived whole costs one recvmsg
 * and frames that arrived together cost one between them. Descriptors are pinned
 * to the last byte of the read that brought them (see SVIPC_READS_AHEAD): that
 * byte must be a zero carrier, alone with one descriptor, and the frame parser
 * must reach it at a frame boundary. Which earlier bytes of the same read came in
 * the same kernel segment is not reported, so a peer may glue its carrier to the
 * frames before it; the receiver then sees exactly what the legal sequence "those
 * frames, then the carrier" gives, and everything else is a protocol violation.
 *
 * Memory: a read always goes into a full frame-sized buffer (so a whole frame
 * still costs one recvmsg), taken from the thread's pool (buffer_pool.h) when the
 * read starts. When a call ends, the buffer goes back if nothing is left in it,
 * and a remainder of up to SVIPC_KEPT_REMAINDER_LIMIT bytes moves to an
 * allocation of its own size; only a longer remainder keeps the whole buffer.
 * So an idle connection holds no buffer, and one a peer left in the middle of a
 * short frame holds what that peer sent.
 */
#include "receive_buffer.h"

#include "buffer_pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*
 * Longer remainders keep the frame-sized buffer. Moving one costs a copy of it, once when the call ends and once
 * when the next read starts; the limit bounds that copying for a peer that sends one byte at a time.
 */
#define SVIPC_KEPT_REMAINDER_LIMIT 4096u

static uint32_t buffered_count(const svipc_socket* socket)
{
    return socket->buffered_end - socket->buffered_start;
}

static void drop_buffer(svipc_socket* socket)
{
    if (socket->receive_capacity == SVIPC_RECEIVE_BUFFER_SIZE)
    {
        svipc_give_back_frame_buffer(socket->receive_buffer);
    }
    else
    {
        free(socket->receive_buffer);
    }
    socket->receive_buffer = NULL;
    socket->receive_capacity = 0;
    socket->buffered_start = 0;
    socket->buffered_end = 0;
}

/* A frame-sized buffer for the next read, holding what was buffered at its start. */
static svipc_status make_readable(svipc_socket* socket)
{
    if (socket->receive_capacity == SVIPC_RECEIVE_BUFFER_SIZE)
    {
        return SVIPC_OK;
    }
    uint8_t* buffer = svipc_take_frame_buffer();
    if (buffer == NULL)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    uint32_t buffered = buffered_count(socket);
    if (buffered > 0)
    {
        memcpy(buffer, socket->receive_buffer + socket->buffered_start, buffered);
    }
    free(socket->receive_buffer);
    socket->receive_buffer = buffer;
    socket->receive_capacity = SVIPC_RECEIVE_BUFFER_SIZE;
    socket->buffered_start = 0;
    socket->buffered_end = buffered;
    return SVIPC_OK;
}

static void close_kept_descriptors(svipc_socket* socket)
{
    svipc_release_unwanted_descriptor(socket->pending_fd);
    socket->pending_fd = SVIPC_NO_DESCRIPTOR_VALUE;
    svipc_release_unwanted_descriptor(socket->carrier_fd);
    socket->carrier_fd = SVIPC_NO_DESCRIPTOR_VALUE;
    socket->arrived_descriptors = SVIPC_NO_DESCRIPTORS_ARRIVED;
}

svipc_status svipc_fail_receive(svipc_socket* socket, svipc_status status)
{
    close_kept_descriptors(socket);
    socket->receive_desynchronized = true;
    return status;
}

void svipc_release_receive_state(svipc_socket* socket)
{
    close_kept_descriptors(socket);
    drop_buffer(socket);
}

void svipc_end_receive_call(svipc_socket* socket, bool lent)
{
    if (lent || socket->receive_buffer == NULL)
    {
        return;
    }
    uint32_t buffered = buffered_count(socket);
    if (buffered == 0 || socket->receive_desynchronized)
    {
        /* Nothing will be read from it again, or nothing is in it. */
        drop_buffer(socket);
        return;
    }
    if (buffered > SVIPC_KEPT_REMAINDER_LIMIT || socket->receive_capacity != SVIPC_RECEIVE_BUFFER_SIZE)
    {
        return;
    }
    uint8_t* remainder = malloc(buffered);
    if (remainder == NULL)
    {
        return; /* keeping the whole buffer is correct, only larger */
    }
    memcpy(remainder, socket->receive_buffer + socket->buffered_start, buffered);
    svipc_give_back_frame_buffer(socket->receive_buffer);
    socket->receive_buffer = remainder;
    socket->receive_capacity = buffered;
    socket->buffered_start = 0;
    socket->buffered_end = buffered;
}

const uint8_t* svipc_buffered_bytes(const svipc_socket* socket, uint32_t* count)
{
    *count = buffered_count(socket);
    return *count > 0 ? socket->receive_buffer + socket->buffered_start : NULL;
}

void svipc_consume_buffered(svipc_socket* socket, uint32_t count)
{
    socket->buffered_start += count;
}

svipc_status svipc_take_arrived_carrier(svipc_socket* socket, int* fd)
{
    if (socket->arrived_descriptors != SVIPC_CARRIER_ARRIVED)
    {
        return svipc_fail_receive(socket, SVIPC_PROTOCOL_VIOLATION);
    }
    *fd = socket->carrier_fd;
    socket->carrier_fd = SVIPC_NO_DESCRIPTOR_VALUE;
    socket->arrived_descriptors = SVIPC_NO_DESCRIPTORS_ARRIVED;
    return SVIPC_OK;
}

/* Makes room for needed_total bytes from buffered_start; returns how many bytes the next read may ask for. */
static uint32_t make_room(svipc_socket* socket, uint32_t needed_total)
{
    uint32_t buffered = buffered_count(socket);
    if (buffered == 0)
    {
        socket->buffered_start = 0;
        socket->buffered_end = 0;
    }
    else if (needed_total > SVIPC_RECEIVE_BUFFER_SIZE - socket->buffered_start)
    {
        /* Bytes handed out earlier may still be lent (svipc_recv_frame_borrowed) until this call: now they are free. */
        memmove(socket->receive_buffer, socket->receive_buffer + socket->buffered_start, buffered);
        socket->buffered_start = 0;
        socket->buffered_end = buffered;
    }
#if SVIPC_READS_AHEAD
    return SVIPC_RECEIVE_BUFFER_SIZE - socket->buffered_end;
#else
    /* At a boundary one byte, so that a carrier is its read's only byte; then exactly what the frame lacks. */
    return buffered == 0 ? 1u : needed_total - buffered;
#endif
}

static void pin_descriptors_to_last_byte(svipc_socket* socket, svipc_arrival* arrival)
{
    uint32_t last = socket->buffered_end - 1;
    bool is_carrier = arrival->fd_count == 1 && !arrival->control_truncated && socket->receive_buffer[last] == 0;
    if (is_carrier)
    {
        socket->carrier_fd = arrival->fds[0];
        arrival->fd_count = 0;
        socket->arrived_descriptors = SVIPC_CARRIER_ARRIVED;
    }
    else
    {
        /* Nothing may come of them; the violation is reported when the frames before them are handed out. */
        svipc_close_arrived_descriptors(arrival);
        socket->arrived_descriptors = SVIPC_BAD_DESCRIPTORS_ARRIVED;
    }
    /* The carrier byte is not part of any frame. */
    socket->buffered_end = last;
}

svipc_status svipc_fill_receive_buffer(svipc_socket* socket, uint32_t needed_total, svipc_call_clock* clock,
                                       bool* end_of_stream)
{
    *end_of_stream = false;
    svipc_status status = make_readable(socket);
    if (status != SVIPC_OK)
    {
        return status;
    }
    uint32_t wanted = make_room(socket, needed_total);
    svipc_arrival arrival;
    status = svipc_read_stream(socket, socket->receive_buffer + socket->buffered_end, wanted, &arrival, clock);
    if (status != SVIPC_OK)
    {
        return status;
    }
    if (arrival.byte_count == 0)
    {
        /* A stream cannot carry descriptors without a byte: nothing can have come with the end of it. */
        svipc_close_arrived_descriptors(&arrival);
        *end_of_stream = true;
        return SVIPC_OK;
    }
    socket->buffered_end += (uint32_t)arrival.byte_count;
    if (arrival.fd_count > 0 || arrival.control_truncated)
    {
        pin_descriptors_to_last_byte(socket, &arrival);
    }
    return SVIPC_OK;
}

int32_t svipc_has_buffered_input(const svipc_socket* socket)
{
    if (socket == NULL || socket->is_listener || socket->receive_desynchronized)
    {
        return 0;
    }
    bool has_input = buffered_count(socket) > 0 || socket->arrived_descriptors != SVIPC_NO_DESCRIPTORS_ARRIVED ||
                     socket->pending_fd != SVIPC_NO_DESCRIPTOR_VALUE;
    return has_input ? 1 : 0;
}
