#include "raw_frames.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

int raw_socketpair(int fds[2])
{
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
}

int raw_send_frame(int socket, const uint8_t* payload, uint32_t length)
{
    uint8_t header[4] = { (uint8_t)(length >> 24), (uint8_t)(length >> 16), (uint8_t)(length >> 8), (uint8_t)length };
    struct iovec vectors[2] = {
        { .iov_base = header, .iov_len = sizeof(header) },
        { .iov_base = (void*)(uintptr_t)payload, .iov_len = length },
    };
    struct msghdr message = { .msg_iov = vectors, .msg_iovlen = 2 };
    size_t total = sizeof(header) + length;
    while (total > 0)
    {
        ssize_t written = sendmsg(socket, &message, MSG_NOSIGNAL);
        if (written < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            return -1;
        }
        total -= (size_t)written;
        /* Partial write: advance the iovecs past what went out. */
        size_t skip = (size_t)written;
        while (skip > 0 && message.msg_iovlen > 0)
        {
            if (skip >= message.msg_iov->iov_len)
            {
                skip -= message.msg_iov->iov_len;
                message.msg_iov++;
                message.msg_iovlen--;
            }
            else
            {
                message.msg_iov->iov_base = (uint8_t*)message.msg_iov->iov_base + skip;
                message.msg_iov->iov_len -= skip;
                skip = 0;
            }
        }
    }
    return 0;
}

/* One recvmsg of at most capacity bytes, retried on EINTR; -1 with ECONNRESET at end of stream. */
static ssize_t recv_some(int socket, uint8_t* buffer, size_t capacity)
{
    for (;;)
    {
        struct iovec vector = { .iov_base = buffer, .iov_len = capacity };
        struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1 };
        ssize_t received = recvmsg(socket, &message, 0);
        if (received > 0)
        {
            return received;
        }
        if (received < 0 && errno == EINTR)
        {
            continue;
        }
        if (received == 0)
        {
            errno = ECONNRESET;
        }
        return -1;
    }
}

static int recv_exact(int socket, uint8_t* buffer, size_t wanted)
{
    while (wanted > 0)
    {
        ssize_t received = recv_some(socket, buffer, wanted);
        if (received < 0)
        {
            return -1;
        }
        buffer += received;
        wanted -= (size_t)received;
    }
    return 0;
}

int raw_recv_frame(int socket, uint8_t* buffer, uint32_t capacity, uint32_t* length)
{
    uint8_t header[4];
    if (recv_exact(socket, header, sizeof(header)) != 0)
    {
        return -1;
    }
    uint32_t size = ((uint32_t)header[0] << 24) | ((uint32_t)header[1] << 16) | ((uint32_t)header[2] << 8) | header[3];
    if (size > capacity)
    {
        errno = EMSGSIZE;
        return -1;
    }
    if (recv_exact(socket, buffer, size) != 0)
    {
        return -1;
    }
    *length = size;
    return 0;
}

typedef union control_buffer
{
    struct cmsghdr align;
    uint8_t bytes[CMSG_SPACE(sizeof(int))];
} control_buffer;

int raw_send_fd(int socket, int fd)
{
    control_buffer control;
    memset(&control, 0, sizeof(control));
    uint8_t carrier = 0;
    struct iovec vector = { .iov_base = &carrier, .iov_len = 1 };
    struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1, .msg_control = control.bytes,
                              .msg_controllen = sizeof(control.bytes) };
    struct cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof(fd));
    for (;;)
    {
        ssize_t sent = sendmsg(socket, &message, MSG_NOSIGNAL);
        if (sent == 1)
        {
            return 0;
        }
        if (sent < 0 && errno == EINTR)
        {
            continue;
        }
        return -1;
    }
}

