/*
 * The advisory lock that marks a bound path as live: <path>.lock, held with flock() by whoever bound the path
 * (the listener, or the connection svipc_bind_and_accept hands the path to) until it is closed, as Wayland
 * compositors do with <socket>.lock.
 *
 * Why not ask the socket itself: a probing connect cannot tell a busy listener from a dead one on every
 * system. Linux answers EAGAIN when the backlog is full, but XNU answers ECONNREFUSED once the queue is past
 * 3/2 of its limit, which is also the answer of a socket file nobody listens on; a listener that is shut down
 * refuses on both. A lock is released by the kernel when its holder closes it or dies, so "nobody holds the
 * lock" is exactly "no live binder": svipc_bind removes an existing socket file only while it holds the lock
 * itself (stale_socket.c still probes, for listeners of programs that take no lock).
 */
#include "svipc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char lock_suffix[] = ".lock";

char* svipc_lock_path_for(const char* path)
{
    size_t length = strlen(path);
    char* lock_path = malloc(length + sizeof(lock_suffix));
    if (lock_path == NULL)
    {
        errno = ENOMEM;
        return NULL;
    }
    memcpy(lock_path, path, length);
    memcpy(lock_path + length, lock_suffix, sizeof(lock_suffix));
    return lock_path;
}

/* Enough for a holder that releases and unlinks the lock while we open it to be passed by. */
#define SVIPC_LOCK_ATTEMPTS 8

svipc_status svipc_take_bind_lock(const char* path, int* lock_fd)
{
    char* lock_path = svipc_lock_path_for(path);
    if (lock_path == NULL)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    svipc_status status = SVIPC_ADDRESS_IN_USE;
    for (int attempt = 0; attempt < SVIPC_LOCK_ATTEMPTS; attempt++)
    {
        /* O_NOFOLLOW: a symlink planted at the lock path must not make us create or lock a file elsewhere. */
        int fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, S_IRUSR | S_IWUSR);
        if (fd < 0)
        {
            status = SVIPC_SYSTEM_ERROR;
            break;
        }
        if (flock(fd, LOCK_EX | LOCK_NB) != 0)
        {
            int error = errno;
            svipc_close_preserving_errno(fd);
            if (error == EWOULDBLOCK || error == EAGAIN)
            {
                /* A live binder holds it: the path is in use whatever a probe of the socket would say. */
                errno = EADDRINUSE;
                status = SVIPC_ADDRESS_IN_USE;
            }
            else
            {
                errno = error;
                status = SVIPC_SYSTEM_ERROR;
            }
            break;
        }
        /*
         * The holder before us unlinks the lock file before it releases it, so a lock taken on a file that is no
         * longer at the path protects nothing: someone may already hold the file that is there now. Try again.
         */
        struct stat held;
        struct stat there;
        if (fstat(fd, &held) == 0 && lstat(lock_path, &there) == 0 && held.st_dev == there.st_dev &&
            held.st_ino == there.st_ino)
        {
            if (!S_ISREG(held.st_mode))
            {
                svipc_close_preserving_errno(fd);
                errno = EEXIST;
                status = SVIPC_ADDRESS_IN_USE;
                break;
            }
            *lock_fd = fd;
            status = SVIPC_OK;
            break;
        }
        svipc_close_preserving_errno(fd);
        errno = EADDRINUSE;
        status = SVIPC_ADDRESS_IN_USE;
    }
    int saved = errno;
    free(lock_path);
    errno = saved;
    return status;
}

void svipc_release_bind_lock(const char* path, int lock_fd, bool remove_file)
{
    if (lock_fd < 0)
    {
        return;
    }
    int saved = errno;
    if (remove_file && path != NULL)
    {
        char* lock_path = svipc_lock_path_for(path);
        struct stat held;
        struct stat there;
        /* Unlinked while still held (see svipc_take_bind_lock), and only if it is still our file. */
        if (lock_path != NULL && fstat(lock_fd, &held) == 0 && lstat(lock_path, &there) == 0 &&
            held.st_dev == there.st_dev && held.st_ino == there.st_ino)
        {
            (void)unlink(lock_path);
        }
        free(lock_path);
    }
    (void)close(lock_fd);
    errno = saved;
}
