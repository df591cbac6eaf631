/*
 * Keeping socket timeouts honest under signals. The kernel does not restart a
 * socket call that has SO_RCVTIMEO/SO_SNDTIMEO set; it returns EINTR, and a
 * plain retry would start the full timeout again, so a steady stream of signals
 * could stretch a 300 ms timeout without bound. Instead, after EINTR the caller
 * waits with poll() only for what is left of the timeout, measured from the
 * start of the interrupted operation.
 */
#include "svipc_internal.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sys/time.h>
#include <time.h>

int64_t svipc_monotonic_ms(void)
{
    struct timespec now;
    (void)clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + (int64_t)now.tv_nsec / 1000000;
}

svipc_status svipc_wait_after_interrupt(svipc_socket* socket, int timeout_option, short events, int64_t started_ms)
{
    struct timeval value = { 0, 0 };
    socklen_t length = (socklen_t)sizeof(value);
    if (getsockopt(socket->fd, SOL_SOCKET, timeout_option, &value, &length) != 0)
    {
        return svipc_status_from_errno(socket, errno);
    }
    if (value.tv_sec == 0 && value.tv_usec == 0)
    {
        /* No timeout: retrying the call is all there is to do. */
        return SVIPC_OK;
    }
    int64_t timeout_ms = (int64_t)value.tv_sec * 1000 + ((int64_t)value.tv_usec + 999) / 1000;
    for (;;)
    {
        if (svipc_is_shut_down(socket))
        {
            return SVIPC_SHUT_DOWN;
        }
        int64_t remaining = started_ms + timeout_ms - svipc_monotonic_ms();
        if (remaining <= 0)
        {
            errno = EAGAIN;
            return SVIPC_TIMEOUT;
        }
        struct pollfd entry = { .fd = socket->fd, .events = events, .revents = 0 };
        int ready = poll(&entry, 1, remaining > INT_MAX ? INT_MAX : (int)remaining);
        if (ready > 0)
        {
            return SVIPC_OK;
        }
        if (ready == 0)
        {
            errno = EAGAIN;
            return SVIPC_TIMEOUT;
        }
        if (errno != EINTR)
        {
            return svipc_status_from_errno(socket, errno);
        }
    }
}
