/*
 * The kernel's own resolution beneath a held root (Linux >= 5.6): openat2 with
 * RESOLVE_BENEATH refuses absolute paths and symlinks, ".." above the root and
 * any escape through a rename race; RESOLVE_NO_MAGICLINKS refuses /proc's
 * links into other processes' files and mount namespaces. The handle is O_PATH:
 * the file is not opened for reading or writing, so nothing with side effects
 * happens. The walk (beneath_walk.c) computes the path text the policy decides
 * on; this check makes the kernel agree that the very same file is beneath.
 */
#include "confinement_internal.h"
#include "svipc_internal.h"

#include <errno.h>
#include <stdatomic.h>

#if defined(__linux__)
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Not every libc (musl, older glibc) ships <linux/openat2.h>; the ABI is fixed, so it is spelled out here. */
struct svipc_open_how
{
    uint64_t flags;
    uint64_t mode;
    uint64_t resolve;
};
#ifndef SYS_openat2
#define SYS_openat2 437 /* the same number on every architecture (added to the unified table) */
#endif
#define SVIPC_RESOLVE_NO_XDEV 0x01
#define SVIPC_RESOLVE_NO_MAGICLINKS 0x02
#define SVIPC_RESOLVE_BENEATH 0x08

/* A rename elsewhere on the system during a lookup with ".." makes the kernel answer EAGAIN: try again a little. */
#define OPENAT2_RACE_RETRIES 4

static atomic_bool openat2_missing;

svipc_status svipc_kernel_confirms_beneath(const svipc_confinement_root* root, uint32_t flags, const char* relative,
                                           const struct stat* expected)
{
    if (atomic_load_explicit(&openat2_missing, memory_order_relaxed))
    {
        errno = ENOSYS;
        return SVIPC_UNSUPPORTED;
    }
    struct svipc_open_how how = {
        .flags = (uint64_t)(O_PATH | O_CLOEXEC),
        .mode = 0,
        .resolve = SVIPC_RESOLVE_BENEATH | SVIPC_RESOLVE_NO_MAGICLINKS |
                   ((flags & SVIPC_CONFINE_NO_XDEV) != 0 ? SVIPC_RESOLVE_NO_XDEV : 0),
    };
    long fd = -1;
    for (int attempt = 0; attempt < OPENAT2_RACE_RETRIES; attempt++)
    {
        fd = syscall(SYS_openat2, root->fd, relative, &how, sizeof(how));
        if (fd >= 0 || (errno != EAGAIN && errno != EINTR))
        {
            break;
        }
    }
    if (fd < 0)
    {
        if (errno == ENOSYS)
        {
            atomic_store_explicit(&openat2_missing, true, memory_order_relaxed);
            return SVIPC_UNSUPPORTED;
        }
        /* The walk found the file beneath; the kernel did not: its answer wins, whatever the reason. */
        return SVIPC_NOT_CONFINED;
    }
    struct stat reached;
    int stat_result = fstat((int)fd, &reached);
    svipc_close_preserving_errno((int)fd);
    if (stat_result != 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    if (reached.st_dev != expected->st_dev || reached.st_ino != expected->st_ino)
    {
        errno = ESTALE;
        return SVIPC_NOT_CONFINED;
    }
    return SVIPC_OK;
}

#else

svipc_status svipc_kernel_confirms_beneath(const svipc_confinement_root* root, uint32_t flags, const char* relative,
                                           const struct stat* expected)
{
    (void)root;
    (void)flags;
    (void)relative;
    (void)expected;
    errno = ENOSYS;
    return SVIPC_UNSUPPORTED;
}

#endif
