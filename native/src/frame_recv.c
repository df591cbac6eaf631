/*
 * Frame reception as a resumable state machine: prefix bytes so far, then
 * payload bytes so far. Each recvmsg asks only for what the current frame still
 * lacks, so no byte of the next frame (or a carrier behind it) is ever consumed
 * early; in the common case a frame costs exactly two recvmsg calls.
 */
#include "svipc_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void reset_frame(svipc_socket* socket)
{
    socket->header_received = 0;
    socket->payload_length = 0;
    socket->payload_received = 0;
}

void svipc_release_receive_state(svipc_socket* socket)
{
    svipc_close_preserving_errno(socket->pending_fd);
    socket->pending_fd = SVIPC_NO_DESCRIPTOR_VALUE;
    free(socket->payload_buffer);
    socket->payload_buffer = NULL;
    reset_frame(socket);
}

static svipc_status check_receivable(svipc_socket* socket)
{
    if (socket->receive_desynchronized)
    {
        return SVIPC_DESYNCHRONIZED;
    }
    if (svipc_is_shut_down(socket))
    {
        return SVIPC_SHUT_DOWN;
    }
    if (socket->payload_buffer == NULL)
    {
        socket->payload_buffer = malloc(SVIPC_MAX_PAYLOAD);
        if (socket->payload_buffer == NULL)
        {
            errno = ENOMEM;
            return SVIPC_SYSTEM_ERROR;
        }
    }
    return SVIPC_OK;
}

static svipc_status keep_carrier(svipc_socket* socket, svipc_arrival* arrival)
{
    if (socket->pending_fd != SVIPC_NO_DESCRIPTOR_VALUE)
    {
        /* Only one descriptor may wait for svipc_recv_fd; a second one means the peer is not following the flow. */
        return svipc_fail_receive(socket, arrival, SVIPC_PROTOCOL_VIOLATION);
    }
    socket->pending_fd = arrival->fds[0];
    arrival->fd_count = 0;
    return SVIPC_OK;
}

static svipc_status receive_header(svipc_socket* socket, svipc_call_clock* clock)
{
    while (socket->header_received < SVIPC_FRAME_HEADER_SIZE)
    {
        bool at_boundary = socket->header_received == 0;
        uint32_t wanted = at_boundary ? SVIPC_BOUNDARY_READ_SIZE : SVIPC_FRAME_HEADER_SIZE - socket->header_received;
        uint8_t* destination = socket->header + socket->header_received;
        svipc_arrival arrival;
        svipc_status status = svipc_receive_chunk(socket, destination, wanted, &arrival, clock);
        if (status != SVIPC_OK)
        {
            return status;
        }
        if (svipc_arrival_has_control(&arrival))
        {
            if (!svipc_is_valid_carrier(&arrival, destination, at_boundary))
            {
                return svipc_fail_receive(socket, &arrival, SVIPC_PROTOCOL_VIOLATION);
            }
            status = keep_carrier(socket, &arrival);
            if (status != SVIPC_OK)
            {
                return status;
            }
            /* The carrier byte is not part of any frame: the prefix still starts at this slot. */
            continue;
        }
        if (arrival.byte_count == 0)
        {
            return at_boundary ? SVIPC_CLOSED : SVIPC_TRUNCATED;
        }
        socket->header_received += (uint32_t)arrival.byte_count;
    }
    uint32_t length = ((uint32_t)socket->header[0] << 24) | ((uint32_t)socket->header[1] << 16) |
                      ((uint32_t)socket->header[2] << 8) | (uint32_t)socket->header[3];
    if (length > SVIPC_MAX_PAYLOAD)
    {
        /* The payload is neither read nor skipped, so the position of the next frame is unknown. */
        socket->receive_desynchronized = true;
        return SVIPC_TOO_LARGE;
    }
    socket->payload_length = length;
    return SVIPC_OK;
}

static svipc_status receive_payload(svipc_socket* socket, svipc_call_clock* clock)
{
    while (socket->payload_received < socket->payload_length)
    {
        svipc_arrival arrival;
        svipc_status status = svipc_receive_chunk(socket, socket->payload_buffer + socket->payload_received,
                                                  socket->payload_length - socket->payload_received, &arrival, clock);
        if (status != SVIPC_OK)
        {
            return status;
        }
        if (svipc_arrival_has_control(&arrival))
        {
            return svipc_fail_receive(socket, &arrival, SVIPC_PROTOCOL_VIOLATION);
        }
        if (arrival.byte_count == 0)
        {
            return SVIPC_TRUNCATED;
        }
        socket->payload_received += (uint32_t)arrival.byte_count;
    }
    return SVIPC_OK;
}

static svipc_status receive_frame(svipc_socket* socket, uint32_t capacity, uint32_t* length)
{
    svipc_call_clock clock = svipc_start_call_clock(socket, SO_RCVTIMEO);
    svipc_status status = check_receivable(socket);
    if (status == SVIPC_OK)
    {
        status = receive_header(socket, &clock);
    }
    if (status == SVIPC_OK && socket->payload_length > capacity)
    {
        *length = socket->payload_length;
        return SVIPC_BUFFER_TOO_SMALL;
    }
    if (status == SVIPC_OK)
    {
        status = receive_payload(socket, &clock);
    }
    if (status == SVIPC_OK)
    {
        *length = socket->payload_length;
        reset_frame(socket);
    }
    return status;
}

static svipc_status recv_frame_unrecorded(svipc_socket* socket, uint8_t* buffer, uint32_t capacity, uint32_t* length)
{
    if (socket == NULL || socket->is_listener || length == NULL || (buffer == NULL && capacity > 0))
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    uint32_t received = 0;
    svipc_status status = receive_frame(socket, capacity, &received);
    if (status == SVIPC_OK && received > 0)
    {
        memcpy(buffer, socket->payload_buffer, received);
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
    svipc_status status = receive_frame(socket, SVIPC_MAX_PAYLOAD, &received);
    if (status == SVIPC_OK)
    {
        *payload = socket->payload_buffer;
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
