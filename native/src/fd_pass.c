/* Descriptor passing: sending the one-byte SCM_RIGHTS carrier, and taking one from the receive buffer. */
#include "svipc_internal.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>

#if defined(MSG_NOSIGNAL)
#define SVIPC_SEND_FLAGS MSG_NOSIGNAL
#else
#define SVIPC_SEND_FLAGS 0
#endif

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
