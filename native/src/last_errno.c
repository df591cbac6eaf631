/*
 * errno of the last failed transfer, kept in the socket per direction. errno is
 * still set as usual; the copy is for callers that cannot read errno right after
 * the call returns (a managed runtime may run code of its own in between), so
 * that they need no per-call errno bookkeeping. Each field is written and read
 * by the one thread that owns its direction.
 */
#include "svipc_internal.h"

#include <errno.h>

svipc_status svipc_record_send_errno(svipc_socket* socket, svipc_status status)
{
    if (status != SVIPC_OK && socket != NULL)
    {
        socket->last_send_errno = errno;
    }
    return status;
}

svipc_status svipc_record_receive_errno(svipc_socket* socket, svipc_status status)
{
    if (status != SVIPC_OK && socket != NULL)
    {
        socket->last_receive_errno = errno;
    }
    return status;
}

int32_t svipc_last_send_errno(const svipc_socket* socket)
{
    return socket == NULL ? 0 : socket->last_send_errno;
}

int32_t svipc_last_receive_errno(const svipc_socket* socket)
{
    return socket == NULL ? 0 : socket->last_receive_errno;
}
