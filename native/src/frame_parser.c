/*
 * Layer 4 (frame_parser.h): frames and descriptors from the receive buffer
 * (receive_buffer.h): a frame is handed out once its prefix and payload are
 * buffered; a read happens only when they are not. A frame that arrived whole
 * costs one recvmsg; on macOS, which does not read ahead, two (prefix, then
 * exactly the payload). The socket's state was checked by the caller.
 */
#include "frame_parser.h"

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

svipc_status svipc_parse_frame(svipc_socket* socket, uint32_t capacity, const uint8_t** payload, uint32_t* length)
{
    svipc_call_clock clock = svipc_start_call_clock(socket, SO_RCVTIMEO);
    for (;;)
    {
        uint32_t buffered = 0;
        const uint8_t* frame = svipc_buffered_bytes(socket, &buffered);
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
                svipc_consume_buffered(socket, needed_total);
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
            svipc_status status = keep_carrier(socket);
            if (status != SVIPC_OK)
            {
                return status;
            }
            continue;
        }
        bool end_of_stream = false;
        svipc_status status = svipc_fill_receive_buffer(socket, needed_total, &clock, &end_of_stream);
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

svipc_status svipc_parse_descriptor(svipc_socket* socket, int32_t* fd)
{
    if (socket->pending_fd != SVIPC_NO_DESCRIPTOR_VALUE)
    {
        *fd = socket->pending_fd;
        socket->pending_fd = SVIPC_NO_DESCRIPTOR_VALUE;
        return SVIPC_OK;
    }
    svipc_call_clock clock = svipc_start_call_clock(socket, SO_RCVTIMEO);
    for (;;)
    {
        uint32_t buffered = 0;
        (void)svipc_buffered_bytes(socket, &buffered);
        if (buffered > 0)
        {
            /* Frame data comes first; it stays buffered for the next frame receive. */
            return SVIPC_NO_DESCRIPTOR;
        }
        if (socket->arrived_descriptors != SVIPC_NO_DESCRIPTORS_ARRIVED)
        {
            int received = SVIPC_NO_DESCRIPTOR_VALUE;
            svipc_status status = svipc_take_arrived_carrier(socket, &received);
            if (status == SVIPC_OK)
            {
                *fd = received;
                socket->frame_expected = true;
            }
            return status;
        }
        bool end_of_stream = false;
        svipc_status status = svipc_fill_receive_buffer(socket, SVIPC_FRAME_HEADER_SIZE, &clock, &end_of_stream);
        if (status != SVIPC_OK)
        {
            return status;
        }
        if (end_of_stream)
        {
            return SVIPC_CLOSED;
        }
    }
}
