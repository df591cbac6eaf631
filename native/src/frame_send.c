/*
 * The public send calls: a frame (prefix and payload in one sendmsg) or a
 * descriptor carrier (stream_write.h), after any output an earlier non-blocking
 * send left unsent (unsent_output.h).
 */
#include "unsent_output.h"

#include <errno.h>

/*
 * What every send does first: refuse a shut-down or desynchronized direction, start the call's clock, and finish
 * what an earlier non-blocking send left unsent. Anything but SVIPC_OK means nothing of the new frame or carrier
 * was accepted.
 */
static svipc_status begin_send(svipc_socket* socket, bool* nonblocking, svipc_call_clock* clock)
{
    if (svipc_is_shut_down(socket))
    {
        return SVIPC_SHUT_DOWN;
    }
    if (socket->send_desynchronized)
    {
        return SVIPC_DESYNCHRONIZED;
    }
    *nonblocking = svipc_in_nonblocking_mode(socket);
    *clock = svipc_start_call_clock(socket, SO_SNDTIMEO);
    return svipc_finish_unsent_output(socket, *nonblocking, clock);
}

/* accept_whole: a frame that must follow what the caller already sent (svipc_send_frame_accepted). */
static svipc_status send_frame_unrecorded(svipc_socket* socket, const uint8_t* payload, uint32_t length,
                                          bool accept_whole)
{
    if (socket == NULL || socket->is_listener || (payload == NULL && length > 0))
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    if (length > SVIPC_MAX_PAYLOAD)
    {
        return SVIPC_TOO_LARGE;
    }
    bool nonblocking;
    svipc_call_clock clock;
    svipc_status status = begin_send(socket, &nonblocking, &clock);
    if (status != SVIPC_OK)
    {
        return status;
    }
    uint8_t header[SVIPC_FRAME_HEADER_SIZE] = {
        (uint8_t)(length >> 24), (uint8_t)(length >> 16), (uint8_t)(length >> 8), (uint8_t)length,
    };
    size_t sent = 0;
    status = svipc_write_stream(socket, nonblocking, header, sizeof(header), payload, length, &sent, &clock);
    if (status == SVIPC_WOULD_BLOCK && (sent > 0 || accept_whole))
    {
        /* Accepted: the peer may hold the start of this frame, so the rest goes out with the next flush or send. */
        return svipc_keep_unsent(socket, header, sizeof(header), payload, length, sent);
    }
    if (status != SVIPC_OK && sent > 0)
    {
        /* The peer holds part of a frame; anything sent after it would be parsed as the rest of that frame. */
        socket->send_desynchronized = true;
    }
    return status;
}

svipc_status svipc_send_frame(svipc_socket* socket, const void* payload, uint32_t length)
{
    errno = 0;
    return svipc_record_send_errno(socket, send_frame_unrecorded(socket, payload, length, false));
}

svipc_status svipc_send_frame_accepted(svipc_socket* socket, const uint8_t* payload, uint32_t length)
{
    errno = 0;
    return svipc_record_send_errno(socket, send_frame_unrecorded(socket, payload, length, true));
}

static svipc_status send_fd_unrecorded(svipc_socket* socket, int32_t fd)
{
    if (socket == NULL || socket->is_listener || fd < 0)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    bool nonblocking;
    svipc_call_clock clock;
    svipc_status status = begin_send(socket, &nonblocking, &clock);
    if (status != SVIPC_OK)
    {
        return status;
    }
    return svipc_write_carrier(socket, nonblocking, fd, &clock);
}

svipc_status svipc_send_fd(svipc_socket* socket, int32_t fd)
{
    errno = 0;
    return svipc_record_send_errno(socket, send_fd_unrecorded(socket, fd));
}
