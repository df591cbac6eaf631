/* A poll() for one descriptor: how a blocking caller waits on a socket that is in non-blocking mode. */
#include "svipc_internal.h"

#include <errno.h>
#include <poll.h>

SVIPC_API svipc_status svipc_wait_ready(int32_t fd, uint32_t readiness, int32_t timeout_ms)
{
    const uint32_t known = SVIPC_READY_READABLE | SVIPC_READY_WRITABLE;
    if (fd < 0 || readiness == 0 || (readiness & ~known) != 0 || timeout_ms < SVIPC_INFINITE_TIMEOUT)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    struct pollfd entry = {.fd = fd, .events = 0, .revents = 0};
    if ((readiness & SVIPC_READY_READABLE) != 0)
    {
        entry.events |= POLLIN;
    }
    if ((readiness & SVIPC_READY_WRITABLE) != 0)
    {
        entry.events |= POLLOUT;
    }
    int ready = poll(&entry, 1, (int)timeout_ms);
    if (ready < 0)
    {
        /* An interrupted wait is a spurious wake-up: the caller tries again with the time it has left. */
        return errno == EINTR ? SVIPC_OK : SVIPC_SYSTEM_ERROR;
    }
    if (ready == 0)
    {
        errno = ETIMEDOUT;
        return SVIPC_TIMEOUT;
    }
    /* POLLHUP, POLLERR and POLLNVAL count as ready: the operation retried next reports what happened. */
    return SVIPC_OK;
}
