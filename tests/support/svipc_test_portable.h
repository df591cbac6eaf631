/*
 * What the C suites need from the OS that Linux and macOS spell differently, in one place so that a
 * test file never names a Linux-only symbol unguarded (./build.sh test cross-compiles every suite for
 * macOS, where such a name is a compile error).
 */
#ifndef SVIPC_TEST_PORTABLE_H
#define SVIPC_TEST_PORTABLE_H

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

/* The directory that lists this process's open descriptors (macOS: fdesc mounted at /dev/fd). */
#if defined(__linux__)
#define SVIPC_TEST_FD_DIRECTORY "/proc/self/fd"
#else
#define SVIPC_TEST_FD_DIRECTORY "/dev/fd"
#endif

/*
 * Close-on-exec at creation where the OS has SOCK_CLOEXEC (Linux); otherwise set right after. The
 * suites fork only from single-threaded points, so the window cannot leak into a child.
 */
static inline int svipc_test_cloexec_fd(int fd)
{
    if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) != 0)
    {
        (void)close(fd);
        return -1;
    }
    return fd;
}

static inline int svipc_test_socket(int domain, int type)
{
#if defined(SOCK_CLOEXEC)
    return socket(domain, type | SOCK_CLOEXEC, 0);
#else
    return svipc_test_cloexec_fd(socket(domain, type, 0));
#endif
}

static inline int svipc_test_socketpair(int domain, int type, int fds[2])
{
#if defined(SOCK_CLOEXEC)
    return socketpair(domain, type | SOCK_CLOEXEC, 0, fds);
#else
    if (socketpair(domain, type, 0, fds) != 0)
    {
        return -1;
    }
    if (svipc_test_cloexec_fd(fds[0]) < 0 || svipc_test_cloexec_fd(fds[1]) < 0)
    {
        return -1;
    }
    return 0;
#endif
}

/* Raises a socket's send buffer as far as it goes: past rmem_max as root on Linux, to the plain limit elsewhere. */
static inline void svipc_test_grow_send_buffer(int fd, int size)
{
#if defined(SO_SNDBUFFORCE)
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, (socklen_t)sizeof(size)) == 0)
    {
        return;
    }
#endif
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, (socklen_t)sizeof(size));
}

#endif /* SVIPC_TEST_PORTABLE_H */
