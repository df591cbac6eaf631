/* The svipc_socket object: creation around a descriptor, and adoption of foreign descriptors. */
#include "svipc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

/* Whether the kernel has timeout_option set on fd (true when it cannot tell). */
static bool has_kernel_timeout(int fd, int timeout_option)
{
    struct timeval value = { 0, 0 };
    socklen_t length = (socklen_t)sizeof(value);
    return getsockopt(fd, SOL_SOCKET, timeout_option, &value, &length) != 0 || value.tv_sec != 0 || value.tv_usec != 0;
}

svipc_status svipc_socket_wrap(int fd, bool is_listener, svipc_socket** result)
{
    svipc_socket* socket = calloc(1, sizeof(*socket));
    if (socket == NULL)
    {
        errno = ENOMEM;
        return SVIPC_SYSTEM_ERROR;
    }
    socket->fd = fd;
    socket->is_listener = is_listener;
    atomic_init(&socket->shut_down, false);
    /* An adopted or accepted descriptor may come with timeouts set (accepted sockets inherit the listener's). */
    atomic_init(&socket->receive_timed, has_kernel_timeout(fd, SO_RCVTIMEO));
    atomic_init(&socket->send_timed, has_kernel_timeout(fd, SO_SNDTIMEO));
    atomic_init(&socket->wait_in_poll, false);
    atomic_init(&socket->nonblocking, false);
    socket->pending_fd = SVIPC_NO_DESCRIPTOR_VALUE;
    socket->carrier_fd = SVIPC_NO_DESCRIPTOR_VALUE;
    socket->bind_lock_fd = SVIPC_NO_DESCRIPTOR_VALUE;
    socket->wake_read_fd = SVIPC_NO_DESCRIPTOR_VALUE;
    socket->wake_write_fd = SVIPC_NO_DESCRIPTOR_VALUE;
    *result = socket;
    return SVIPC_OK;
}

bool svipc_is_shut_down(const svipc_socket* socket)
{
    return atomic_load(&((svipc_socket*)socket)->shut_down);
}

static svipc_status check_unix_stream_socket(int fd)
{
    struct stat status;
    if (fstat(fd, &status) != 0)
    {
        return errno == EBADF ? SVIPC_INVALID_ARGUMENT : SVIPC_SYSTEM_ERROR;
    }
    if (!S_ISSOCK(status.st_mode))
    {
        errno = ENOTSOCK;
        return SVIPC_INVALID_ARGUMENT;
    }
    int type = 0;
    socklen_t type_length = (socklen_t)sizeof(type);
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_length) != 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    struct sockaddr_un address;
    socklen_t address_length = (socklen_t)sizeof(address);
    if (getsockname(fd, (struct sockaddr*)&address, &address_length) != 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    if (type != SOCK_STREAM || address.sun_family != AF_UNIX)
    {
        errno = EPROTOTYPE;
        return SVIPC_INVALID_ARGUMENT;
    }
    return SVIPC_OK;
}

svipc_status svipc_from_fd(int32_t fd, svipc_socket** connection)
{
    if (fd < 0 || connection == NULL)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    svipc_status status = check_unix_stream_socket(fd);
    if (status != SVIPC_OK)
    {
        return status;
    }
    if (svipc_configure_socket(fd) != 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    return svipc_socket_wrap(fd, false, connection);
}

svipc_status svipc_from_fd_dup(int32_t fd, svipc_socket** connection)
{
    if (fd < 0 || connection == NULL)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    svipc_status status = check_unix_stream_socket(fd);
    if (status != SVIPC_OK)
    {
        return status;
    }
    int duplicate = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (duplicate < 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    if (svipc_configure_socket(duplicate) != 0)
    {
        svipc_close_preserving_errno(duplicate);
        return SVIPC_SYSTEM_ERROR;
    }
    status = svipc_socket_wrap(duplicate, false, connection);
    if (status != SVIPC_OK)
    {
        svipc_close_preserving_errno(duplicate);
    }
    return status;
}

int32_t svipc_fd(const svipc_socket* socket)
{
    return socket == NULL ? SVIPC_NO_DESCRIPTOR_VALUE : socket->fd;
}

