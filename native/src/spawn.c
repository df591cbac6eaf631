/*
 * Starting a supervised child with its end of a pair inherited (svipc_spawn),
 * reaping it (svipc_wait_child), and opening the inherited end in the child
 * (svipc_open_from_env).
 *
 * .NET cannot start a process with an extra inherited descriptor, so the whole
 * descriptor set-up happens here with posix_spawn file actions: nothing runs in
 * the child between fork and exec that is not async-signal-safe.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include "supervisor_ipc.h"
#include "spawn_environment.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
#define SVIPC_HAVE_ADDCLOSEFROM 1
#endif

#if !defined(__APPLE__) && !defined(SVIPC_HAVE_ADDCLOSEFROM)
#include <dirent.h>
#endif

extern char** environ;

_Static_assert(sizeof(pid_t) <= sizeof(int32_t), "pid_t must fit the int32_t pid of the API");

#if !defined(__APPLE__) && !defined(SVIPC_HAVE_ADDCLOSEFROM)
/* Without closefrom support, close every descriptor above 2 that is open now, except keep. */
static int add_close_open_descriptors(posix_spawn_file_actions_t* actions, int keep)
{
    DIR* directory = opendir("/proc/self/fd");
    if (directory == NULL)
    {
        return errno;
    }
    int own = dirfd(directory);
    struct dirent* item;
    int error = 0;
    while ((item = readdir(directory)) != NULL)
    {
        char* end = NULL;
        long fd = strtol(item->d_name, &end, 10);
        if (end == item->d_name || *end != '\0' || fd <= 2 || fd == keep || fd == own)
        {
            continue;
        }
        error = posix_spawn_file_actions_addclose(actions, (int)fd);
        if (error != 0)
        {
            break;
        }
    }
    closedir(directory);
    return error;
}
#endif

/*
 * File actions that leave exactly 0, 1, 2 and child_fd open in the child.
 * source_fd is a close-on-exec descriptor numbered above child_fd, so dup2 never
 * sees equal descriptors (whose close-on-exec flag it would not clear).
 */
static int prepare_file_actions(posix_spawn_file_actions_t* actions, int source_fd, int child_fd)
{
    int error = posix_spawn_file_actions_adddup2(actions, source_fd, child_fd);
    if (error != 0)
    {
        return error;
    }
#if defined(__APPLE__)
    /* POSIX_SPAWN_CLOEXEC_DEFAULT (set by the caller) closes everything not named here. */
    for (int fd = 0; fd <= 2 && error == 0; fd++)
    {
        error = posix_spawn_file_actions_addinherit_np(actions, fd);
    }
    return error;
#else
    for (int fd = 3; fd < child_fd && error == 0; fd++)
    {
        /* Closing a descriptor that is not open is not an error for posix_spawn. */
        error = posix_spawn_file_actions_addclose(actions, fd);
    }
    if (error != 0)
    {
        return error;
    }
#if defined(SVIPC_HAVE_ADDCLOSEFROM)
    return posix_spawn_file_actions_addclosefrom_np(actions, child_fd + 1);
#else
    (void)source_fd; /* open now, so listed and closed after the dup2 */
    return add_close_open_descriptors(actions, child_fd);
#endif
#endif
}

static int prepare_attributes(posix_spawnattr_t* attributes)
{
    sigset_t all_signals;
    sigset_t no_signals;
    sigfillset(&all_signals);
    sigemptyset(&no_signals);
    /* The supervisor (e.g. the .NET runtime) ignores SIGPIPE and may block signals; the child must not inherit that. */
#if defined(__APPLE__)
    short flags = (short)(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_CLOEXEC_DEFAULT);
#else
    short flags = (short)(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
#endif
    int error = posix_spawnattr_setsigdefault(attributes, &all_signals);
    if (error == 0)
    {
        error = posix_spawnattr_setsigmask(attributes, &no_signals);
    }
    if (error == 0)
    {
        error = posix_spawnattr_setflags(attributes, flags);
    }
    return error;
}

static int run_spawn(const char* program, char* const* argv, char** environment, int source_fd,
                     int child_fd, pid_t* pid)
{
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    int error = posix_spawn_file_actions_init(&actions);
    if (error != 0)
    {
        return error;
    }
    error = posix_spawnattr_init(&attributes);
    if (error != 0)
    {
        posix_spawn_file_actions_destroy(&actions);
        return error;
    }

    error = prepare_file_actions(&actions, source_fd, child_fd);
    if (error == 0)
    {
        error = prepare_attributes(&attributes);
    }
    if (error == 0)
    {
        /* posix_spawn takes char* const[] but only reads the strings: the program name serves as argv[0]. */
        char* default_argv[2] = { (char*)(uintptr_t)program, NULL };
        char* const* arguments = argv != NULL ? argv : default_argv;
        if (strchr(program, '/') != NULL)
        {
            error = posix_spawn(pid, program, &actions, &attributes, arguments, environment);
        }
        else
        {
            error = posix_spawnp(pid, program, &actions, &attributes, arguments, environment);
        }
    }

    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&actions);
    return error;
}

