/*
 * From a sandbox description to a Landlock ruleset, built in the supervisor:
 * which rights the kernel's ABI can withhold, whether that is all the
 * description asks (else refuse, or go on in best effort and say what is
 * missing), and the ruleset descriptor the child restricts itself with.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include "supervisor_ipc.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#if defined(__linux__)
#include "landlock_kernel.h"
#include "sandbox_internal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

/* The testing limit: negative means none. Read once per start, in the supervisor. */
static _Atomic int32_t g_abi_limit = -1;

SVIPC_API svipc_status svipc_sandbox_limit_abi_for_testing(int32_t abi)
{
    atomic_store(&g_abi_limit, abi < 0 ? -1 : abi);
    return SVIPC_OK;
}

#if defined(__linux__)

static int32_t kernel_abi(void)
{
    int abi = svipc_ll_create_ruleset(NULL, 0, SVIPC_LL_CREATE_RULESET_VERSION);
    /* ENOSYS: built without Landlock; EOPNOTSUPP: built in but disabled at boot. */
    return abi > 0 ? abi : 0;
}

int32_t svipc_sandbox_effective_abi(void)
{
    int32_t abi = kernel_abi();
    int32_t limit = atomic_load(&g_abi_limit);
    return limit >= 0 && limit < abi ? limit : abi;
}

SVIPC_API svipc_status svipc_sandbox_abi(int32_t* abi)
{
    if (abi == NULL)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    *abi = svipc_sandbox_effective_abi();
    return SVIPC_OK;
}

