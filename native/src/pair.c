/* A connected pair for a supervisor and the child it is about to start. */
#include "svipc_internal.h"

svipc_status svipc_pair(svipc_socket** supervisor_end, svipc_socket** child_end)
{
    if (supervisor_end == NULL || child_end == NULL)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    int fds[2];
#if defined(SOCK_CLOEXEC)
    int result = socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
#else
    int result = socketpair(AF_UNIX, SOCK_STREAM, 0, fds);
#endif
    if (result != 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    svipc_socket* first = NULL;
    svipc_socket* second = NULL;
    svipc_status status = SVIPC_SYSTEM_ERROR;
    if (svipc_configure_socket(fds[0]) == 0 && svipc_configure_socket(fds[1]) == 0)
    {
        status = svipc_socket_wrap(fds[0], false, &first);
        if (status == SVIPC_OK)
        {
            status = svipc_socket_wrap(fds[1], false, &second);
        }
    }
    if (status != SVIPC_OK)
    {
        if (first != NULL)
        {
            svipc_close(first);
        }
        else
        {
            svipc_close_preserving_errno(fds[0]);
        }
        svipc_close_preserving_errno(fds[1]);
        return status;
    }
    *supervisor_end = first;
    *child_end = second;
    return SVIPC_OK;
}
