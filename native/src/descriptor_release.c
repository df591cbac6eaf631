/*
 * Releasing descriptors the library received but nobody asked for: a second
 * carrier, a carrier still kept at close, descriptors glued to frame bytes.
 *
 * The peer chose what those descriptors are, and the close() of some objects
 * waits: a TCP socket with SO_LINGER set and unsent data sleeps for the linger
 * time, a file on a FUSE mount the peer serves sleeps until the peer answers
 * FLUSH (every close, not only the last), a file on a network filesystem until
 * the server answers, a serial tty until its output drains. None of that may
 * hold the thread that reads from the peer, its timeouts, its cancellation or
 * svipc_close. So:
 * - a socket is switched to an abortive close (SO_LINGER {1, 0}: unsent data
 *   dropped, the connection reset at once) and closed here;
 * - a file whose filesystem may make close() wait, or a tty, is handed to one
 *   background thread per process that closes such descriptors one after the
 *   other (bounded: past CLOSER_CAPACITY waiting, they are closed here);
 * - anything else (pipes, local files, /dev/null, ...) is closed here: its
 *   close() does not wait, and closing it at once keeps descriptor counts exact.
 */
#include "svipc_internal.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/vfs.h>
#elif defined(__APPLE__)
#include <sys/mount.h>
#include <sys/param.h>
#endif

/* Descriptors waiting for the background closer; beyond this they are closed on the caller's thread. */
#define CLOSER_CAPACITY 1024

static pthread_mutex_t closer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t closer_wake = PTHREAD_COND_INITIALIZER;
static int closer_queue[CLOSER_CAPACITY];
static size_t closer_head;
static size_t closer_count;
static bool closer_running;
static pthread_once_t fork_handlers_once = PTHREAD_ONCE_INIT;

#if defined(__linux__)
static bool filesystem_may_wait_on_close(int fd)
{
    struct statfs filesystem;
    if (fstatfs(fd, &filesystem) != 0)
    {
        return true; /* cannot tell: do not risk the caller's thread */
    }
    switch ((unsigned long)filesystem.f_type)
    {
        case 0x65735546UL: /* FUSE (fuse and fuseblk): FLUSH goes to a user-space server */
        case 0x6969UL:     /* NFS */
        case 0xFF534D42UL: /* CIFS */
        case 0xFE534D42UL: /* SMB2 */
        case 0x517BUL:     /* SMB */
        case 0x01021997UL: /* 9P */
        case 0x00C36400UL: /* Ceph */
        case 0x5346414FUL: /* AFS */
        case 0x6B414653UL: /* kAFS */
        case 0x73757245UL: /* Coda */
        case 0x13661366UL: /* OrangeFS */
        case 0x01161970UL: /* GFS2 */
        case 0x7461636FUL: /* OCFS2 */
            return true;
        default:
            return false;
    }
}
#elif defined(__APPLE__)
static bool filesystem_may_wait_on_close(int fd)
{
    struct statfs filesystem;
    if (fstatfs(fd, &filesystem) != 0)
    {
        return true;
    }
    static const char* const waiting[] = { "nfs", "smbfs", "afpfs", "webdav", "macfuse", "osxfuse", "fuse", "fusefs" };
    for (size_t i = 0; i < sizeof(waiting) / sizeof(waiting[0]); i++)
    {
        if (strncmp(filesystem.f_fstypename, waiting[i], strlen(waiting[i])) == 0)
        {
            return true;
        }
    }
    return (filesystem.f_flags & MNT_LOCAL) == 0;
}
#else
static bool filesystem_may_wait_on_close(int fd)
{
    (void)fd;
    return true;
}
#endif

static bool close_may_wait(int fd, const struct stat* info)
{
    if (S_ISREG(info->st_mode) || S_ISDIR(info->st_mode))
    {
        return filesystem_may_wait_on_close(fd);
    }
    return S_ISCHR(info->st_mode) && isatty(fd);
}

static void* run_closer(void* unused)
{
    (void)unused;
    pthread_mutex_lock(&closer_lock);
    while (true)
    {
        while (closer_count == 0)
        {
            pthread_cond_wait(&closer_wake, &closer_lock);
        }
        int fd = closer_queue[closer_head];
        closer_head = (closer_head + 1) % CLOSER_CAPACITY;
        closer_count--;
        pthread_mutex_unlock(&closer_lock);
        (void)close(fd);
        pthread_mutex_lock(&closer_lock);
    }
    return NULL;
}

/* A fork copies the queue but not the thread: the child starts its own closer when it needs one. */
static void before_fork(void)
{
    pthread_mutex_lock(&closer_lock);
}

static void after_fork_in_parent(void)
{
    pthread_mutex_unlock(&closer_lock);
}

static void after_fork_in_child(void)
{
    closer_running = false;
    pthread_mutex_unlock(&closer_lock);
}

static void install_fork_handlers(void)
{
    (void)pthread_atfork(before_fork, after_fork_in_parent, after_fork_in_child);
}

/* Called with closer_lock held. */
static bool start_closer(void)
{
    pthread_attr_t attributes;
    if (pthread_attr_init(&attributes) != 0)
    {
        return false;
    }
    (void)pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    /* The closer must never be the thread a process signal is delivered to. */
    sigset_t all;
    sigset_t previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pthread_t thread;
    bool started = pthread_create(&thread, &attributes, run_closer, NULL) == 0;
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    pthread_attr_destroy(&attributes);
    return started;
}

static bool hand_to_closer(int fd)
{
    pthread_once(&fork_handlers_once, install_fork_handlers);
    pthread_mutex_lock(&closer_lock);
    bool queued = false;
    if ((closer_running || (closer_running = start_closer())) && closer_count < CLOSER_CAPACITY)
    {
        closer_queue[(closer_head + closer_count) % CLOSER_CAPACITY] = fd;
        closer_count++;
        queued = true;
        pthread_cond_signal(&closer_wake);
    }
    pthread_mutex_unlock(&closer_lock);
    return queued;
}

void svipc_release_unwanted_descriptor(int fd)
{
    if (fd < 0)
    {
        return;
    }
    int saved = errno;
    struct stat info;
    bool known = fstat(fd, &info) == 0;
    if (known && S_ISSOCK(info.st_mode))
    {
        /* Fails harmlessly (ENOPROTOOPT) on socket kinds without lingering. */
        struct linger abortive = { .l_onoff = 1, .l_linger = 0 };
        (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, (socklen_t)sizeof(abortive));
    }
    else if (known && close_may_wait(fd, &info) && hand_to_closer(fd))
    {
        errno = saved;
        return;
    }
    /* close() is not retried on EINTR: the descriptor is released either way on Linux and macOS. */
    (void)close(fd);
    errno = saved;
}
