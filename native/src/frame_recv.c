/*
 * Frame reception from the receive buffer (receive_buffer.c): a frame is handed
 * out once its prefix and payload are buffered; a read happens only when they
 * are not. A frame that arrived whole costs one recvmsg; on macOS, which does
 * not read ahead, two (prefix, then exactly the payload).
 */
#include "svipc_internal.h"

#include <errno.h>
#include <string.h>

static uint32_t read_length_prefix(const uint8_t* prefix)
{
    return ((uint32_t)prefix[0] << 24) | ((uint32_t)prefix[1] << 16) | ((uint32_t)prefix[2] << 8) | (uint32_t)prefix[3];
}

static svipc_status keep_carrier(svipc_socket* socket)
{
    if (socket->pending_fd != SVIPC_NO_DESCRIPTOR_VALUE)
    {
        /* Only one descriptor may wait for svipc_recv_fd; a second one means the peer is not following the flow. */
        return svipc_fail_receive(socket, SVIPC_PROTOCOL_VIOLATION);
    }
    return svipc_take_arrived_carrier(socket, &socket->pending_fd);
}

/*
 * On SVIPC_OK the frame at buffered_start is complete: its payload starts at *payload. SVIPC_BUFFER_TOO_SMALL
 * leaves it where it is, with *length set to its payload size.
 */
static svipc_status receive_frame(svipc_socket* socket, uint32_t capacity, const uint8_t** payload, uint32_t* length)
{
    svipc_call_clock clock = svipc_start_call_clock(socket, SO_RCVTIMEO);
    svipc_status status = svipc_prepare_receive(socket);
    if (status != SVIPC_OK)
    {
        return status;
    }
    for (;;)
    {
        const uint8_t* frame = socket->receive_buffer + socket->buffered_start;
        uint32_t buffered = socket->buffered_end - socket->buffered_start;
        uint32_t needed_total = SVIPC_FRAME_HEADER_SIZE;
        if (buffered >= SVIPC_FRAME_HEADER_SIZE)
        {
            uint32_t payload_length = read_length_prefix(frame);
            if (payload_length > SVIPC_MAX_PAYLOAD)
            {
                /* The payload is neither read nor skipped, so the position of the next frame is unknown. */
                socket->receive_desynchronized = true;
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
                *payload = frame + SVIPC_FRAME_HEADER_SIZE;
                *length = payload_length;
                socket->buffered_start += needed_total;
                return SVIPC_OK;
            }
        }
        if (socket->arrived_descriptors != SVIPC_NO_DESCRIPTORS_ARRIVED)
        {
            if (buffered > 0)
            {
                /* Descriptors came with a byte inside this frame. */
                return svipc_fail_receive(socket, SVIPC_PROTOCOL_VIOLATION);
            }
            status = keep_carrier(socket);
            if (status != SVIPC_OK)
            {
                return status;
            }
            continue;
        }
        bool end_of_stream = false;
        status = svipc_fill_receive_buffer(socket, needed_total, &clock, &end_of_stream);
        if (status != SVIPC_OK)
        {
            return status;
        }
        if (end_of_stream)
        {
            return buffered == 0 ? SVIPC_CLOSED : SVIPC_TRUNCATED;
        }
    }
}

static svipc_status recv_frame_unrecorded(svipc_socket* socket, uint8_t* buffer, uint32_t capacity, uint32_t* length)
{
    if (socket == NULL || socket->is_listener || length == NULL || (buffer == NULL && capacity > 0))
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    uint32_t received = 0;
    const uint8_t* payload = NULL;
    svipc_status status = receive_frame(socket, capacity, &payload, &received);
    if (status == SVIPC_OK && received > 0)
    {
        memcpy(buffer, payload, received);
    }
    if (status == SVIPC_OK || status == SVIPC_BUFFER_TOO_SMALL)
    {
        *length = received;
    }
    return status;
}

static svipc_status recv_frame_borrowed_unrecorded(svipc_socket* socket, const uint8_t** payload, uint32_t* length)
{
    if (socket == NULL || socket->is_listener || payload == NULL || length == NULL)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    uint32_t received = 0;
    const uint8_t* lent = NULL;
    svipc_status status = receive_frame(socket, SVIPC_MAX_PAYLOAD, &lent, &received);
    if (status == SVIPC_OK)
    {
        *payload = lent;
        *length = received;
    }
    return status;
}

svipc_status svipc_recv_frame(svipc_socket* socket, uint8_t* buffer, uint32_t capacity, uint32_t* length)
{
    errno = 0;
    return svipc_record_receive_errno(socket, recv_frame_unrecorded(socket, buffer, capacity, length));
}

svipc_status svipc_recv_frame_borrowed(svipc_socket* socket, const uint8_t** payload, uint32_t* length)
{
    errno = 0;
    return svipc_record_receive_errno(socket, recv_frame_borrowed_unrecorded(socket, payload, length));
}
