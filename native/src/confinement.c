/*
 * svipc_confinement: the roots a supervisor grants from, opened once and held,
 * and the resolution of a request beneath them. Which roots a request is tried
 * under is decided on its text (a root contains the request when its
 * components are the request's first components); what the request leads to is
 * decided by the walk and the kernel beneath each root's descriptor.
 */
#include "confinement_internal.h"
#include "svipc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(O_PATH)
#define ROOT_OPEN_FLAGS (O_PATH | O_CLOEXEC)
#elif defined(O_SEARCH)
#define ROOT_OPEN_FLAGS (O_SEARCH | O_CLOEXEC)
#else
#define ROOT_OPEN_FLAGS (O_RDONLY | O_CLOEXEC)
#endif

static svipc_status fail(svipc_status status, int error)
{
    errno = error;
    return status;
}

static void free_root(svipc_confinement_root* root)
{
    svipc_close_preserving_errno(root->fd);
    int saved = errno;
    free(root->path);
    free(root->file_name);
    errno = saved;
}

/* A file root is held as the directory that contains it, its name and its identity at creation. */
static svipc_status hold_file_root(svipc_confinement_root* root, const struct stat* info)
{
    char* slash = strrchr(root->path, '/');
    size_t parent_length = slash == root->path ? 1 : (size_t)(slash - root->path);
    char parent[PATH_MAX];
    memcpy(parent, root->path, parent_length);
    parent[parent_length] = '\0';
    root->file_name = strdup(slash + 1);
    if (root->file_name == NULL)
    {
        return fail(SVIPC_SYSTEM_ERROR, ENOMEM);
    }
    root->fd = open(parent, ROOT_OPEN_FLAGS | O_DIRECTORY);
    struct stat held;
    if (root->fd < 0 || fstatat(root->fd, root->file_name, &held, AT_SYMLINK_NOFOLLOW) != 0)
    {
        return fail(SVIPC_INVALID_ARGUMENT, errno);
    }
    if (held.st_dev != info->st_dev || held.st_ino != info->st_ino)
    {
        return fail(SVIPC_INVALID_ARGUMENT, ESTALE);
    }
    return SVIPC_OK;
}

static svipc_status hold_root(const char* given, svipc_confinement_root* root)
{
    root->fd = -1;
    if (given == NULL || given[0] != '/')
    {
        return fail(SVIPC_INVALID_ARGUMENT, EINVAL);
    }
    char resolved[PATH_MAX];
    if (realpath(given, resolved) == NULL)
    {
        return fail(SVIPC_INVALID_ARGUMENT, errno);
    }
    root->path_length = strlen(resolved);
    root->path = strdup(resolved);
    if (root->path == NULL)
    {
        return fail(SVIPC_SYSTEM_ERROR, ENOMEM);
    }
    struct stat info;
    if (stat(root->path, &info) != 0)
    {
        return fail(SVIPC_INVALID_ARGUMENT, errno);
    }
    root->device = info.st_dev;
    root->inode = info.st_ino;
    if (S_ISREG(info.st_mode))
    {
        return hold_file_root(root, &info);
    }
    if (!S_ISDIR(info.st_mode))
    {
        return fail(SVIPC_INVALID_ARGUMENT, EINVAL);
    }
    root->is_directory = true;
    root->fd = open(root->path, ROOT_OPEN_FLAGS | O_DIRECTORY | O_NOFOLLOW);
    struct stat held;
    if (root->fd < 0 || fstat(root->fd, &held) != 0)
    {
        return fail(SVIPC_INVALID_ARGUMENT, errno);
    }
    if (held.st_dev != info.st_dev || held.st_ino != info.st_ino)
    {
        return fail(SVIPC_INVALID_ARGUMENT, ESTALE);
    }
    return SVIPC_OK;
}

