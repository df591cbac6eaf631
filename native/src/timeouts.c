/* Per-call receive and send timeouts, kept by the kernel (SO_RCVTIMEO / SO_SNDTIMEO). */
#include "svipc_internal.h"

#include <limits.h>
#include <sys/time.h>

static svipc_status set_timeout(svipc_socket* socket, int option, int32_t timeout_ms)
{
    if (socket == NULL || (timeout_ms <= 0 && timeout_ms != SVIPC_INFINITE_TIMEOUT))
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    struct timeval value = { 0, 0 }; /* zero means "no timeout" to the kernel */
    if (timeout_ms > 0)
    {
        value.tv_sec = (time_t)(timeout_ms / 1000);
        value.tv_usec = (suseconds_t)((timeout_ms % 1000) * 1000);
    }
    if (setsockopt(socket->fd, SOL_SOCKET, option, &value, (socklen_t)sizeof(value)) != 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    atomic_store(option == SO_RCVTIMEO ? &socket->receive_timed : &socket->send_timed, timeout_ms > 0);
    return SVIPC_OK;
}

static svipc_status get_timeout(const svipc_socket* socket, int option, int32_t* timeout_ms)
{
    if (socket == NULL || timeout_ms == NULL)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    struct timeval value = { 0, 0 };
    socklen_t length = (socklen_t)sizeof(value);
    if (getsockopt(socket->fd, SOL_SOCKET, option, &value, &length) != 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    if (value.tv_sec == 0 && value.tv_usec == 0)
    {
        *timeout_ms = SVIPC_INFINITE_TIMEOUT;
        return SVIPC_OK;
    }
    /* Round up so that a set timeout never reads back as 0, which would mean "invalid". */
    int64_t milliseconds = (int64_t)value.tv_sec * 1000 + ((int64_t)value.tv_usec + 999) / 1000;
    *timeout_ms = milliseconds > INT32_MAX ? INT32_MAX : (int32_t)milliseconds;
    return SVIPC_OK;
}

svipc_status svipc_set_read_timeout(svipc_socket* socket, int32_t timeout_ms)
{
    return set_timeout(socket, SO_RCVTIMEO, timeout_ms);
}

svipc_status svipc_get_read_timeout(const svipc_socket* socket, int32_t* timeout_ms)
{
    return get_timeout(socket, SO_RCVTIMEO, timeout_ms);
}

svipc_status svipc_set_send_timeout(svipc_socket* socket, int32_t timeout_ms)
{
    return set_timeout(socket, SO_SNDTIMEO, timeout_ms);
}

svipc_status svipc_get_send_timeout(const svipc_socket* socket, int32_t* timeout_ms)
{
    return get_timeout(socket, SO_SNDTIMEO, timeout_ms);
}

svipc_status svipc_set_wait_in_poll(svipc_socket* socket, int32_t enabled)
{
    if (socket == NULL || socket->is_listener || (enabled != 0 && enabled != 1))
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    atomic_store(&socket->wait_in_poll, enabled == 1);
    return SVIPC_OK;
}
