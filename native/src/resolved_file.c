/* What a resolution yields: the identity and path text for the decision, and the open after it. */
#include "confinement_internal.h"
#include "svipc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Static_assert(SVIPC_ACCESS_READ == 0 && SVIPC_ACCESS_WRITE == 1 && SVIPC_ACCESS_READ_WRITE == 2,
               "access values mirror the protocol's AccessMode order");
_Static_assert(SVIPC_NOT_CONFINED == 16, "status values are stable across releases");

SVIPC_API svipc_status svipc_resolved_file_identity(const svipc_resolved_file* resolved, svipc_file_identity* identity)
{
    if (resolved == NULL || identity == NULL)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    identity->device = (uint64_t)resolved->info.st_dev;
    identity->inode = (uint64_t)resolved->info.st_ino;
    identity->mode = (uint32_t)resolved->info.st_mode;
    identity->uid = (uint32_t)resolved->info.st_uid;
    identity->gid = (uint32_t)resolved->info.st_gid;
    /* nlink_t is 16, 32 or 64 bits depending on the system: saturate without a comparison the compiler calls constant. */
    uint64_t links = (uint64_t)resolved->info.st_nlink;
    identity->link_count = (links >> 32) != 0 ? UINT32_MAX : (uint32_t)links;
    identity->root_index = resolved->root_index;
    return SVIPC_OK;
}

SVIPC_API svipc_status svipc_resolved_file_path(const svipc_resolved_file* resolved, char* buffer, uint32_t capacity,
                                                uint32_t* length)
{
    if (resolved == NULL || length == NULL || (buffer == NULL && capacity != 0))
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    *length = (uint32_t)resolved->path_length;
    if ((size_t)capacity <= resolved->path_length)
    {
        return SVIPC_BUFFER_TOO_SMALL;
    }
    memcpy(buffer, resolved->path, resolved->path_length + 1);
    return SVIPC_OK;
}

static int open_flags(int32_t access, int* flags)
{
    switch (access)
    {
        case SVIPC_ACCESS_READ: *flags = O_RDONLY; return 1;
        case SVIPC_ACCESS_WRITE: *flags = O_WRONLY; return 1;
        case SVIPC_ACCESS_READ_WRITE: *flags = O_RDWR; return 1;
        default: return 0;
    }
}

SVIPC_API svipc_status svipc_resolved_file_open(const svipc_resolved_file* resolved, int32_t access, int32_t* fd)
{
    int flags = 0;
    if (resolved == NULL || fd == NULL || !open_flags(access, &flags))
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    /*
     * By name in the held parent, the last component not followed: only what now stands at that name. Opened
     * non-blocking so that, should a FIFO have been put there since the resolution, the open cannot wait for a
     * writer; the identity check below then refuses it.
     */
    int opened = openat(resolved->parent_fd, resolved->name, flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
    if (opened < 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    struct stat info;
    svipc_status status = SVIPC_OK;
    int error = 0;
    if (fstat(opened, &info) != 0)
    {
        status = SVIPC_SYSTEM_ERROR;
        error = errno;
    }
    else if (info.st_dev != resolved->info.st_dev || info.st_ino != resolved->info.st_ino)
    {
        status = SVIPC_NOT_CONFINED;
        error = ESTALE;
    }
    else if (svipc_set_blocking(opened, true) != 0)
    {
        status = SVIPC_SYSTEM_ERROR;
        error = errno;
    }
    if (status != SVIPC_OK)
    {
        svipc_close_preserving_errno(opened);
        errno = error;
        return status;
    }
    *fd = (int32_t)opened;
    return SVIPC_OK;
}

SVIPC_API void svipc_resolved_file_free(svipc_resolved_file* resolved)
{
    if (resolved == NULL)
    {
        return;
    }
    svipc_close_preserving_errno(resolved->parent_fd);
    int saved = errno;
    free(resolved->name);
    free(resolved->path);
    free(resolved);
    errno = saved;
}