SVIPC_API svipc_status svipc_confinement_create(const char* const* roots, uint32_t root_count, uint32_t flags,
                                                svipc_confinement** confinement)
{
    const uint32_t known_flags = SVIPC_CONFINE_NO_XDEV | SVIPC_CONFINE_ALLOW_HARD_LINKS | SVIPC_CONFINE_WALK_ONLY;
    if (roots == NULL || root_count == 0 || confinement == NULL || (flags & ~known_flags) != 0)
    {
        return fail(SVIPC_INVALID_ARGUMENT, EINVAL);
    }
    *confinement = NULL;
    svipc_confinement* created = calloc(1, sizeof(*created));
    svipc_confinement_root* held = calloc(root_count, sizeof(*held));
    if (created == NULL || held == NULL)
    {
        free(created);
        free(held);
        return fail(SVIPC_SYSTEM_ERROR, ENOMEM);
    }
    created->flags = flags;
    created->roots = held;
    for (uint32_t i = 0; i < root_count; i++)
    {
        svipc_status status = hold_root(roots[i], &held[i]);
        created->root_count = i + 1;
        if (status != SVIPC_OK)
        {
            svipc_confinement_free(created);
            return status;
        }
    }
    *confinement = created;
    return SVIPC_OK;
}

SVIPC_API void svipc_confinement_free(svipc_confinement* confinement)
{
    if (confinement == NULL)
    {
        return;
    }
    for (uint32_t i = 0; i < confinement->root_count; i++)
    {
        free_root(&confinement->roots[i]);
    }
    int saved = errno;
    free(confinement->roots);
    free(confinement);
    errno = saved;
}

/*
 * When root's components are the first components of path (".", "" skipped),
 * returns what follows them in path (without leading '/'); NULL otherwise. A ".."
 * before the root's components are all matched means no match: what it would
 * name is decided by text, which is never trusted.
 */
static const char* remainder_beneath(const char* path, const svipc_confinement_root* root)
{
    const char* request = path;
    const char* root_cursor = root->path;
    while (true)
    {
        while (*root_cursor == '/')
        {
            root_cursor++;
        }
        while (*request == '/' || (request[0] == '.' && (request[1] == '/' || request[1] == '\0')))
        {
            request++;
        }
        if (*root_cursor == '\0')
        {
            return request;
        }
        size_t root_length = strcspn(root_cursor, "/");
        size_t request_length = strcspn(request, "/");
        if (root_length != request_length || memcmp(root_cursor, request, root_length) != 0)
        {
            return NULL;
        }
        root_cursor += root_length;
        request += request_length;
    }
}

