/*
 * svipc_open_confined: how a supervisor opens a path it decided to grant.
 *
 * The decision was taken on a string; what matters is the file the kernel
 * actually opens. So the file is opened first (no symlink as last component,
 * never blocking on a FIFO, never creating anything) and then the path of the
 * opened descriptor, as the kernel reports it, must lie inside one of the
 * allowed roots, compared component by component after resolving the roots.
 */
#include "supervisor_ipc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(SVIPC_ACCESS_READ == 0 && SVIPC_ACCESS_WRITE == 1 && SVIPC_ACCESS_READ_WRITE == 2,
               "access values mirror the protocol's AccessMode order");
_Static_assert(SVIPC_NOT_CONFINED == 16, "status values are stable across releases");

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

/* The path of what fd refers to, as the kernel reports it. */
static int descriptor_path(int fd, char* path, size_t capacity)
{
#if defined(__APPLE__)
    if (capacity < PATH_MAX || fcntl(fd, F_GETPATH, path) != 0)
    {
        return 0;
    }
    return 1;
#else
    char link[64];
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, path, capacity - 1);
    if (length <= 0 || (size_t)length >= capacity - 1)
    {
        if (length >= 0)
        {
            errno = ENAMETOOLONG;
        }
        return 0;
    }
    path[length] = '\0';
    return 1;
#endif
}

/* True when path equals root or lies below it, component-wise ("/a/bc" is not inside "/a/b"). */
static int is_inside(const char* path, const char* root)
{
    size_t root_length = strlen(root);
    while (root_length > 1 && root[root_length - 1] == '/')
    {
        root_length--;
    }
    if (root_length == 1 && root[0] == '/')
    {
        return path[0] == '/';
    }
    return strncmp(path, root, root_length) == 0 && (path[root_length] == '\0' || path[root_length] == '/');
}

static int inside_any_root(const char* opened, const char* const* roots, uint32_t root_count)
{
    char resolved[PATH_MAX];
    for (uint32_t i = 0; i < root_count; i++)
    {
        /* A root that does not exist (now) confines nothing; one that is a symlink counts where it leads. */
        if (roots[i] != NULL && roots[i][0] == '/' && realpath(roots[i], resolved) != NULL && is_inside(opened, resolved))
        {
            return 1;
        }
    }
    return 0;
}

SVIPC_API svipc_status svipc_open_confined(const char* path, int32_t access, const char* const* roots,
                                           uint32_t root_count, int32_t* fd)
{
    int flags = 0;
    if (path == NULL || path[0] != '/' || !open_flags(access, &flags) || roots == NULL || root_count == 0 || fd == NULL)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }

    /* O_NONBLOCK only for the open itself, so that a FIFO cannot hold the supervisor; cleared below. */
    int opened = open(path, flags | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK);
    if (opened < 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }

    svipc_status status = SVIPC_OK;
    int error = 0;
    struct stat info;
    char actual[PATH_MAX];
    if (fstat(opened, &info) != 0)
    {
        error = errno;
        status = SVIPC_SYSTEM_ERROR;
    }
    else if (!S_ISREG(info.st_mode))
    {
        error = EINVAL;
        status = SVIPC_UNSUPPORTED;
    }
    else if (fcntl(opened, F_SETFL, fcntl(opened, F_GETFL) & ~O_NONBLOCK) != 0)
    {
        error = errno;
        status = SVIPC_SYSTEM_ERROR;
    }
    else if (!descriptor_path(opened, actual, sizeof(actual)))
    {
        error = errno;
        status = SVIPC_SYSTEM_ERROR;
    }
    else if (!inside_any_root(actual, roots, root_count))
    {
        error = EACCES;
        status = SVIPC_NOT_CONFINED;
    }

    if (status != SVIPC_OK)
    {
        close(opened);
        errno = error;
        return status;
    }
    *fd = (int32_t)opened;
    return SVIPC_OK;
}
