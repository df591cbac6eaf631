/* A pidfd of the peer: the kernel's handle on the process, which, unlike its pid, is never reused. */
#include "svipc_internal.h"

#include <errno.h>

#if defined(__linux__)
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* Linux 6.5; the same number on every architecture but a few not built here */
#endif
#endif

SVIPC_API svipc_status svipc_peer_pidfd(const svipc_socket* socket, int32_t* pidfd)
{
    if (socket == NULL || pidfd == NULL)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
#if defined(__linux__)
    int received = -1;
    socklen_t length = (socklen_t)sizeof(received);
    if (getsockopt(socket->fd, SOL_SOCKET, SO_PEERPIDFD, &received, &length) != 0)
    {
        return errno == ENOPROTOOPT ? SVIPC_UNSUPPORTED : SVIPC_SYSTEM_ERROR;
    }
    /* The kernel makes it close-on-exec (pidfds always are), so no inheritable window exists. */
    *pidfd = (int32_t)received;
    return SVIPC_OK;
#else
    (void)socket;
    errno = ENOSYS;
    return SVIPC_UNSUPPORTED;
#endif
}
