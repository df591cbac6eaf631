/* Frame sending: prefix and payload in one sendmsg, completed across partial writes and EINTR. */
#include "svipc_internal.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>

#if defined(MSG_NOSIGNAL)
#define SVIPC_SEND_FLAGS MSG_NOSIGNAL
#else
#define SVIPC_SEND_FLAGS 0 /* SO_NOSIGPIPE is set on every socket instead */
#endif

static svipc_status send_failure(svipc_socket* socket, int error, size_t sent)
{
    if (sent > 0)
    {
        /* The peer holds part of a frame; anything sent after it would be parsed as the rest of that frame. */
        socket->send_desynchronized = true;
    }
    if ((error == EPIPE || error == ECONNRESET) && !svipc_is_shut_down(socket))
    {
        errno = error;
        return SVIPC_CLOSED;
    }
    return svipc_status_from_errno(socket, error);
}

static svipc_status send_frame_unrecorded(svipc_socket* socket, const uint8_t* payload, uint32_t length)
{
    if (socket == NULL || socket->is_listener || (payload == NULL && length > 0))
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    if (length > SVIPC_MAX_PAYLOAD)
    {
        return SVIPC_TOO_LARGE;
    }
    if (svipc_is_shut_down(socket))
    {
        return SVIPC_SHUT_DOWN;
    }
    if (socket->send_desynchronized)
    {
        return SVIPC_DESYNCHRONIZED;
    }
    uint8_t header[SVIPC_FRAME_HEADER_SIZE] = {
        (uint8_t)(length >> 24), (uint8_t)(length >> 16), (uint8_t)(length >> 8), (uint8_t)length,
    };
    const size_t total = sizeof(header) + length;
    size_t sent = 0;
    svipc_call_clock clock = svipc_start_call_clock(socket, SO_SNDTIMEO);
    while (sent < total)
    {
        struct iovec vectors[2];
        size_t vector_count = 0;
        if (sent < sizeof(header))
        {
            vectors[vector_count].iov_base = header + sent;
            vectors[vector_count].iov_len = sizeof(header) - sent;
            vector_count++;
        }
        if (length > 0)
        {
            size_t payload_sent = sent > sizeof(header) ? sent - sizeof(header) : 0;
            /* The cast drops const only for the iovec type; sendmsg never writes through it. */
            vectors[vector_count].iov_base = (void*)(uintptr_t)(payload + payload_sent);
            vectors[vector_count].iov_len = length - payload_sent;
            vector_count++;
        }
        struct msghdr message;
        memset(&message, 0, sizeof(message));
        message.msg_iov = vectors;
        /* msg_iovlen is size_t on Linux and int on macOS. */
        message.msg_iovlen = (__typeof__(message.msg_iovlen))vector_count;

        /* After a partial write the rest waits in poll(), bounded by what is left of the send timeout. */
        const int flags = SVIPC_SEND_FLAGS | (clock.made_progress ? MSG_DONTWAIT : 0);
        ssize_t written = sendmsg(socket->fd, &message, flags);
        if (written < 0)
        {
            bool would_block = errno == EAGAIN || errno == EWOULDBLOCK;
            if (errno == EINTR || (would_block && clock.made_progress))
            {
                svipc_status status = svipc_wait_for_remaining(socket, SO_SNDTIMEO, POLLOUT, &clock);
                if (status != SVIPC_OK)
                {
                    return send_failure(socket, errno, sent);
                }
                continue;
            }
            return send_failure(socket, errno, sent);
        }
        sent += (size_t)written;
        clock.made_progress = clock.made_progress || written > 0;
    }
    return SVIPC_OK;
}

svipc_status svipc_send_frame(svipc_socket* socket, const uint8_t* payload, uint32_t length)
{
    errno = 0;
    return svipc_record_send_errno(socket, send_frame_unrecorded(socket, payload, length));
}