static uint64_t handled_fs_for_abi(int32_t abi)
{
    if (abi < 1)
    {
        return 0;
    }
    uint64_t handled = (SVIPC_LL_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0..12 */
    if (abi >= 2)
    {
        handled |= SVIPC_LL_FS_REFER;
    }
    if (abi >= 3)
    {
        handled |= SVIPC_LL_FS_TRUNCATE;
    }
    if (abi >= 5)
    {
        handled |= SVIPC_LL_FS_IOCTL_DEV;
    }
    return handled;
}

/* The Landlock rights behind one SVIPC_SANDBOX_* right. */
static uint64_t landlock_bits_of(uint32_t right)
{
    switch (right)
    {
    case SVIPC_SANDBOX_READ:
        return SVIPC_LL_FS_READ_FILE | SVIPC_LL_FS_READ_DIR;
    case SVIPC_SANDBOX_WRITE:
        return SVIPC_LL_FS_WRITE_FILE | SVIPC_LL_FS_TRUNCATE;
    case SVIPC_SANDBOX_EXECUTE:
        return SVIPC_LL_FS_EXECUTE;
    case SVIPC_SANDBOX_CREATE:
        return SVIPC_LL_FS_MAKE_REG | SVIPC_LL_FS_MAKE_DIR | SVIPC_LL_FS_MAKE_SYM | SVIPC_LL_FS_MAKE_SOCK |
               SVIPC_LL_FS_MAKE_FIFO | SVIPC_LL_FS_REFER;
    case SVIPC_SANDBOX_REMOVE:
        return SVIPC_LL_FS_REMOVE_FILE | SVIPC_LL_FS_REMOVE_DIR;
    case SVIPC_SANDBOX_DEVICE_IOCTL:
        return SVIPC_LL_FS_IOCTL_DEV;
    default:
        return 0;
    }
}

static uint64_t landlock_access_of(uint32_t access)
{
    uint64_t bits = 0;
    for (uint32_t right = 1; right <= SVIPC_SANDBOX_ALL_ACCESS; right <<= 1)
    {
        if ((access & right) != 0)
        {
            bits |= landlock_bits_of(right);
        }
    }
    return bits;
}

/*
 * Rights a domain with these handled bits cannot withhold. A right whose bits
 * are only partly handled counts: WRITE below ABI 3 still lets the child
 * truncate. CREATE below ABI 2 is not listed: there the kernel refuses every
 * link or move between directories, which withholds more, not less.
 */
static uint32_t unrestricted_access_of(uint64_t handled_fs)
{
    if (handled_fs == 0)
    {
        return SVIPC_SANDBOX_ALL_ACCESS;
    }
    uint32_t unrestricted = 0;
    for (uint32_t right = 1; right <= SVIPC_SANDBOX_ALL_ACCESS; right <<= 1)
    {
        uint64_t needed = landlock_bits_of(right) & ~SVIPC_LL_FS_REFER;
        if ((needed & handled_fs) != needed)
        {
            unrestricted |= right;
        }
    }
    return unrestricted;
}

static int ports_are_valid(const uint16_t* ports, uint32_t count)
{
    return count <= SVIPC_SANDBOX_MAX_RULES && (count == 0 || ports != NULL);
}

static int description_is_valid(const svipc_sandbox* sandbox)
{
    if ((sandbox->flags & ~(uint32_t)SVIPC_SANDBOX_ALL_FLAGS) != 0 ||
        (sandbox->scopes & ~(uint32_t)SVIPC_SANDBOX_ALL_SCOPES) != 0 ||
        sandbox->path_rule_count > SVIPC_SANDBOX_MAX_RULES ||
        (sandbox->path_rule_count > 0 && sandbox->path_rules == NULL) ||
        !ports_are_valid(sandbox->tcp_bind_ports, sandbox->tcp_bind_port_count) ||
        !ports_are_valid(sandbox->tcp_connect_ports, sandbox->tcp_connect_port_count))
    {
        return 0;
    }
    for (uint32_t i = 0; i < sandbox->path_rule_count; i++)
    {
        const svipc_sandbox_path_rule* rule = &sandbox->path_rules[i];
        if (rule->path == NULL || rule->path[0] == '\0' || (rule->access & ~(uint32_t)SVIPC_SANDBOX_ALL_ACCESS) != 0)
        {
            return 0;
        }
    }
    return 1;
}

/* What the kernel will enforce of the description at this ABI. */
static void evaluate(const svipc_sandbox* sandbox, int32_t abi, svipc_sandbox_report* report)
{
    memset(report, 0, sizeof(*report));
    report->abi = abi;
    report->enforced = abi > 0;
    report->handled_access_fs = handled_fs_for_abi(abi);
    report->unrestricted_access = unrestricted_access_of(report->handled_access_fs);

    uint32_t tcp_flags = sandbox->flags & (SVIPC_SANDBOX_RESTRICT_TCP_BIND | SVIPC_SANDBOX_RESTRICT_TCP_CONNECT);
    if (abi >= 4)
    {
        report->handled_access_net = ((tcp_flags & SVIPC_SANDBOX_RESTRICT_TCP_BIND) != 0 ? SVIPC_LL_NET_BIND_TCP : 0) |
                                     ((tcp_flags & SVIPC_SANDBOX_RESTRICT_TCP_CONNECT) != 0 ? SVIPC_LL_NET_CONNECT_TCP : 0);
    }
    else
    {
        report->unenforced_flags = tcp_flags;
    }
    if (abi >= 6)
    {
        report->scoped = sandbox->scopes;
    }
    else
    {
        report->unenforced_scopes = sandbox->scopes;
    }
}

/* O_PATH rule: files take only the rights that apply to files (the kernel refuses directory rights there). */
svipc_status svipc_sandbox_add_path_rule(int ruleset_fd, uint64_t handled_access_fs, const char* path,
                                         uint64_t access)
{
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    struct stat status;
    if (fstat(fd, &status) != 0)
    {
        int saved = errno;
        close(fd);
        errno = saved;
        return SVIPC_SYSTEM_ERROR;
    }
    uint64_t allowed = access & handled_access_fs;
    if (!S_ISDIR(status.st_mode))
    {
        allowed &= SVIPC_LL_FS_EXECUTE | SVIPC_LL_FS_WRITE_FILE | SVIPC_LL_FS_READ_FILE | SVIPC_LL_FS_TRUNCATE |
                   SVIPC_LL_FS_IOCTL_DEV;
    }
    int result = 0;
    if (allowed != 0) /* a rule granting nothing is refused (ENOMSG) and would change nothing */
    {
        struct svipc_ll_path_beneath_attr rule = { .allowed_access = allowed, .parent_fd = fd };
        result = svipc_ll_add_rule(ruleset_fd, SVIPC_LL_RULE_PATH_BENEATH, &rule);
    }
    int saved = errno;
    close(fd);
    errno = saved;
    return result == 0 ? SVIPC_OK : SVIPC_SYSTEM_ERROR;
}

static svipc_status add_port_rules(int ruleset_fd, const uint16_t* ports, uint32_t count, uint64_t access)
{
    for (uint32_t i = 0; i < count; i++)
    {
        struct svipc_ll_net_port_attr rule = { .allowed_access = access, .port = ports[i] };
        if (svipc_ll_add_rule(ruleset_fd, SVIPC_LL_RULE_NET_PORT, &rule) != 0)
        {
            return SVIPC_SYSTEM_ERROR;
        }
    }
    return SVIPC_OK;
}

static svipc_status add_rules(int ruleset_fd, const svipc_sandbox* sandbox, const char* resolved_program,
                              const svipc_sandbox_report* report)
{
    svipc_status status = SVIPC_OK;
    for (uint32_t i = 0; i < sandbox->path_rule_count && status == SVIPC_OK; i++)
    {
        const svipc_sandbox_path_rule* rule = &sandbox->path_rules[i];
        status = svipc_sandbox_add_path_rule(ruleset_fd, report->handled_access_fs, rule->path,
                                             landlock_access_of(rule->access));
    }
    if (status == SVIPC_OK && (sandbox->flags & SVIPC_SANDBOX_ALLOW_PROGRAM) != 0)
    {
        status = svipc_sandbox_add_program_rules(ruleset_fd, report->handled_access_fs, resolved_program);
    }
    if (status == SVIPC_OK && (report->handled_access_net & SVIPC_LL_NET_BIND_TCP) != 0)
    {
        status = add_port_rules(ruleset_fd, sandbox->tcp_bind_ports, sandbox->tcp_bind_port_count,
                                SVIPC_LL_NET_BIND_TCP);
    }
    if (status == SVIPC_OK && (report->handled_access_net & SVIPC_LL_NET_CONNECT_TCP) != 0)
    {
        status = add_port_rules(ruleset_fd, sandbox->tcp_connect_ports, sandbox->tcp_connect_port_count,
                                SVIPC_LL_NET_CONNECT_TCP);
    }
    return status;
}

svipc_status svipc_sandbox_build_ruleset(const svipc_sandbox* sandbox, const char* resolved_program,
                                         svipc_sandbox_report* report, int* ruleset_fd)
{
    if (!description_is_valid(sandbox))
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    evaluate(sandbox, svipc_sandbox_effective_abi(), report);
    int complete = report->enforced && report->unrestricted_access == 0 && report->unenforced_flags == 0 &&
                   report->unenforced_scopes == 0;
    if (!complete && (sandbox->flags & SVIPC_SANDBOX_BEST_EFFORT) == 0)
    {
        errno = report->enforced ? EOPNOTSUPP : ENOSYS;
        return SVIPC_UNSUPPORTED;
    }
    if (!report->enforced)
    {
        *ruleset_fd = -1;
        return SVIPC_OK;
    }

    struct svipc_ll_ruleset_attr attributes = {
        .handled_access_fs = report->handled_access_fs,
        .handled_access_net = report->handled_access_net,
        .scoped = report->scoped,
    };
    /* Landlock ruleset descriptors are close-on-exec from creation. */
    int fd = svipc_ll_create_ruleset(&attributes, sizeof(attributes), 0);
    if (fd < 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    svipc_status status = add_rules(fd, sandbox, resolved_program, report);
    if (status != SVIPC_OK)
    {
        int saved = errno;
        close(fd);
        errno = saved;
        return status;
    }
    *ruleset_fd = fd;
    return SVIPC_OK;
}

#else

SVIPC_API svipc_status svipc_sandbox_abi(int32_t* abi)
{
    (void)abi;
    errno = ENOSYS;
    return SVIPC_UNSUPPORTED;
}

#endif