int raw_send_fd_and_frame(int socket, int fd, const uint8_t* payload, uint32_t length)
{
    control_buffer control;
    memset(&control, 0, sizeof(control));
    uint8_t carrier = 0;
    uint8_t prefix[4] = { (uint8_t)(length >> 24), (uint8_t)(length >> 16), (uint8_t)(length >> 8), (uint8_t)length };
    struct iovec carrier_vector = { .iov_base = &carrier, .iov_len = 1 };
    struct iovec frame_vectors[2] = {
        { .iov_base = prefix, .iov_len = sizeof(prefix) },
        { .iov_base = (void*)(uintptr_t)payload, .iov_len = length },
    };
    struct mmsghdr messages[2];
    memset(messages, 0, sizeof(messages));
    messages[0].msg_hdr = (struct msghdr){ .msg_iov = &carrier_vector, .msg_iovlen = 1, .msg_control = control.bytes,
                                           .msg_controllen = sizeof(control.bytes) };
    struct cmsghdr* header = CMSG_FIRSTHDR(&messages[0].msg_hdr);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(header), &fd, sizeof(fd));
    messages[1].msg_hdr = (struct msghdr){ .msg_iov = frame_vectors, .msg_iovlen = 2 };
    int sent = sendmmsg(socket, messages, 2, MSG_NOSIGNAL);
    if (sent == 2 && messages[1].msg_len == sizeof(prefix) + length)
    {
        return 0;
    }
    /* The floor does not resume a partial write: the benchmark's frames always fit the socket buffer. */
    errno = sent < 0 ? errno : EIO;
    return -1;
}

int raw_recv_fd(int socket, int* fd)
{
    control_buffer control;
    uint8_t carrier;
    struct iovec vector = { .iov_base = &carrier, .iov_len = 1 };
    struct msghdr message = { .msg_iov = &vector, .msg_iovlen = 1, .msg_control = control.bytes,
                              .msg_controllen = sizeof(control.bytes) };
    ssize_t received;
    do
    {
        received = recvmsg(socket, &message, MSG_CMSG_CLOEXEC);
    } while (received < 0 && errno == EINTR);
    struct cmsghdr* header = received == 1 ? CMSG_FIRSTHDR(&message) : NULL;
    if (header == NULL || header->cmsg_level != SOL_SOCKET || header->cmsg_type != SCM_RIGHTS ||
        header->cmsg_len != CMSG_LEN(sizeof(int)))
    {
        errno = EPROTO;
        return -1;
    }
    memcpy(fd, CMSG_DATA(header), sizeof(*fd));
    return 0;
}

void raw_reader_init(raw_reader* reader)
{
    reader->start = 0;
    reader->end = 0;
}

static uint32_t read_prefix(const uint8_t* bytes)
{
    return ((uint32_t)bytes[0] << 24) | ((uint32_t)bytes[1] << 16) | ((uint32_t)bytes[2] << 8) | bytes[3];
}

int raw_reader_recv_frame(raw_reader* reader, int socket, const uint8_t** payload, uint32_t* length)
{
    for (;;)
    {
        uint32_t buffered = reader->end - reader->start;
        uint32_t needed = 4;
        if (buffered >= 4)
        {
            uint32_t size = read_prefix(reader->bytes + reader->start);
            if (size > sizeof(reader->bytes) - 4)
            {
                errno = EMSGSIZE;
                return -1;
            }
            needed += size;
            if (buffered >= needed)
            {
                *payload = reader->bytes + reader->start + 4;
                *length = size;
                reader->start += needed;
                return 0;
            }
        }
        if (buffered == 0)
        {
            reader->start = reader->end = 0;
        }
        else if (needed > sizeof(reader->bytes) - reader->start)
        {
            memmove(reader->bytes, reader->bytes + reader->start, buffered);
            reader->start = 0;
            reader->end = buffered;
        }
        ssize_t received = recv_some(socket, reader->bytes + reader->end, sizeof(reader->bytes) - reader->end);
        if (received < 0)
        {
            return -1;
        }
        reader->end += (uint32_t)received;
    }
}

int raw_reader_recv_fd(raw_reader* reader, int socket, int* fd)
{
    if (reader->end != reader->start)
    {
        errno = EPROTO;
        return -1;
    }
    return raw_recv_fd(socket, fd);
}
