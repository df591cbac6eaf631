/*
 * Deciding what sits at a path we want to bind: a stale socket file (nothing
 * listening) may be removed; a live socket or any other kind of file is left alone.
 */
#include "svipc_internal.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

static bool same_file(const struct stat* a, const struct stat* b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

svipc_status svipc_clear_stale_socket(const char* path)
{
    struct stat before;
    if (lstat(path, &before) != 0)
    {
        return errno == ENOENT ? SVIPC_OK : SVIPC_SYSTEM_ERROR;
    }
    if (!S_ISSOCK(before.st_mode))
    {
        errno = EEXIST;
        return SVIPC_ADDRESS_IN_USE;
    }
    struct sockaddr_un address;
    socklen_t address_length = 0;
    svipc_status status = svipc_make_address(path, &address, &address_length);
    if (status != SVIPC_OK)
    {
        return status;
    }
    int probe = svipc_open_stream_socket();
    if (probe < 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    /* Non-blocking so that a live listener with a full backlog answers EAGAIN instead of blocking us. */
    if (svipc_set_blocking(probe, false) != 0)
    {
        svipc_close_preserving_errno(probe);
        return SVIPC_SYSTEM_ERROR;
    }
    int result = connect(probe, (const struct sockaddr*)&address, address_length);
    int error = result == 0 ? 0 : errno;
    svipc_close_preserving_errno(probe);
    if (error == ENOENT)
    {
        return SVIPC_OK;
    }
    if (error != ECONNREFUSED)
    {
        /* Someone accepts (or will accept) connections here: a live socket. */
        errno = EADDRINUSE;
        return SVIPC_ADDRESS_IN_USE;
    }
    struct stat now;
    /* Remove only the very file we probed; if it changed meanwhile, the caller's next bind attempt decides again. */
    if (lstat(path, &now) == 0 && S_ISSOCK(now.st_mode) && same_file(&before, &now) && unlink(path) != 0 &&
        errno != ENOENT)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    return SVIPC_OK;
}
