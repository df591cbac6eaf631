/*
 * The portable resolution beneath a held root: one component at a time from the
 * root's descriptor, never following a symlink in the kernel (O_NOFOLLOW /
 * AT_SYMLINK_NOFOLLOW). A relative symlink is read and its text put in front of
 * what is left, so it is followed only as far as the components stay beneath;
 * an absolute one (which includes every /proc magic link that names a file) and
 * ".." above the root are refused. Every directory is held as a descriptor
 * while the walk is below it, so ".." means "the directory held one level up",
 * never a lookup by name, and nothing the walk decides on comes from path text
 * the kernel produced.
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
/* Needs only search permission and opens nothing for reading. */
#define WALK_DIRECTORY_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#elif defined(O_SEARCH)
#define WALK_DIRECTORY_FLAGS (O_SEARCH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#else
#define WALK_DIRECTORY_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
#endif

/* What is left to walk, symlink texts included: bounded so that a symlink chain cannot grow it without limit. */
#define WALK_PENDING_CAPACITY (2 * PATH_MAX)
/* Directories below the root held at once; a deeper request is refused as too long. */
#define WALK_MAX_DEPTH (PATH_MAX / 2)

typedef struct walk_state
{
    int* directories;      /* [0] is the root's descriptor (borrowed); the others are owned */
    size_t* text_lengths;  /* length of text before the name of directories[i] was appended */
    size_t depth;
    char* text;
    size_t text_length;
    size_t text_capacity;
    char pending[WALK_PENDING_CAPACITY];
} walk_state;

static svipc_status fail(svipc_status status, int error)
{
    errno = error;
    return status;
}

static void release_state(walk_state* state)
{
    for (size_t i = 1; i <= state->depth; i++)
    {
        svipc_close_preserving_errno(state->directories[i]);
    }
    int saved = errno;
    free(state->directories);
    free(state->text_lengths);
    free(state->text);
    errno = saved;
}

static svipc_status append_text(walk_state* state, const char* name, size_t length)
{
    bool root_is_slash = state->text_length == 1 && state->text[0] == '/';
    size_t separator = root_is_slash ? 0 : 1;
    if (state->text_length + separator + length + 1 > state->text_capacity)
    {
        return fail(SVIPC_SYSTEM_ERROR, ENAMETOOLONG);
    }
    if (separator != 0)
    {
        state->text[state->text_length++] = '/';
    }
    memcpy(state->text + state->text_length, name, length);
    state->text_length += length;
    state->text[state->text_length] = '\0';
    return SVIPC_OK;
}

/* Replaces pending with target + rest (rest points into pending). */
static svipc_status splice_symlink(walk_state* state, const char* target, size_t target_length, const char* rest)
{
    size_t rest_length = strlen(rest);
    /* rest starts with its '/' unless the symlink was the last component, which then stays the last. */
    if (target_length + rest_length + 1 > sizeof(state->pending))
    {
        return fail(SVIPC_SYSTEM_ERROR, ENAMETOOLONG);
    }
    memmove(state->pending + target_length, rest, rest_length + 1);
    memcpy(state->pending, target, target_length);
    return SVIPC_OK;
}

