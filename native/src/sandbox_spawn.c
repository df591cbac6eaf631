/*
 * svipc_spawn_sandboxed: a supervised child started inside a Landlock domain.
 *
 * posix_spawn runs no code of ours between fork and exec, so this start is a
 * vfork of its own, in the manner of System.Native's ForkAndExecProcess:
 * everything that allocates or may fail slowly (the ruleset, the environment,
 * the program's path, the descriptors the child needs) is prepared before the
 * fork, and the child makes only async-signal-safe system calls: it resets
 * its signal state, moves its socket end into place, closes everything else,
 * sets no_new_privs, restricts itself with the ruleset and executes. An error
 * on that way travels to the parent over a close-on-exec pipe as an errno.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include "supervisor_ipc.h"

#include <errno.h>

#if defined(__linux__)

#include "landlock_kernel.h"
#include "sandbox_internal.h"
#include "spawn_environment.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef __NR_close_range
#define __NR_close_range 436 /* the same on every architecture */
#endif

/* The child shares the parent's memory until exec: sanitizer bookkeeping there would corrupt the parent's. */
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 8)
#define VFORK_CHILD_CODE __attribute__((no_sanitize("address", "undefined"), noinline))
#else
#define VFORK_CHILD_CODE __attribute__((noinline))
#endif

extern char** environ;

/* Everything the child needs, prepared by the parent: the child only reads it. */
typedef struct child_plan
{
    const char* path;
    char* const* argv;
    char* const* envp;
    int child_fd;
    int source_fd;  /* close-on-exec, above child_fd: becomes child_fd */
    int ruleset_fd; /* close-on-exec, above child_fd; -1 when nothing is enforced */
    int error_fd;   /* close-on-exec, above child_fd: the write end of the error pipe */
    int close_limit; /* highest descriptor to close one by one where close_range is missing */
    struct sigaction default_action;
    sigset_t empty_mask;
} child_plan;

/* Closes [first, last]; close_range where the kernel has it (5.9), else one by one up to close_limit. */
VFORK_CHILD_CODE static void close_descriptors(const child_plan* plan, unsigned first, unsigned last)
{
    if (first > last)
    {
        return;
    }
    if (syscall(__NR_close_range, first, last, 0u) == 0)
    {
        return;
    }
    for (unsigned fd = first; fd <= last && fd <= (unsigned)plan->close_limit; fd++)
    {
        close((int)fd);
    }
}

VFORK_CHILD_CODE __attribute__((noreturn)) static void run_child(const child_plan* plan)
{
    /* Default dispositions for every signal (the supervisor may ignore SIGPIPE); KILL and STOP refuse, harmlessly. */
    for (int sig = 1; sig < NSIG; sig++)
    {
        sigaction(sig, &plan->default_action, NULL);
    }
    if (dup2(plan->source_fd, plan->child_fd) < 0)
    {
        goto failed;
    }
    close_descriptors(plan, 3, (unsigned)plan->child_fd - 1);
    if (plan->ruleset_fd >= 0)
    {
        /* Required to restrict oneself without CAP_SYS_ADMIN; also keeps set-uid programs from lifting the domain. */
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || svipc_ll_restrict_self(plan->ruleset_fd) != 0)
        {
            goto failed;
        }
    }
    /* Everything above child_fd but the error pipe (close-on-exec: it closes at exec). */
    close_descriptors(plan, (unsigned)plan->child_fd + 1, (unsigned)plan->error_fd - 1);
    close_descriptors(plan, (unsigned)plan->error_fd + 1, ~0u);
    sigprocmask(SIG_SETMASK, &plan->empty_mask, NULL);
    execve(plan->path, plan->argv, plan->envp);

failed:;
    int error = errno;
    ssize_t ignored = write(plan->error_fd, &error, sizeof(error));
    (void)ignored;
    _exit(127);
}

/* Kept apart so that nothing vfork could clobber lives in a frame the child returns through. */
VFORK_CHILD_CODE static pid_t start_child(const child_plan* plan)
{
    pid_t pid = vfork();
    if (pid == 0)
    {
        run_child(plan);
    }
    return pid;
}

static void close_quietly(int fd)
{
    if (fd >= 0)
    {
        int saved = errno;
        close(fd);
        errno = saved;
    }
}

/* A close-on-exec copy of fd numbered above floor, and fd closed; -1 with errno on failure. */
static int move_above(int fd, int floor)
{
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, floor + 1);
    close_quietly(fd);
    return moved;
}

static int close_limit(void)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > 1048576)
    {
        return 1048576;
    }
    return (int)limit.rlim_cur;
}

/* Forks, lets the child run plan, and returns the errno it reported (0: program executing). */
static int fork_and_execute(child_plan* plan, int error_read_fd, pid_t* pid)
{
    sigset_t all_signals;
    sigset_t previous;
    sigfillset(&all_signals);
    /* No handler of ours may run in the child while it borrows our memory. */
    pthread_sigmask(SIG_SETMASK, &all_signals, &previous);
    pid_t child = start_child(plan);
    int fork_error = child < 0 ? errno : 0;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    close_quietly(plan->error_fd);
    plan->error_fd = -1;
    if (fork_error != 0)
    {
        return fork_error;
    }

    int reported = 0;
    ssize_t got;
    do
    {
        got = read(error_read_fd, &reported, sizeof(reported));
    } while (got < 0 && errno == EINTR);
    if (got == 0)
    {
        *pid = child;
        return 0; /* the pipe closed at exec */
    }
    int error = got == (ssize_t)sizeof(reported) && reported != 0 ? reported : EIO;
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
    {
    }
    return error;
}

