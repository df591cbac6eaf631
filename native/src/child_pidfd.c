/*
 * pidfds for supervised children: a handle on the process that, unlike its pid, never comes to name another
 * process, and that an event loop can wait on (readable once the child has ended).
 */
#include "svipc_internal.h"

#include <errno.h>
#include <signal.h>

#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>

/* Both calls came after the syscall tables were unified: the same numbers on every architecture. */
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#endif

SVIPC_API svipc_status svipc_pidfd_open(int32_t pid, int32_t* pidfd)
{
    if (pid <= 0 || pidfd == NULL)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
#if defined(__linux__)
    long opened = syscall(SYS_pidfd_open, (pid_t)pid, 0);
    if (opened < 0)
    {
        /* ENOSYS: a kernel before 5.3; EPERM/EACCES: a seccomp filter that refuses the call. */
        return errno == ENOSYS || errno == EPERM || errno == EACCES ? SVIPC_UNSUPPORTED : SVIPC_SYSTEM_ERROR;
    }
    /* The kernel makes every pidfd close-on-exec, so no inheritable window exists. */
    *pidfd = (int32_t)opened;
    return SVIPC_OK;
#else
    errno = ENOSYS;
    return SVIPC_UNSUPPORTED;
#endif
}

SVIPC_API svipc_status svipc_pidfd_send_signal(int32_t pidfd, int32_t signal_number)
{
    if (pidfd < 0 || signal_number <= 0)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
#if defined(__linux__)
    if (syscall(SYS_pidfd_send_signal, (int)pidfd, (int)signal_number, NULL, 0u) != 0)
    {
        if (errno == ESRCH)
        {
            return SVIPC_OK; /* ended (and reaped by whoever holds the pid): nothing left to signal */
        }
        return errno == ENOSYS || errno == EPERM ? SVIPC_UNSUPPORTED : SVIPC_SYSTEM_ERROR;
    }
    return SVIPC_OK;
#else
    errno = ENOSYS;
    return SVIPC_UNSUPPORTED;
#endif
}
