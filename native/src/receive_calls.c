/*
 * The public receive calls, the top of the receive path: arguments and the
 * socket's state (desynchronized, shut down) are checked here once, then the
 * parser (frame_parser.h) runs, then the buffer is settled for an idle
 * connection and errno is kept for svipc_last_receive_errno. Below this, calls
 * only go down: parser, receive buffer, stream read, readiness.
 */
#include "frame_parser.h"

#include <errno.h>
#include <string.h>

static svipc_status check_receive_state(const svipc_socket* socket)
{
    if (socket->receive_desynchronized)
    {
        return SVIPC_DESYNCHRONIZED;
    }
    return svipc_is_shut_down(socket) ? SVIPC_SHUT_DOWN : SVIPC_OK;
}

static svipc_status recv_frame_unrecorded(svipc_socket* socket, uint8_t* buffer, uint32_t capacity, uint32_t* length)
{
    if (socket == NULL || socket->is_listener || length == NULL || (buffer == NULL && capacity > 0))
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    svipc_status status = check_receive_state(socket);
    if (status != SVIPC_OK)
    {
        return status;
    }
    uint32_t received = 0;
    const uint8_t* payload = NULL;
    status = svipc_parse_frame(socket, capacity, &payload, &received);
    if (status == SVIPC_OK && received > 0)
    {
        memcpy(buffer, payload, received);
    }
    if (status == SVIPC_OK || status == SVIPC_BUFFER_TOO_SMALL)
    {
        *length = received;
    }
    /* Copied out: nothing is lent. */
    svipc_end_receive_call(socket, false);
    return status;
}

static svipc_status recv_frame_borrowed_unrecorded(svipc_socket* socket, const uint8_t** payload, uint32_t* length)
{
    if (socket == NULL || socket->is_listener || payload == NULL || length == NULL)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    svipc_status status = check_receive_state(socket);
    if (status != SVIPC_OK)
    {
        return status;
    }
    uint32_t received = 0;
    const uint8_t* lent = NULL;
    status = svipc_parse_frame(socket, SVIPC_MAX_PAYLOAD, &lent, &received);
    if (status == SVIPC_OK)
    {
        *payload = lent;
        *length = received;
    }
    svipc_end_receive_call(socket, status == SVIPC_OK);
    return status;
}

static svipc_status recv_fd_unrecorded(svipc_socket* socket, int32_t* fd)
{
    if (socket == NULL || socket->is_listener || fd == NULL)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    if (socket->receive_desynchronized)
    {
        return SVIPC_DESYNCHRONIZED;
    }
    if (socket->pending_fd == SVIPC_NO_DESCRIPTOR_VALUE && svipc_is_shut_down(socket))
    {
        /* A descriptor kept from before the shutdown is still handed out. */
        return SVIPC_SHUT_DOWN;
    }
    svipc_status status = svipc_parse_descriptor(socket, fd);
    svipc_end_receive_call(socket, false);
    return status;
}

svipc_status svipc_recv_frame(svipc_socket* socket, void* buffer, uint32_t capacity, uint32_t* length)
{
    errno = 0;
    return svipc_record_receive_errno(socket, recv_frame_unrecorded(socket, buffer, capacity, length));
}

svipc_status svipc_recv_frame_borrowed(svipc_socket* socket, const uint8_t** payload, uint32_t* length)
{
    errno = 0;
    return svipc_record_receive_errno(socket, recv_frame_borrowed_unrecorded(socket, payload, length));
}

svipc_status svipc_recv_fd(svipc_socket* socket, int32_t* fd)
{
    errno = 0;
    return svipc_record_receive_errno(socket, recv_fd_unrecorded(socket, fd));
}
