/* The end of an svipc_socket: shutdown (any thread) and close (releasing everything it holds). */
#include "svipc_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

svipc_status svipc_shutdown(svipc_socket* socket)
{
    if (socket == NULL)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    /* The flag goes first so that a call woken by the shutdown reports why it woke. */
    atomic_store(&socket->shut_down, true);
    if (socket->wake_write_fd >= 0)
    {
        /* Wakes svipc_accept's poll (see svipc_internal.h). A full pipe already wakes it: EAGAIN is fine. */
        static const char wake = 1;
        ssize_t written;
        do
        {
            written = write(socket->wake_write_fd, &wake, 1);
        } while (written < 0 && errno == EINTR);
        if (written < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        {
            return SVIPC_SYSTEM_ERROR;
        }
    }
    /* ENOTCONN: a listener (macOS says so for every listener), or a peer already gone; the flag still holds. */
    if (shutdown(socket->fd, SHUT_RDWR) != 0 && errno != ENOTCONN)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    return SVIPC_OK;
}

static void unlink_if_still_ours(const svipc_socket* socket)
{
    if (socket->bound_by != getpid())
    {
        return;
    }
    struct stat status;
    /* Another process may have replaced the file since bind; only our own inode is removed. */
    if (lstat(socket->bound_path, &status) == 0 && S_ISSOCK(status.st_mode) &&
        status.st_dev == socket->bound_device && status.st_ino == socket->bound_inode)
    {
        (void)unlink(socket->bound_path);
    }
}

void svipc_close(svipc_socket* socket)
{
    if (socket == NULL)
    {
        return;
    }
    int saved = errno;
    if (socket->bound_path != NULL)
    {
        unlink_if_still_ours(socket);
        /* After the socket file: until the lock goes, no other binder may decide the path is free. */
        svipc_release_bind_lock(socket->bound_path, socket->bind_lock_fd, socket->bound_by == getpid());
        free(socket->bound_path);
    }
    else
    {
        svipc_release_bind_lock(NULL, socket->bind_lock_fd, false);
    }
    svipc_release_receive_state(socket);
    svipc_release_send_state(socket);
    svipc_close_preserving_errno(socket->wake_read_fd);
    svipc_close_preserving_errno(socket->wake_write_fd);
    svipc_close_preserving_errno(socket->fd);
    free(socket);
    errno = saved;
}
