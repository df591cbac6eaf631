/*
 * Non-blocking mode, for callers that run their own event loop on svipc_fd().
 * The mode lives in the socket object, not in the descriptor's O_NONBLOCK: each
 * system call passes MSG_DONTWAIT (accept: the listener is always O_NONBLOCK),
 * so a descriptor shared with other code (a managed runtime's socket engine, a
 * duplicate handed elsewhere) keeps its own file status flags, and readiness
 * reported by epoll/kqueue is the same in both modes.
 */
#include "svipc_internal.h"

svipc_status svipc_set_nonblocking(svipc_socket* socket, int32_t enabled)
{
    if (socket == NULL || (enabled != 0 && enabled != 1))
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    atomic_store(&socket->nonblocking, enabled == 1);
    return SVIPC_OK;
}

int32_t svipc_is_nonblocking(const svipc_socket* socket)
{
    return socket != NULL && svipc_in_nonblocking_mode(socket) ? 1 : 0;
}

bool svipc_in_nonblocking_mode(const svipc_socket* socket)
{
    return atomic_load_explicit(&((svipc_socket*)socket)->nonblocking, memory_order_relaxed);
}
