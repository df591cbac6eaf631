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
    /*
     * The library's own sends pass MSG_NOSIGNAL where the headers define it (Apple's do from the macOS 11 SDK
     * on), but the socket option also covers every other write on the descriptor: a caller writing through
     * svipc_fd(), and builds against older SDKs without the flag.
     */
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

int svipc_open_wake_pipe(int fds[2])
{
#if defined(__linux__)
    return pipe2(fds, O_CLOEXEC | O_NONBLOCK);
#else
    /* No pipe2: the ends are flagged right after; see svipc_open_stream_socket for what that window means. */
    if (pipe(fds) != 0)
    {
        return -1;
    }
    for (int i = 0; i < 2; i++)
    {
        if (svipc_make_close_on_exec(fds[i]) != 0 || svipc_set_blocking(fds[i], false) != 0)
        {
            svipc_close_preserving_errno(fds[0]);
            svipc_close_preserving_errno(fds[1]);
            return -1;
        }
    }
    return 0;
#endif
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
