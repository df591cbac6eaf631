/*
 * Private layout of the confinement objects, shared by confinement.c (roots),
 * beneath_walk.c (the portable resolution), beneath_openat2.c (the kernel's
 * resolution on Linux) and resolved_file.c (what a resolution yields).
 */
#ifndef SVIPC_CONFINEMENT_INTERNAL_H
#define SVIPC_CONFINEMENT_INTERNAL_H

#include "supervisor_ipc.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* Symlinks followed in one resolution before ELOOP, as the kernel's own limit. */
#define SVIPC_MAX_SYMLINKS 40

typedef struct svipc_confinement_root
{
    char* path;        /* realpath() of the root at creation */
    size_t path_length;
    bool is_directory;
    int fd;            /* the root directory, or for a file root the directory that holds it */
    char* file_name;   /* file root: its name in fd */
    dev_t device;      /* of the root itself */
    ino_t inode;
} svipc_confinement_root;

struct svipc_confinement
{
    uint32_t flags;
    uint32_t root_count;
    svipc_confinement_root* roots;
};

struct svipc_resolved_file
{
    int parent_fd;     /* the directory that holds the file, beneath (or being) the root */
    char* name;        /* the file's name in parent_fd */
    char* path;        /* root path + walked components */
    size_t path_length;
    struct stat info;  /* lstat of the file when resolved */
    uint32_t root_index;
};

/*
 * Resolves relative (no leading '/') beneath root->fd, one component at a time
 * with O_NOFOLLOW, following relative symlinks while they stay beneath. On
 * SVIPC_OK, *resolved holds the parent directory, the name, the text path and
 * the lstat of the final component (not yet checked for type).
 */
svipc_status svipc_walk_beneath(const svipc_confinement_root* root, uint32_t flags, const char* relative,
                                svipc_resolved_file* resolved);

/*
 * Linux: resolves relative beneath root->fd with openat2(O_PATH, RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS [| RESOLVE_NO_XDEV]) and checks that the kernel reached
 * the same file as the walk (expected). SVIPC_UNSUPPORTED when openat2 does not
 * exist (the walk's answer then stands alone).
 */
svipc_status svipc_kernel_confirms_beneath(const svipc_confinement_root* root, uint32_t flags, const char* relative,
                                           const struct stat* expected);

#endif /* SVIPC_CONFINEMENT_INTERNAL_H */
