/*
 * Layer 1 (readiness.h): keeping socket timeouts honest. The kernel applies
 * SO_RCVTIMEO/SO_SNDTIMEO to each system call, and does not restart a socket call
 * with a timeout after a signal: it returns EINTR. A plain retry would start the
 * full timeout again, so signals, or a peer that moves one byte at a time, could
 * stretch a 300 ms call without bound. Instead every public call carries a clock,
 * and after EINTR or after partial progress it waits with poll() only for what is
 * left. A shutdown wakes these waits (the socket turns readable and writable);
 * the read or write after the wake-up reports it.
 */
#include "readiness.h"

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

svipc_call_clock svipc_start_call_clock(const svipc_socket* socket, int timeout_option)
{
    const atomic_bool* timed = timeout_option == SO_RCVTIMEO ? &socket->receive_timed : &socket->send_timed;
    /* A clock read costs about as much as the rest of a call's user-space work: skip it when no timeout applies. */
    bool read_clock = atomic_load_explicit(timed, memory_order_relaxed);
    svipc_call_clock clock = { .started_ms = read_clock ? svipc_monotonic_ms() : SVIPC_CLOCK_NOT_READ, .made_progress = false };
    return clock;
}

svipc_status svipc_poll_once(svipc_socket* socket, short events, int timeout_ms)
{
    struct pollfd entry = { .fd = socket->fd, .events = events, .revents = 0 };
    int ready = poll(&entry, 1, timeout_ms);
    if (ready > 0)
    {
        return SVIPC_OK;
    }
    if (ready == 0)
    {
        errno = EAGAIN;
        return SVIPC_TIMEOUT;
    }
    return errno == EINTR ? SVIPC_OK : SVIPC_SYSTEM_ERROR;
}

svipc_status svipc_wait_for_remaining(svipc_socket* socket, int timeout_option, short events, svipc_call_clock* clock)
{
    struct timeval value = { 0, 0 };
    socklen_t length = (socklen_t)sizeof(value);
    if (getsockopt(socket->fd, SOL_SOCKET, timeout_option, &value, &length) != 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    if (value.tv_sec == 0 && value.tv_usec == 0)
    {
        /*
         * No timeout. A blocking retry waits by itself; a non-blocking one (after
         * progress) needs the wait here. poll() returning after EINTR is fine: the
         * caller's retry comes back here if the socket is still not ready.
         */
        if (!clock->made_progress)
        {
            return SVIPC_OK;
        }
        return svipc_poll_once(socket, events, -1);
    }
    int64_t timeout_ms = (int64_t)value.tv_sec * 1000 + ((int64_t)value.tv_usec + 999) / 1000;
    if (clock->started_ms == SVIPC_CLOCK_NOT_READ)
    {
        /* The timeout was set (by another thread, or on the raw descriptor) after the call started: the call's
         * budget starts now, once, so that later waits in the same call only get what is left of it. */
        clock->started_ms = svipc_monotonic_ms();
    }
    for (;;)
    {
        int64_t remaining = clock->started_ms + timeout_ms - svipc_monotonic_ms();
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
            return SVIPC_SYSTEM_ERROR;
        }
    }
}
