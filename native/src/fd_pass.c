/* Descriptor passing: sending the one-byte SCM_RIGHTS carrier, and taking one from the receive buffer. */
#include "svipc_internal.h"

#include <errno.h>
#include <string.h>

static svipc_status send_fd_unrecorded(svipc_socket* socket, int32_t fd)
{
    if (socket == NULL || socket->is_listener || fd < 0)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    if (svipc_is_shut_down(socket))
    {
        return SVIPC_SHUT_DOWN;
    }
    if (socket->send_desynchronized)
    {
        return SVIPC_DESYNCHRONIZED;
    }
    const bool nonblocking = svipc_in_nonblocking_mode(socket);
    svipc_call_clock clock = svipc_start_call_clock(socket, SO_SNDTIMEO);
    svipc_status status = svipc_finish_unsent_output(socket, nonblocking, &clock);
    if (status != SVIPC_OK)
    {
        /* Nothing of this carrier was accepted. */
        return status;
    }
    return svipc_write_carrier(socket, nonblocking, fd, &clock);
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
    if (socket->pending_fd != SVIPC_NO_DESCRIPTOR_VALUE)
    {
        *fd = socket->pending_fd;
        socket->pending_fd = SVIPC_NO_DESCRIPTOR_VALUE;
        return SVIPC_OK;
    }
    svipc_call_clock clock = svipc_start_call_clock(socket, SO_RCVTIMEO);
    svipc_status status = svipc_prepare_receive(socket);
    if (status != SVIPC_OK)
    {
        return status;
    }
    for (;;)
    {
        if (socket->buffered_end > socket->buffered_start)
        {
            /* Frame data comes first; it stays buffered for the next frame receive. */
            return SVIPC_NO_DESCRIPTOR;
        }
        if (socket->arrived_descriptors != SVIPC_NO_DESCRIPTORS_ARRIVED)
        {
            int received = SVIPC_NO_DESCRIPTOR_VALUE;
            status = svipc_take_arrived_carrier(socket, &received);
            if (status == SVIPC_OK)
            {
                *fd = received;
                socket->frame_expected = true;
            }
            return status;
        }
        bool end_of_stream = false;
        status = svipc_fill_receive_buffer(socket, SVIPC_FRAME_HEADER_SIZE, &clock, &end_of_stream);
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

svipc_status svipc_send_fd(svipc_socket* socket, int32_t fd)
{
    errno = 0;
    return svipc_record_send_errno(socket, send_fd_unrecorded(socket, fd));
}

svipc_status svipc_recv_fd(svipc_socket* socket, int32_t* fd)
{
    errno = 0;
    return svipc_record_receive_errno(socket, recv_fd_unrecorded(socket, fd));
}