/* With the ruleset, environment and program ready: the pair, the descriptors the child needs, the start. */
static svipc_status start_sandboxed(child_plan* plan, svipc_socket** supervisor_end, int32_t* pid)
{
    svipc_socket* ours = NULL;
    svipc_socket* theirs = NULL;
    svipc_status status = svipc_pair(&ours, &theirs);
    if (status != SVIPC_OK)
    {
        return status;
    }
    int pipe_fds[2] = { -1, -1 };
    int error = 0;
    plan->source_fd = fcntl(svipc_fd(theirs), F_DUPFD_CLOEXEC, plan->child_fd + 1);
    if (plan->source_fd < 0 || pipe2(pipe_fds, O_CLOEXEC) != 0)
    {
        error = errno;
    }
    else
    {
        plan->error_fd = move_above(pipe_fds[1], plan->child_fd);
        pipe_fds[1] = -1;
        if (plan->error_fd < 0)
        {
            error = errno;
        }
    }
    pid_t child = -1;
    if (error == 0)
    {
        error = fork_and_execute(plan, pipe_fds[0], &child);
    }
    close_quietly(pipe_fds[0]);
    close_quietly(pipe_fds[1]);
    close_quietly(plan->error_fd);
    close_quietly(plan->source_fd);
    svipc_close(theirs);
    if (error != 0)
    {
        svipc_close(ours);
        errno = error;
        return SVIPC_SYSTEM_ERROR;
    }
    *supervisor_end = ours;
    *pid = (int32_t)child;
    return SVIPC_OK;
}

SVIPC_API svipc_status svipc_spawn_sandboxed(const svipc_sandbox* sandbox, const char* program,
                                             char* const* argv, char* const* envp, int32_t child_fd,
                                             const char* fd_variable, svipc_socket** supervisor_end, int32_t* pid,
                                             svipc_sandbox_report* report)
{
    if (child_fd < 0)
    {
        child_fd = SVIPC_DEFAULT_CHILD_FD;
    }
    const char* variable = fd_variable != NULL ? fd_variable : svipc_default_fd_variable;
    if (sandbox == NULL || program == NULL || program[0] == '\0' || supervisor_end == NULL || pid == NULL ||
        child_fd < 3 || child_fd > SVIPC_MAX_CHILD_FD || !svipc_is_valid_variable_name(variable))
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }

    char* path = svipc_sandbox_resolve_program(program, getenv("PATH"));
    if (path == NULL)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    svipc_sandbox_report enforced;
    int ruleset_fd = -1;
    svipc_status status = svipc_sandbox_build_ruleset(sandbox, path, &enforced, &ruleset_fd);
    if ((status == SVIPC_OK || status == SVIPC_UNSUPPORTED) && report != NULL)
    {
        *report = enforced;
    }
    char** environment = NULL;
    char* assignment = NULL;
    if (status == SVIPC_OK)
    {
        status = svipc_build_child_environment(envp != NULL ? envp : environ, variable, child_fd,
                                               &environment, &assignment);
    }
    if (status == SVIPC_OK && ruleset_fd >= 0)
    {
        ruleset_fd = move_above(ruleset_fd, child_fd);
        status = ruleset_fd >= 0 ? SVIPC_OK : SVIPC_SYSTEM_ERROR;
    }
    if (status == SVIPC_OK)
    {
        /* execve takes char* const[] but only reads the strings: the program name serves as argv[0]. */
        char* default_argv[2] = { (char*)(uintptr_t)program, NULL };
        child_plan plan = {
            .path = path,
            .argv = argv != NULL ? argv : default_argv,
            .envp = environment,
            .child_fd = child_fd,
            .source_fd = -1,
            .ruleset_fd = ruleset_fd,
            .error_fd = -1,
            .close_limit = close_limit(),
        };
        memset(&plan.default_action, 0, sizeof(plan.default_action));
        plan.default_action.sa_handler = SIG_DFL;
        sigemptyset(&plan.default_action.sa_mask);
        sigemptyset(&plan.empty_mask);
        status = start_sandboxed(&plan, supervisor_end, pid);
    }
    int saved = errno;
    close_quietly(ruleset_fd);
    free(assignment);
    free(environment);
    free(path);
    errno = saved;
    return status;
}

#else

SVIPC_API svipc_status svipc_spawn_sandboxed(const svipc_sandbox* sandbox, const char* program,
                                             char* const* argv, char* const* envp, int32_t child_fd,
                                             const char* fd_variable, svipc_socket** supervisor_end, int32_t* pid,
                                             svipc_sandbox_report* report)
{
    /* Seatbelt's sandbox_init compiles its profile in the calling process (not async-signal-safe between
       fork and exec) and is deprecated; no honest equivalent of the Linux start is built here. */
    (void)sandbox;
    (void)program;
    (void)argv;
    (void)envp;
    (void)child_fd;
    (void)fd_variable;
    (void)supervisor_end;
    (void)pid;
    (void)report;
    errno = ENOSYS;
    return SVIPC_UNSUPPORTED;
}

#endif