static svipc_status resolve_in_file_root(const svipc_confinement_root* root, svipc_resolved_file* resolved)
{
    struct stat info;
    if (fstatat(root->fd, root->file_name, &info, AT_SYMLINK_NOFOLLOW) != 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    if (info.st_dev != root->device || info.st_ino != root->inode)
    {
        /* Something else stands at the root's name now: the root is the file that was there at creation. */
        return fail(SVIPC_NOT_CONFINED, ESTALE);
    }
    resolved->parent_fd = fcntl(root->fd, F_DUPFD_CLOEXEC, 0);
    resolved->name = strdup(root->file_name);
    resolved->path = strdup(root->path);
    if (resolved->parent_fd < 0 || resolved->name == NULL || resolved->path == NULL)
    {
        return fail(SVIPC_SYSTEM_ERROR, resolved->parent_fd < 0 ? errno : ENOMEM);
    }
    resolved->path_length = root->path_length;
    resolved->info = info;
    return SVIPC_OK;
}

static svipc_status check_kind(const svipc_confinement* confinement, const svipc_resolved_file* resolved)
{
    if (!S_ISREG(resolved->info.st_mode))
    {
        return fail(SVIPC_UNSUPPORTED, EINVAL);
    }
    if (resolved->info.st_nlink > 1 && (confinement->flags & SVIPC_CONFINE_ALLOW_HARD_LINKS) == 0)
    {
        /* Another name of this file may lie outside every root; a link count cannot tell where. */
        return fail(SVIPC_NOT_CONFINED, EMLINK);
    }
    return SVIPC_OK;
}

static svipc_status resolve_in_root(const svipc_confinement* confinement, uint32_t index, const char* relative,
                                    svipc_resolved_file* resolved)
{
    const svipc_confinement_root* root = &confinement->roots[index];
    resolved->root_index = index;
    if (!root->is_directory)
    {
        /* Only the file itself is beneath a file root. */
        svipc_status in_file = *relative == '\0' ? resolve_in_file_root(root, resolved) : fail(SVIPC_NOT_CONFINED, EACCES);
        return in_file == SVIPC_OK ? check_kind(confinement, resolved) : in_file;
    }
    svipc_status status = svipc_walk_beneath(root, confinement->flags, relative, resolved);
    if (status == SVIPC_OK)
    {
        /* Before the kernel's check: not even an O_PATH handle is taken on a FIFO or a device. */
        status = check_kind(confinement, resolved);
    }
    if (status != SVIPC_OK)
    {
        return status;
    }
    if ((confinement->flags & SVIPC_CONFINE_WALK_ONLY) == 0)
    {
        svipc_status confirmed = svipc_kernel_confirms_beneath(root, confinement->flags, relative, &resolved->info);
        if (confirmed != SVIPC_OK && confirmed != SVIPC_UNSUPPORTED)
        {
            return confirmed;
        }
    }
    return SVIPC_OK;
}

static void release_resolution(svipc_resolved_file* resolved)
{
    svipc_close_preserving_errno(resolved->parent_fd);
    int saved = errno;
    free(resolved->name);
    free(resolved->path);
    memset(resolved, 0, sizeof(*resolved));
    resolved->parent_fd = -1;
    errno = saved;
}

SVIPC_API svipc_status svipc_confinement_resolve(const svipc_confinement* confinement, const char* path,
                                                 svipc_resolved_file** resolved)
{
    if (confinement == NULL || path == NULL || path[0] != '/' || resolved == NULL)
    {
        return fail(SVIPC_INVALID_ARGUMENT, EINVAL);
    }
    *resolved = NULL;
    svipc_resolved_file* result = calloc(1, sizeof(*result));
    if (result == NULL)
    {
        return fail(SVIPC_SYSTEM_ERROR, ENOMEM);
    }
    result->parent_fd = -1;

    /* Longest root first: the most specific root that can resolve the request wins. */
    svipc_status first_failure = SVIPC_NOT_CONFINED;
    int first_errno = EACCES;
    bool tried = false;
    bool* used = calloc(confinement->root_count, sizeof(bool));
    if (used == NULL)
    {
        free(result);
        return fail(SVIPC_SYSTEM_ERROR, ENOMEM);
    }
    for (uint32_t round = 0; round < confinement->root_count; round++)
    {
        uint32_t best = UINT32_MAX;
        const char* best_remainder = NULL;
        for (uint32_t i = 0; i < confinement->root_count; i++)
        {
            const char* remainder = used[i] ? NULL : remainder_beneath(path, &confinement->roots[i]);
            if (remainder != NULL &&
                (best == UINT32_MAX || confinement->roots[i].path_length > confinement->roots[best].path_length))
            {
                best = i;
                best_remainder = remainder;
            }
        }
        if (best == UINT32_MAX)
        {
            break;
        }
        used[best] = true;
        svipc_status status = resolve_in_root(confinement, best, best_remainder, result);
        if (status == SVIPC_OK)
        {
            free(used);
            *resolved = result;
            return SVIPC_OK;
        }
        if (!tried)
        {
            first_failure = status;
            first_errno = errno;
            tried = true;
        }
        release_resolution(result);
    }
    free(result);
    free(used);
    return fail(first_failure, first_errno);
}
