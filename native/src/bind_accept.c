/* Binding an owner-only listening socket at a path, accepting the child, and the reference's bind-then-accept. */
#include "readiness.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Enough for a stale file to be cleared and a racing creator to win once; beyond that the path is contested. */
#define SVIPC_BIND_ATTEMPTS 4

#if defined(__linux__)

/*
 * Linux gives the new socket file the mode of the socket inode (minus the umask),
 * so restricting the inode before bind makes the file owner-only the moment it
 * exists, without touching the process-wide umask that other threads rely on.
 */
static svipc_status create_socket_file(int fd, const char* path, const struct sockaddr_un* address,
                                       socklen_t address_length)
{
    (void)path;
    if (fchmod(fd, S_IRUSR | S_IWUSR) != 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    if (bind(fd, (const struct sockaddr*)address, address_length) != 0)
    {
        return errno == EADDRINUSE ? SVIPC_ADDRESS_IN_USE : SVIPC_SYSTEM_ERROR;
    }
    return SVIPC_OK;
}

#else

/*
 * fchmod on a socket does not reach the file on macOS. Instead the socket is
 * bound inside a fresh 0700 directory next to the target (nobody else can reach
 * it there), made 0600, then hard-linked into place: link() never replaces an
 * existing file, so a file that appeared meanwhile is not clobbered.
 */
static svipc_status create_socket_file(int fd, const char* path, const struct sockaddr_un* address,
                                       socklen_t address_length)
{
    (void)address;
    (void)address_length;
    static const char directory_name[] = ".svipc-XXXXXX";
    static const char socket_name[] = "/s";
    char private_path[sizeof(((struct sockaddr_un*)0)->sun_path)];
    const char* slash = strrchr(path, '/');
    size_t parent_length = slash == NULL ? 0 : (size_t)(slash - path) + 1;
    if (parent_length + sizeof(directory_name) - 1 + sizeof(socket_name) > sizeof(private_path))
    {
        return SVIPC_PATH_TOO_LONG;
    }
    memcpy(private_path, path, parent_length);
    memcpy(private_path + parent_length, directory_name, sizeof(directory_name));
    if (mkdtemp(private_path) == NULL)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    size_t directory_length = strlen(private_path);
    memcpy(private_path + directory_length, socket_name, sizeof(socket_name));

    struct sockaddr_un private_address;
    socklen_t private_length = 0;
    svipc_status status = svipc_make_address(private_path, &private_address, &private_length);
    if (status == SVIPC_OK)
    {
        status = SVIPC_SYSTEM_ERROR;
        if (bind(fd, (const struct sockaddr*)&private_address, private_length) == 0)
        {
            if (chmod(private_path, S_IRUSR | S_IWUSR) == 0 && link(private_path, path) == 0)
            {
                status = SVIPC_OK;
            }
            else if (errno == EEXIST)
            {
                status = SVIPC_ADDRESS_IN_USE;
            }
            int saved = errno;
            (void)unlink(private_path);
            errno = saved;
        }
    }
    int saved = errno;
    private_path[directory_length] = '\0';
    (void)rmdir(private_path);
    errno = saved;
    return status;
}

#endif

/* Takes ownership of fd and of lock_fd (bind_lock.c): on failure both are closed and the lock file removed. */
static svipc_status finish_listener(int fd, int lock_fd, const char* path, svipc_socket** listener)
{
    struct stat created;
    if (lstat(path, &created) != 0)
    {
        svipc_close_preserving_errno(fd);
        svipc_release_bind_lock(path, lock_fd, true);
        return SVIPC_SYSTEM_ERROR;
    }
    svipc_socket* socket = NULL;
    svipc_status status = svipc_socket_wrap(fd, true, &socket);
    if (status != SVIPC_OK)
    {
        svipc_close_preserving_errno(fd);
        svipc_release_bind_lock(path, lock_fd, true);
        return status;
    }
    socket->bind_lock_fd = lock_fd;
    socket->bound_path = strdup(path);
    socket->bound_device = created.st_dev;
    socket->bound_inode = created.st_ino;
    socket->bound_by = getpid();
    if (socket->bound_path == NULL)
    {
        errno = ENOMEM;
        status = SVIPC_SYSTEM_ERROR;
    }
    /* Non-blocking so that accept never hangs on a connection that vanished between poll and accept. */
    else if (listen(fd, SOMAXCONN) != 0 || svipc_set_blocking(fd, false) != 0)
    {
        status = SVIPC_SYSTEM_ERROR;
    }
    else
    {
        int wake[2];
        if (svipc_open_wake_pipe(wake) != 0)
        {
            status = SVIPC_SYSTEM_ERROR;
        }
        else
        {
            socket->wake_read_fd = wake[0];
            socket->wake_write_fd = wake[1];
        }
    }
    if (status != SVIPC_OK)
    {
        if (socket->bound_path == NULL)
        {
            /* Without the path copy close cannot unlink; do it here, still only if the inode is ours. */
            struct stat now;
            if (lstat(path, &now) == 0 && now.st_dev == created.st_dev && now.st_ino == created.st_ino)
            {
                (void)unlink(path);
            }
            int saved = errno;
            svipc_release_bind_lock(path, socket->bind_lock_fd, true);
            socket->bind_lock_fd = SVIPC_NO_DESCRIPTOR_VALUE;
            errno = saved;
        }
        svipc_close(socket);
        return status;
    }
    *listener = socket;
    return SVIPC_OK;
}

svipc_status svipc_bind(const char* path, svipc_socket** listener)
{
    if (listener == NULL)
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
    /* First the lock: while another binder holds it the path is live, and nothing at it is touched. */
    int lock_fd = SVIPC_NO_DESCRIPTOR_VALUE;
    status = svipc_take_bind_lock(path, &lock_fd);
    if (status != SVIPC_OK)
    {
        return status;
    }
    for (int attempt = 0; attempt < SVIPC_BIND_ATTEMPTS; attempt++)
    {
        int fd = svipc_open_stream_socket();
        if (fd < 0)
        {
            break;
        }
        status = create_socket_file(fd, path, &address, address_length);
        if (status == SVIPC_OK)
        {
            return finish_listener(fd, lock_fd, path, listener);
        }
        svipc_close_preserving_errno(fd);
        if (status != SVIPC_ADDRESS_IN_USE)
        {
            break;
        }
        /* We hold the lock, so no binder of this library is alive at path; the probe still protects others'. */
        status = svipc_clear_stale_socket(path);
        if (status != SVIPC_OK)
        {
            break;
        }
        errno = EADDRINUSE;
        status = SVIPC_ADDRESS_IN_USE;
    }
    if (status == SVIPC_OK)
    {
        status = SVIPC_SYSTEM_ERROR; /* the socket could not be created: errno says why */
    }
    svipc_release_bind_lock(path, lock_fd, true);
    return status;
}

static int accept_connection(int listener_fd)
{
#if defined(__linux__)
    return accept4(listener_fd, NULL, NULL, SOCK_CLOEXEC);
#else
    int fd = accept(listener_fd, NULL, NULL);
    if (fd < 0)
    {
        return -1;
    }
    /* BSD accept inherits O_NONBLOCK from the listener; connections are blocking with timeouts. */
    if (svipc_configure_socket(fd) != 0 || svipc_set_blocking(fd, true) != 0)
    {
        svipc_close_preserving_errno(fd);
        return -1;
    }
    return fd;
#endif
}

/* How long poll may wait: -1 without limit, or the time left; false once the deadline has passed. */
static bool time_left(int32_t timeout_ms, int64_t deadline, int* wait)
{
    if (timeout_ms == SVIPC_INFINITE_TIMEOUT)
    {
        *wait = -1;
        return true;
    }
    int64_t remaining = deadline - svipc_monotonic_ms();
    if (remaining <= 0)
    {
        return false;
    }
    *wait = remaining > INT_MAX ? INT_MAX : (int)remaining;
    return true;
}

svipc_status svipc_accept(svipc_socket* listener, int32_t timeout_ms, svipc_socket** connection)
{
    if (listener == NULL || !listener->is_listener || connection == NULL || timeout_ms < SVIPC_INFINITE_TIMEOUT)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    int64_t deadline = svipc_monotonic_ms() + (timeout_ms > 0 ? timeout_ms : 0);
    for (;;)
    {
        if (svipc_is_shut_down(listener))
        {
            return SVIPC_SHUT_DOWN;
        }
        int fd = accept_connection(listener->fd);
        if (fd >= 0)
        {
            svipc_status status = svipc_socket_wrap(fd, false, connection);
            if (status != SVIPC_OK)
            {
                svipc_close_preserving_errno(fd);
            }
            return status;
        }
        if (errno == EINTR || errno == ECONNABORTED)
        {
            continue;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK)
        {
            return svipc_status_from_errno(listener, errno);
        }
        if (svipc_in_nonblocking_mode(listener))
        {
            /* The caller's loop waits for the listener to become readable; timeout_ms does not apply. */
            errno = EAGAIN;
            return SVIPC_WOULD_BLOCK;
        }
        int wait = 0;
        if (!time_left(timeout_ms, deadline, &wait))
        {
            errno = EAGAIN;
            return SVIPC_TIMEOUT;
        }
        /* The second entry is the shutdown wake-up (svipc_internal.h); it is never drained: once shut down,
         * every accept returns at the top of the loop. */
        struct pollfd entries[2] = {
            { .fd = listener->fd, .events = POLLIN, .revents = 0 },
            { .fd = listener->wake_read_fd, .events = POLLIN, .revents = 0 },
        };
        nfds_t entry_count = listener->wake_read_fd >= 0 ? 2 : 1;
        int ready = poll(entries, entry_count, wait);
        if (ready < 0 && errno != EINTR)
        {
            return svipc_status_from_errno(listener, errno);
        }
        const struct pollfd entry = entries[0];
        if (ready > 0 && (entry.revents & POLLIN) == 0 && (entry.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0)
        {
            /* A listener that hangs up without a pending connection will never produce one. */
            if (svipc_is_shut_down(listener))
            {
                return SVIPC_SHUT_DOWN;
            }
            errno = ECONNABORTED;
            return SVIPC_SYSTEM_ERROR;
        }
    }
}

svipc_status svipc_bind_and_accept(const char* path, int32_t timeout_ms, svipc_socket** connection)
{
    if (connection == NULL)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    svipc_socket* listener = NULL;
    svipc_status status = svipc_bind(path, &listener);
    if (status != SVIPC_OK)
    {
        return status;
    }
    svipc_socket* accepted = NULL;
    status = svipc_accept(listener, timeout_ms, &accepted);
    if (status == SVIPC_OK)
    {
        /* The path outlives the listener: the connection now owns it and unlinks it on close. */
        accepted->bound_path = listener->bound_path;
        accepted->bound_device = listener->bound_device;
        accepted->bound_inode = listener->bound_inode;
        accepted->bound_by = listener->bound_by;
        accepted->bind_lock_fd = listener->bind_lock_fd;
        listener->bound_path = NULL;
        listener->bind_lock_fd = SVIPC_NO_DESCRIPTOR_VALUE;
        *connection = accepted;
    }
    int saved = errno;
    svipc_close(listener);
    errno = saved;
    return status;
}