SVIPC_API svipc_status svipc_spawn(const char* program, char* const* argv, char* const* envp,
                                   int32_t child_fd, const char* fd_variable,
                                   svipc_socket** supervisor_end, int32_t* pid)
{
    if (program == NULL || program[0] == '\0' || supervisor_end == NULL || pid == NULL)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    if (child_fd < 0)
    {
        child_fd = SVIPC_DEFAULT_CHILD_FD;
    }
    if (child_fd < 3 || child_fd > SVIPC_MAX_CHILD_FD)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    const char* variable = fd_variable != NULL ? fd_variable : svipc_default_fd_variable;
    if (!svipc_is_valid_variable_name(variable))
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }

    char** environment = NULL;
    char* assignment = NULL;
    svipc_status status = svipc_build_child_environment(envp != NULL ? envp : environ, variable,
                                                        child_fd, &environment, &assignment);
    if (status != SVIPC_OK)
    {
        return status;
    }

    svipc_socket* ours = NULL;
    svipc_socket* theirs = NULL;
    status = svipc_pair(&ours, &theirs);
    if (status != SVIPC_OK)
    {
        int saved = errno;
        free(assignment);
        free(environment);
        errno = saved;
        return status;
    }

    /* A close-on-exec copy numbered above child_fd: the only source the child's dup2 reads. */
    int source_fd = fcntl(svipc_fd(theirs), F_DUPFD_CLOEXEC, child_fd + 1);
    int error = source_fd < 0 ? errno : 0;
    pid_t child = -1;
    if (error == 0)
    {
        error = run_spawn(program, argv, environment, source_fd, child_fd, &child);
        close(source_fd);
    }
    svipc_close(theirs);
    free(assignment);
    free(environment);

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

static void describe_exit(int wait_status, svipc_child_exit* exit_status)
{
    if (WIFEXITED(wait_status))
    {
        exit_status->exit_code = WEXITSTATUS(wait_status);
        exit_status->signal = 0;
    }
    else
    {
        exit_status->exit_code = -1;
        exit_status->signal = WIFSIGNALED(wait_status) ? WTERMSIG(wait_status) : 0;
    }
}

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

SVIPC_API svipc_status svipc_wait_child(int32_t pid, int32_t timeout_ms, svipc_child_exit* exit_status)
{
    if (pid <= 0 || exit_status == NULL || (timeout_ms < 0 && timeout_ms != SVIPC_INFINITE_TIMEOUT))
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    int64_t deadline = timeout_ms > 0 ? monotonic_ms() + timeout_ms : 0;
    int options = timeout_ms == SVIPC_INFINITE_TIMEOUT ? 0 : WNOHANG;
    for (;;)
    {
        int wait_status = 0;
        pid_t result = waitpid((pid_t)pid, &wait_status, options);
        if (result == (pid_t)pid)
        {
            describe_exit(wait_status, exit_status);
            return SVIPC_OK;
        }
        if (result < 0)
        {
            if (errno == EINTR)
            {
                continue;
            }
            return SVIPC_SYSTEM_ERROR;
        }
        /* Still running (WNOHANG). Waiting for an arbitrary pid has no portable blocking-with-timeout call. */
        int64_t remaining = deadline - monotonic_ms();
        if (timeout_ms == 0 || remaining <= 0)
        {
            errno = ETIMEDOUT;
            return SVIPC_TIMEOUT;
        }
        int64_t step = remaining < 10 ? remaining : 10;
        struct timespec pause = { 0, (long)step * 1000000L };
        nanosleep(&pause, NULL);
    }
}

/* Strict decimal descriptor number: digits only, no sign, no spaces, within int32_t. */
static int parse_descriptor(const char* text, int32_t* fd)
{
    if (text == NULL || text[0] == '\0')
    {
        return 0;
    }
    int64_t value = 0;
    for (const char* p = text; *p != '\0'; p++)
    {
        if (*p < '0' || *p > '9')
        {
            return 0;
        }
        value = value * 10 + (*p - '0');
        if (value > INT32_MAX)
        {
            return 0;
        }
    }
    *fd = (int32_t)value;
    return 1;
}

SVIPC_API svipc_status svipc_open_from_env(const char* fd_variable, svipc_socket** connection)
{
    const char* variable = fd_variable != NULL ? fd_variable : svipc_default_fd_variable;
    if (connection == NULL || !svipc_is_valid_variable_name(variable))
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    int32_t fd = -1;
    if (!parse_descriptor(getenv(variable), &fd))
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    return svipc_from_fd(fd, connection);
}
