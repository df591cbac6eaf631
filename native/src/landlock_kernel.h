/*
 * The Landlock kernel interface (Documentation/userspace-api/landlock.rst),
 * declared here rather than taken from <linux/landlock.h>: that header is
 * missing from musl and older sysroots, and where present it may predate the
 * ABI versions this library uses. The values are the kernel's UAPI and never
 * change. Linux only.
 */
#ifndef SVIPC_LANDLOCK_KERNEL_H
#define SVIPC_LANDLOCK_KERNEL_H

#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The same numbers on every architecture (allocated after the syscall tables were unified). */
#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#endif
#ifndef __NR_landlock_add_rule
#define __NR_landlock_add_rule 445
#endif
#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

#define SVIPC_LL_CREATE_RULESET_VERSION (1u << 0)

#define SVIPC_LL_RULE_PATH_BENEATH 1
#define SVIPC_LL_RULE_NET_PORT 2

/* Filesystem access rights, with the ABI that introduced them. */
#define SVIPC_LL_FS_EXECUTE (1ull << 0)
#define SVIPC_LL_FS_WRITE_FILE (1ull << 1)
#define SVIPC_LL_FS_READ_FILE (1ull << 2)
#define SVIPC_LL_FS_READ_DIR (1ull << 3)
#define SVIPC_LL_FS_REMOVE_DIR (1ull << 4)
#define SVIPC_LL_FS_REMOVE_FILE (1ull << 5)
#define SVIPC_LL_FS_MAKE_CHAR (1ull << 6)
#define SVIPC_LL_FS_MAKE_DIR (1ull << 7)
#define SVIPC_LL_FS_MAKE_REG (1ull << 8)
#define SVIPC_LL_FS_MAKE_SOCK (1ull << 9)
#define SVIPC_LL_FS_MAKE_FIFO (1ull << 10)
#define SVIPC_LL_FS_MAKE_BLOCK (1ull << 11)
#define SVIPC_LL_FS_MAKE_SYM (1ull << 12)
#define SVIPC_LL_FS_REFER (1ull << 13)     /* ABI 2 */
#define SVIPC_LL_FS_TRUNCATE (1ull << 14)  /* ABI 3 */
#define SVIPC_LL_FS_IOCTL_DEV (1ull << 15) /* ABI 5 */

/* Network access rights (ABI 4). */
#define SVIPC_LL_NET_BIND_TCP (1ull << 0)
#define SVIPC_LL_NET_CONNECT_TCP (1ull << 1)

/* Scopes (ABI 6): the same values as SVIPC_SANDBOX_SCOPE_*. */
#define SVIPC_LL_SCOPE_ABSTRACT_UNIX_SOCKET (1ull << 0)
#define SVIPC_LL_SCOPE_SIGNAL (1ull << 1)

struct svipc_ll_ruleset_attr
{
    uint64_t handled_access_fs;
    uint64_t handled_access_net; /* ABI 4; must be 0 before */
    uint64_t scoped;             /* ABI 6; must be 0 before */
};

/* Packed in the kernel's UAPI: 12 bytes. */
struct __attribute__((packed)) svipc_ll_path_beneath_attr
{
    uint64_t allowed_access;
    int32_t parent_fd;
};

struct svipc_ll_net_port_attr
{
    uint64_t allowed_access;
    uint64_t port;
};

static inline int svipc_ll_create_ruleset(const struct svipc_ll_ruleset_attr* attr, size_t size, uint32_t flags)
{
    return (int)syscall(__NR_landlock_create_ruleset, attr, size, flags);
}

static inline int svipc_ll_add_rule(int ruleset_fd, int rule_type, const void* rule_attr)
{
    return (int)syscall(__NR_landlock_add_rule, ruleset_fd, rule_type, rule_attr, 0u);
}

static inline int svipc_ll_restrict_self(int ruleset_fd)
{
    return (int)syscall(__NR_landlock_restrict_self, ruleset_fd, 0u);
}

#endif /* SVIPC_LANDLOCK_KERNEL_H */
