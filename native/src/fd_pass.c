/* Descriptor passing: the one-byte SCM_RIGHTS carrier, its validation, and what a bad one does to the stream. */
#include "svipc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>

#if defined(MSG_NOSIGNAL)
#define SVIPC_SEND_FLAGS MSG_NOSIGNAL
#else
#define SVIPC_SEND_FLAGS 0
#endif

bool svipc_arrival_has_control(const svipc_arrival* arrival)
{
    return arrival->fd_count > 0 || arrival->control_truncated;
}

bool svipc_is_valid_carrier(const svipc_arrival* arrival, const uint8_t* bytes, bool at_frame_boundary)
{
    /*
     * Descriptors are legal only on a lone carrier byte of value 0 between frames.
     * A read that also returned other bytes cannot be split safely (which byte
     * brought the descriptor is not reported), so it is refused, never guessed.
     */
    return at_frame_boundary && arrival->byte_count == 1 && bytes[0] == 0 && arrival->fd_count == 1 &&
           !arrival->control_truncated;
}

svipc_status svipc_fail_receive(svipc_socket* socket, svipc_arrival* arrival, svipc_status status)
{
    svipc_close_arrived_descriptors(arrival);
    /* The stream position is unknown from here on: nothing kept from it can be trusted either. */
    svipc_close_preserving_errno(socket->pending_fd);
    socket->pending_fd = SVIPC_NO_DESCRIPTOR_VALUE;
    socket->receive_desynchronized = true;
    return status;
}

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
    union
    {
        struct cmsghdr align;
        uint8_t bytes[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof(control));
    uint8_t carrier = 0;
    struct iovec vector = { .iov_base = &carrier, .iov_len = 1 };
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = control.bytes;
    message.msg_controllen = sizeof(control.bytes);
    struct cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    int descriptor = fd;
    memcpy(CMSG_DATA(header), &descriptor, sizeof(descriptor));

    svipc_call_clock clock = svipc_start_call_clock(socket, SO_SNDTIMEO);
    for (;;)
    {
        ssize_t sent = sendmsg(socket->fd, &message, SVIPC_SEND_FLAGS);
        if (sent == 1)
        {
            return SVIPC_OK;
        }
        if (sent < 0 && errno == EINTR)
        {
            svipc_status status = svipc_wait_for_remaining(socket, SO_SNDTIMEO, POLLOUT, &clock);
            if (status != SVIPC_OK)
            {
                return status;
            }
            continue;
        }
        int error = sent < 0 ? errno : EIO;
        if (error == EBADF)
        {
            /* fd is not open: the kernel refused the SCM_RIGHTS message before sending anything. */
            return SVIPC_INVALID_ARGUMENT;
        }
        if (error == EPIPE || error == ECONNRESET)
        {
            errno = error;
            return svipc_is_shut_down(socket) ? SVIPC_SHUT_DOWN : SVIPC_CLOSED;
        }
        return svipc_status_from_errno(socket, error);
    }
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
    if (svipc_is_shut_down(socket))
    {
        return SVIPC_SHUT_DOWN;
    }
    if (socket->header_received > 0)
    {
        /* A frame is already under way: the next thing on the stream is its data. */
        return SVIPC_NO_DESCRIPTOR;
    }
    /*
     * At most the prefix of the next frame: if frame data comes, it becomes the
     * start of that frame's prefix, so nothing is lost. Asking for more than one
     * byte lets Linux show a carrier that brought extra bytes (see SVIPC_BOUNDARY_READ_SIZE).
     */
    svipc_arrival arrival;
    svipc_call_clock clock = svipc_start_call_clock(socket, SO_RCVTIMEO);
    svipc_status status = svipc_receive_chunk(socket, socket->header, SVIPC_BOUNDARY_READ_SIZE, &arrival, &clock);
    if (status != SVIPC_OK)
    {
        return status;
    }
    if (svipc_arrival_has_control(&arrival))
    {
        if (!svipc_is_valid_carrier(&arrival, socket->header, true))
        {
            return svipc_fail_receive(socket, &arrival, SVIPC_PROTOCOL_VIOLATION);
        }
        *fd = arrival.fds[0];
        socket->frame_expected = true;
        return SVIPC_OK;
    }
    if (arrival.byte_count == 0)
    {
        return SVIPC_CLOSED;
    }
    socket->header_received = (uint32_t)arrival.byte_count;
    return SVIPC_NO_DESCRIPTOR;
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
