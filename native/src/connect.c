/* Connecting to a supervisor bound at a path. */
#include "svipc_internal.h"

#include <errno.h>
#include <poll.h>

/* A connect interrupted by a signal keeps going in the kernel; wait for its outcome instead of retrying it. */
static int finish_interrupted_connect(int fd)
{
    struct pollfd entry = { .fd = fd, .events = POLLOUT, .revents = 0 };
    for (;;)
    {
        int ready = poll(&entry, 1, -1);
        if (ready < 0 && errno == EINTR)
        {
            continue;
        }
        if (ready < 0)
        {
            return -1;
        }
        int error = 0;
        socklen_t length = (socklen_t)sizeof(error);
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0)
        {
            return -1;
        }
        if (error != 0)
        {
            errno = error;
            return -1;
        }
        return 0;
    }
}

svipc_status svipc_connect(const char* path, svipc_socket** connection)
{
    if (connection == NULL)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    struct sockaddr_un address;
    socklen_t address_length = 0;
    svipc_status status = svipc_make_address(path, &address, &address_length);
    if (status != SVIPC_OK)
    {
        return status;
    }
    int fd = svipc_open_stream_socket();
    if (fd < 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    if (connect(fd, (const struct sockaddr*)&address, address_length) != 0 &&
        (errno != EINTR || finish_interrupted_connect(fd) != 0))
    {
        svipc_close_preserving_errno(fd);
        return svipc_status_from_errno(NULL, errno);
    }
    status = svipc_socket_wrap(fd, false, connection);
    if (status != SVIPC_OK)
    {
        svipc_close_preserving_errno(fd);
    }
    return status;
}
