/*
 * The one place that calls sendmsg: frame bytes (prefix and payload gathered in
 * one call) and the one-byte descriptor carrier. A blocking call finishes what it
 * started, waiting with poll() after partial progress for what is left of the
 * send timeout; a non-blocking one never waits and reports how far it got, so
 * that the caller can keep the unsent rest (unsent_output.c).
 */
#include "stream_write.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>

#if defined(MSG_NOSIGNAL)
#define SVIPC_SEND_FLAGS MSG_NOSIGNAL
#else
#define SVIPC_SEND_FLAGS 0 /* SO_NOSIGPIPE is set on every socket instead */
#endif

static bool is_would_block(int error)
{
    return error == EAGAIN || error == EWOULDBLOCK;
}

static svipc_status write_failure(svipc_socket* socket, bool nonblocking, int error)
{
    if (nonblocking && is_would_block(error) && !svipc_is_shut_down(socket))
    {
        errno = error;
        return SVIPC_WOULD_BLOCK;
    }
    if ((error == EPIPE || error == ECONNRESET) && !svipc_is_shut_down(socket))
    {
        errno = error;
        return SVIPC_CLOSED;
    }
    return svipc_status_from_errno(socket, error);
}

/* Points up to two iovecs at what is left of first + second after skip bytes. */
static size_t remaining_vectors(struct iovec vectors[2], const uint8_t* first, size_t first_length,
                                const uint8_t* second, size_t second_length, size_t skip)
{
    size_t count = 0;
    if (skip < first_length)
    {
        /* The casts drop const only for the iovec type; sendmsg never writes through it. */
        vectors[count].iov_base = (void*)(uintptr_t)(first + skip);
        vectors[count].iov_len = first_length - skip;
        count++;
    }
    size_t second_skip = skip > first_length ? skip - first_length : 0;
    if (second_skip < second_length)
    {
        vectors[count].iov_base = (void*)(uintptr_t)(second + second_skip);
        vectors[count].iov_len = second_length - second_skip;
        count++;
    }
    return count;
}

svipc_status svipc_write_stream(svipc_socket* socket, bool nonblocking, const uint8_t* first, size_t first_length,
                                const uint8_t* second, size_t second_length, size_t* sent, svipc_call_clock* clock)
{
    const size_t total = first_length + second_length;
    while (*sent < total)
    {
        struct iovec vectors[2];
        struct msghdr message;
        memset(&message, 0, sizeof(message));
        message.msg_iov = vectors;
        /* msg_iovlen is size_t on Linux and int on macOS. */
        message.msg_iovlen = (__typeof__(message.msg_iovlen))remaining_vectors(vectors, first, first_length, second,
                                                                               second_length, *sent);

        /* After a partial write a blocking call waits in poll(), bounded by what is left of the send timeout. */
        const int flags = SVIPC_SEND_FLAGS | (nonblocking || clock->made_progress ? MSG_DONTWAIT : 0);
        ssize_t written = sendmsg(socket->fd, &message, flags);
        if (written < 0)
        {
            if (errno == EINTR && nonblocking)
            {
                continue;
            }
            if (!nonblocking && (errno == EINTR || (is_would_block(errno) && clock->made_progress)))
            {
                svipc_status status = svipc_wait_for_remaining(socket, SO_SNDTIMEO, POLLOUT, clock);
                if (status != SVIPC_OK)
                {
                    return write_failure(socket, false, errno);
                }
                continue;
            }
            return write_failure(socket, nonblocking, errno);
        }
        *sent += (size_t)written;
        clock->made_progress = clock->made_progress || written > 0;
    }
    return SVIPC_OK;
}

svipc_status svipc_write_carrier(svipc_socket* socket, bool nonblocking, int fd, svipc_call_clock* clock)
{
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
    memcpy(CMSG_DATA(header), &fd, sizeof(fd));

    const int flags = SVIPC_SEND_FLAGS | (nonblocking ? MSG_DONTWAIT : 0);
    for (;;)
    {
        ssize_t sent = sendmsg(socket->fd, &message, flags);
        if (sent == 1)
        {
            return SVIPC_OK;
        }
        if (sent < 0 && errno == EINTR)
        {
            if (!nonblocking)
            {
                svipc_status status = svipc_wait_for_remaining(socket, SO_SNDTIMEO, POLLOUT, clock);
                if (status != SVIPC_OK)
                {
                    return status;
                }
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
        return write_failure(socket, nonblocking, error);
    }
}
