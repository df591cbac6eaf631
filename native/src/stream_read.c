/*
 * Layer 2 (stream_read.h): the one place that calls recvmsg. Every read, frame
 * bytes included, offers a control buffer: a descriptor the peer attached
 * anywhere is then always seen (and closed or handed on), never silently dropped
 * by the kernel. Whether the socket was shut down is asked in one place here,
 * when a read brought no data: a shutdown wakes a waiting read with end of stream
 * (or an error), which must not be taken for the peer's.
 */
#include "stream_read.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/uio.h>

#if defined(MSG_CMSG_CLOEXEC)
#define SVIPC_RECEIVE_FLAGS MSG_CMSG_CLOEXEC
#else
#define SVIPC_RECEIVE_FLAGS 0
#endif

typedef union svipc_control_buffer
{
    struct cmsghdr align;
    uint8_t bytes[CMSG_SPACE(sizeof(int) * SVIPC_MAX_RECEIVED_DESCRIPTORS)];
} svipc_control_buffer;

/* musl's CMSG_NXTHDR converts a negative long to unsigned inside its own expansion, which
 * -Wsign-conversion then reports here; the arithmetic is the C library's, not ours. */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-conversion"
#endif
static struct cmsghdr* next_control_header(struct msghdr* message, struct cmsghdr* header)
{
    return CMSG_NXTHDR(message, header);
}
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

static void collect_descriptors(struct msghdr* message, svipc_arrival* arrival)
{
    for (struct cmsghdr* header = CMSG_FIRSTHDR(message); header != NULL; header = next_control_header(message, header))
    {
        if (header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS)
        {
            continue;
        }
        size_t data_length = (size_t)header->cmsg_len - (size_t)CMSG_LEN(0);
        size_t count = data_length / sizeof(int);
        const uint8_t* data = CMSG_DATA(header);
        for (size_t i = 0; i < count; i++)
        {
            int fd;
            memcpy(&fd, data + i * sizeof(int), sizeof(fd));
            if (arrival->fd_count < SVIPC_MAX_RECEIVED_DESCRIPTORS)
            {
                arrival->fds[arrival->fd_count++] = fd;
#if !defined(MSG_CMSG_CLOEXEC)
                /* No atomic flag here: a concurrent fork+exec can still inherit fd; nothing closes that window. */
                (void)svipc_make_close_on_exec(fd);
#endif
            }
            else
            {
                /* The buffer cannot hold more than this, but never keep an fd we do not track. */
                svipc_close_preserving_errno(fd);
                arrival->control_truncated = true;
            }
        }
    }
}

/*
 * svipc_set_wait_in_poll: wait for data in poll(POLLIN), which Linux wakes only for
 * readable events, instead of in recvmsg, whose sleepers share the socket's one wait
 * queue with write-space wake-ups (every time the peer frees data this end sent).
 * svipc_wait_for_remaining does the waiting, timeout included, once it is told to
 * treat the call as one that must not block in the kernel.
 */
static svipc_status wait_in_poll(svipc_socket* socket, svipc_call_clock* clock)
{
    if (socket->frame_expected)
    {
        /* If it is not there yet after all, the read below waits for it as without this mode. */
        socket->frame_expected = false;
        return SVIPC_OK;
    }
    if (!atomic_load_explicit(&socket->receive_timed, memory_order_relaxed))
    {
        /* No timeout: one poll, without asking the kernel for the timeout first. A signal ends it early; the read
         * after it then blocks as without this mode. */
        return svipc_poll_once(socket, POLLIN, -1);
    }
    svipc_call_clock must_not_block = *clock;
    must_not_block.made_progress = true;
    svipc_status status = svipc_wait_for_remaining(socket, SO_RCVTIMEO, POLLIN, &must_not_block);
    clock->started_ms = must_not_block.started_ms;
    return status;
}

/* What a read that brought no data means: received is 0 (end of stream) or -1 with error. */
static svipc_status classify_no_data(svipc_socket* socket, bool nonblocking, ssize_t received, int error,
                                     svipc_arrival* arrival)
{
    if (svipc_is_shut_down(socket))
    {
        svipc_close_arrived_descriptors(arrival);
        if (received != 0)
        {
            errno = error;
        }
        return SVIPC_SHUT_DOWN;
    }
    if (received == 0 || error == ECONNRESET)
    {
        /* A peer that exits with unread data resets instead of closing: still the end of its stream. */
        arrival->byte_count = 0;
        return SVIPC_OK;
    }
    errno = error;
    if (error == EAGAIN || error == EWOULDBLOCK)
    {
        /* Blocking mode: SO_RCVTIMEO expired before any progress. */
        return nonblocking ? SVIPC_WOULD_BLOCK : SVIPC_TIMEOUT;
    }
    return SVIPC_SYSTEM_ERROR;
}

svipc_status svipc_read_stream(svipc_socket* socket, uint8_t* destination, size_t wanted, svipc_arrival* arrival,
                               svipc_call_clock* clock)
{
    memset(arrival, 0, sizeof(*arrival));
    /* Non-blocking: the caller's event loop owns waiting and time; a read that finds nothing says so. */
    const bool nonblocking = svipc_in_nonblocking_mode(socket);
    if (!nonblocking && !clock->made_progress && atomic_load_explicit(&socket->wait_in_poll, memory_order_relaxed))
    {
        svipc_status status = wait_in_poll(socket, clock);
        if (status != SVIPC_OK)
        {
            return status == SVIPC_TIMEOUT ? status : classify_no_data(socket, false, -1, errno, arrival);
        }
    }
    /* After progress the kernel must not wait a full timeout again: see svipc_wait_for_remaining. */
    const int flags = SVIPC_RECEIVE_FLAGS | (nonblocking || clock->made_progress ? MSG_DONTWAIT : 0);
    for (;;)
    {
        svipc_control_buffer control;
        memset(&control, 0, sizeof(control));
        struct iovec vector = { .iov_base = destination, .iov_len = wanted };
        struct msghdr message;
        memset(&message, 0, sizeof(message));
        message.msg_iov = &vector;
        message.msg_iovlen = 1;
        message.msg_control = control.bytes;
        message.msg_controllen = sizeof(control.bytes);

        ssize_t received = recvmsg(socket->fd, &message, flags);
        int error = received < 0 ? errno : 0;
        if (received < 0 && (error == EINTR || ((error == EAGAIN || error == EWOULDBLOCK) && !nonblocking &&
                                                clock->made_progress)))
        {
            if (!nonblocking)
            {
                svipc_status status = svipc_wait_for_remaining(socket, SO_RCVTIMEO, POLLIN, clock);
                if (status == SVIPC_TIMEOUT)
                {
                    return status;
                }
                if (status != SVIPC_OK)
                {
                    return classify_no_data(socket, false, -1, errno, arrival);
                }
            }
            continue;
        }
        if (received > 0 && message.msg_controllen > 0)
        {
            collect_descriptors(&message, arrival);
        }
        arrival->control_truncated = arrival->control_truncated || (message.msg_flags & MSG_CTRUNC) != 0;
        if (received <= 0)
        {
            return classify_no_data(socket, nonblocking, received, error, arrival);
        }
        arrival->byte_count = (size_t)received;
        clock->made_progress = true;
        return SVIPC_OK;
    }
}

void svipc_close_arrived_descriptors(svipc_arrival* arrival)
{
    for (size_t i = 0; i < arrival->fd_count; i++)
    {
        svipc_release_unwanted_descriptor(arrival->fds[i]);
    }
    arrival->fd_count = 0;
}
