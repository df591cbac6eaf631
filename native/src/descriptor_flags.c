/* Creating sockets close-on-exec and SIGPIPE-free, and small descriptor helpers. */
#include "svipc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int svipc_make_close_on_exec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0)
    {
        return -1;
    }
    if ((flags & FD_CLOEXEC) != 0)
    {
        return 0;
    }
    return fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

int svipc_configure_socket(int fd)
{
    if (svipc_make_close_on_exec(fd) != 0)
    {
        return -1;
    }
#if defined(__APPLE__)
    /* macOS has no MSG_NOSIGNAL; the socket option keeps a dead peer from raising SIGPIPE. */
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, (socklen_t)sizeof(one)) != 0)
    {
        return -1;
    }
#endif
    return 0;
}

int svipc_open_stream_socket(void)
{
#if defined(SOCK_CLOEXEC)
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
#else
    /* Without SOCK_CLOEXEC a concurrent fork+exec may inherit fd before fcntl runs; the OS offers nothing better. */
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
#endif
    if (fd < 0)
    {
        return -1;
    }
    if (svipc_configure_socket(fd) != 0)
    {
        svipc_close_preserving_errno(fd);
        return -1;
    }
    return fd;
}

int svipc_set_blocking(int fd, bool blocking)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0)
    {
        return -1;
    }
    int wanted = blocking ? (flags & ~O_NONBLOCK) : (flags | O_NONBLOCK);
    return wanted == flags ? 0 : fcntl(fd, F_SETFL, wanted);
}

void svipc_close_preserving_errno(int fd)
{
    if (fd >= 0)
    {
        int saved = errno;
        /* close() is not retried on EINTR: the descriptor is released either way on Linux and macOS. */
        (void)close(fd);
        errno = saved;
    }
}