static svipc_status descend(walk_state* state, const char* name, const struct stat* expected)
{
    if (state->depth + 1 >= WALK_MAX_DEPTH)
    {
        return fail(SVIPC_SYSTEM_ERROR, ENAMETOOLONG);
    }
    int current = state->directories[state->depth];
    int next = openat(current, name, WALK_DIRECTORY_FLAGS);
    if (next < 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    struct stat opened;
    if (fstat(next, &opened) != 0 || opened.st_dev != expected->st_dev || opened.st_ino != expected->st_ino)
    {
        /* Replaced between the look and the open: refuse rather than guess which one was meant. */
        svipc_close_preserving_errno(next);
        return fail(SVIPC_NOT_CONFINED, ESTALE);
    }
    size_t before = state->text_length;
    svipc_status appended = append_text(state, name, strlen(name));
    if (appended != SVIPC_OK)
    {
        svipc_close_preserving_errno(next);
        return appended;
    }
    state->depth++;
    state->directories[state->depth] = next;
    state->text_lengths[state->depth] = before;
    return SVIPC_OK;
}

static void ascend(walk_state* state)
{
    svipc_close_preserving_errno(state->directories[state->depth]);
    state->text_length = state->text_lengths[state->depth];
    state->text[state->text_length] = '\0';
    state->depth--;
}

static svipc_status finish(walk_state* state, const char* name, const struct stat* info, svipc_resolved_file* resolved)
{
    svipc_status appended = append_text(state, name, strlen(name));
    if (appended != SVIPC_OK)
    {
        return appended;
    }
    int parent = fcntl(state->directories[state->depth], F_DUPFD_CLOEXEC, 0);
    char* name_copy = strdup(name);
    if (parent < 0 || name_copy == NULL)
    {
        int error = parent < 0 ? errno : ENOMEM;
        svipc_close_preserving_errno(parent);
        free(name_copy);
        return fail(SVIPC_SYSTEM_ERROR, error);
    }
    resolved->parent_fd = parent;
    resolved->name = name_copy;
    resolved->path = state->text;
    resolved->path_length = state->text_length;
    resolved->info = *info;
    state->text = NULL; /* now the resolution's */
    return SVIPC_OK;
}

static svipc_status walk(walk_state* state, const svipc_confinement_root* root, uint32_t flags,
                         svipc_resolved_file* resolved)
{
    unsigned symlinks_followed = 0;
    char* cursor = state->pending;
    while (true)
    {
        while (*cursor == '/')
        {
            cursor++;
        }
        if (*cursor == '\0')
        {
            /* The request names a directory (the root, or one reached by "." / ".." / a trailing '/'). */
            return fail(SVIPC_UNSUPPORTED, EISDIR);
        }
        char* end = strchr(cursor, '/');
        size_t length = end == NULL ? strlen(cursor) : (size_t)(end - cursor);
        if (length > NAME_MAX)
        {
            return fail(SVIPC_SYSTEM_ERROR, ENAMETOOLONG);
        }
        char name[NAME_MAX + 1];
        memcpy(name, cursor, length);
        name[length] = '\0';
        const char* rest = cursor + length;
        /* A trailing '/' asks for a directory: the final name is only the one with nothing at all after it. */
        bool is_last = *rest == '\0';
        cursor += length;

        if (strcmp(name, ".") == 0)
        {
            continue;
        }
        if (strcmp(name, "..") == 0)
        {
            if (state->depth == 0)
            {
                return fail(SVIPC_NOT_CONFINED, EXDEV);
            }
            ascend(state);
            continue;
        }

        struct stat info;
        if (fstatat(state->directories[state->depth], name, &info, AT_SYMLINK_NOFOLLOW) != 0)
        {
            return SVIPC_SYSTEM_ERROR;
        }
        if ((flags & SVIPC_CONFINE_NO_XDEV) != 0 && info.st_dev != root->device)
        {
            return fail(SVIPC_NOT_CONFINED, EXDEV);
        }
        if (S_ISLNK(info.st_mode))
        {
            if (++symlinks_followed > SVIPC_MAX_SYMLINKS)
            {
                return fail(SVIPC_SYSTEM_ERROR, ELOOP);
            }
            char target[PATH_MAX];
            ssize_t target_length = readlinkat(state->directories[state->depth], name, target, sizeof(target));
            if (target_length <= 0)
            {
                return target_length == 0 ? fail(SVIPC_SYSTEM_ERROR, ENOENT) : SVIPC_SYSTEM_ERROR;
            }
            if ((size_t)target_length >= sizeof(target))
            {
                return fail(SVIPC_SYSTEM_ERROR, ENAMETOOLONG);
            }
            if (target[0] == '/')
            {
                return fail(SVIPC_NOT_CONFINED, EXDEV);
            }
            svipc_status spliced = splice_symlink(state, target, (size_t)target_length, rest);
            if (spliced != SVIPC_OK)
            {
                return spliced;
            }
            cursor = state->pending;
            continue;
        }
        if (is_last)
        {
            return finish(state, name, &info, resolved);
        }
        if (!S_ISDIR(info.st_mode))
        {
            return fail(SVIPC_SYSTEM_ERROR, ENOTDIR);
        }
        svipc_status descended = descend(state, name, &info);
        if (descended != SVIPC_OK)
        {
            return descended;
        }
    }
}

svipc_status svipc_walk_beneath(const svipc_confinement_root* root, uint32_t flags, const char* relative,
                                svipc_resolved_file* resolved)
{
    walk_state* state = calloc(1, sizeof(*state));
    if (state == NULL)
    {
        return fail(SVIPC_SYSTEM_ERROR, ENOMEM);
    }
    size_t relative_length = strlen(relative);
    state->text_capacity = root->path_length + WALK_PENDING_CAPACITY + 2;
    state->directories = calloc(WALK_MAX_DEPTH, sizeof(int));
    state->text_lengths = calloc(WALK_MAX_DEPTH, sizeof(size_t));
    state->text = malloc(state->text_capacity);
    svipc_status status;
    if (state->directories == NULL || state->text_lengths == NULL || state->text == NULL)
    {
        status = fail(SVIPC_SYSTEM_ERROR, ENOMEM);
    }
    else if (relative_length >= PATH_MAX)
    {
        status = fail(SVIPC_SYSTEM_ERROR, ENAMETOOLONG);
    }
    else
    {
        memcpy(state->pending, relative, relative_length + 1);
        memcpy(state->text, root->path, root->path_length + 1);
        state->text_length = root->path_length;
        state->directories[0] = root->fd;
        status = walk(state, root, flags, resolved);
    }
    release_state(state);
    int saved = errno;
    free(state);
    errno = saved;
    return status;
}
