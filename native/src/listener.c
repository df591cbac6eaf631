/*
 * svipc_listener: a bound socket for short-lived connections by path, like the
 * reference's SupervisorListener. Built only on the public socket API: the
 * kernel-recorded uid of each accepted peer is checked against an allow-list,
 * and a connection that passes gets a read timeout so a silent client cannot
 * stall a supervisor that serves connections one after another.
 */
#include "supervisor_ipc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct svipc_listener
{
    svipc_socket* socket;
    uint32_t allowed_uids[SVIPC_LISTENER_MAX_ALLOWED_UIDS];
    uint32_t allowed_count;
    int32_t connection_timeout_ms;
};

_Static_assert(SVIPC_PEER_REJECTED == 15, "status values are stable across releases");
_Static_assert(SVIPC_LISTENER_DEFAULT_READ_TIMEOUT_MS > 0, "the default connection timeout must be a real timeout");

SVIPC_API svipc_status svipc_listener_bind(const char* path, svipc_listener** listener)
{
    if (path == NULL || listener == NULL)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    svipc_listener* result = calloc(1, sizeof(*result));
    if (result == NULL)
    {
        errno = ENOMEM;
        return SVIPC_SYSTEM_ERROR;
    }
    svipc_status status = svipc_bind(path, &result->socket);
    if (status != SVIPC_OK)
    {
        int saved = errno;
        free(result);
        errno = saved;
        return status;
    }
    result->allowed_uids[0] = (uint32_t)geteuid();
    result->allowed_count = 1;
    result->connection_timeout_ms = SVIPC_LISTENER_DEFAULT_READ_TIMEOUT_MS;
    *listener = result;
    return SVIPC_OK;
}

SVIPC_API svipc_status svipc_listener_set_allowed_uids(svipc_listener* listener, const uint32_t* uids, uint32_t count)
{
    if (listener == NULL || uids == NULL || count == 0 || count > SVIPC_LISTENER_MAX_ALLOWED_UIDS)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    memcpy(listener->allowed_uids, uids, (size_t)count * sizeof(uids[0]));
    listener->allowed_count = count;
    return SVIPC_OK;
}

SVIPC_API svipc_status svipc_listener_set_connection_timeout(svipc_listener* listener, int32_t timeout_ms)
{
    if (listener == NULL || (timeout_ms <= 0 && timeout_ms != SVIPC_INFINITE_TIMEOUT))
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    listener->connection_timeout_ms = timeout_ms;
    return SVIPC_OK;
}

SVIPC_API int32_t svipc_listener_fd(const svipc_listener* listener)
{
    return listener != NULL ? svipc_fd(listener->socket) : -1;
}

SVIPC_API svipc_status svipc_listener_set_nonblocking(svipc_listener* listener, int32_t enabled)
{
    if (listener == NULL)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    return svipc_set_nonblocking(listener->socket, enabled);
}

static int is_allowed(const svipc_listener* listener, uint32_t uid)
{
    for (uint32_t i = 0; i < listener->allowed_count; i++)
    {
        if (listener->allowed_uids[i] == uid)
        {
            return 1;
        }
    }
    return 0;
}

SVIPC_API svipc_status svipc_listener_accept(svipc_listener* listener, int32_t timeout_ms,
                                             svipc_socket** connection, svipc_peer_credentials* peer)
{
    if (listener == NULL || connection == NULL)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    svipc_socket* accepted = NULL;
    svipc_status status = svipc_accept(listener->socket, timeout_ms, &accepted);
    if (status != SVIPC_OK)
    {
        return status;
    }

    svipc_peer_credentials credentials;
    status = svipc_get_peer_credentials(accepted, &credentials);
    if (status == SVIPC_OK && !is_allowed(listener, credentials.uid))
    {
        svipc_close(accepted);
        if (peer != NULL)
        {
            *peer = credentials;
        }
        errno = EACCES;
        return SVIPC_PEER_REJECTED;
    }
    if (status == SVIPC_OK && listener->connection_timeout_ms != SVIPC_INFINITE_TIMEOUT)
    {
        status = svipc_set_read_timeout(accepted, listener->connection_timeout_ms);
    }
    if (status != SVIPC_OK)
    {
        int saved = errno;
        svipc_close(accepted);
        errno = saved;
        return status;
    }
    if (peer != NULL)
    {
        *peer = credentials;
    }
    *connection = accepted;
    return SVIPC_OK;
}

SVIPC_API void svipc_listener_close(svipc_listener* listener)
{
    if (listener == NULL)
    {
        return;
    }
    int saved = errno;
    svipc_close(listener->socket);
    free(listener);
    errno = saved;
}
