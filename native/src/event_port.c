/*
 * Readiness ports: epoll on Linux, kqueue on macOS, behind one edge-triggered shape (supervisor_ipc.h). The
 * event structure is the library's own, so callers never see epoll_event, whose layout differs between
 * architectures (packed on x86-64 only).
 */
#include "svipc_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/epoll.h>
#elif defined(__APPLE__) || defined(__FreeBSD__)
#include <sys/event.h>
#include <sys/time.h>
#define SVIPC_HAS_KQUEUE 1
#endif

/* Events taken from the kernel per wait: more are simply delivered by the next wait. */
#define SVIPC_PORT_BATCH 64

SVIPC_API svipc_status svipc_event_port_create(int32_t* port)
{
    if (port == NULL)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
#if defined(__linux__)
    int created = epoll_create1(EPOLL_CLOEXEC);
    if (created < 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
#elif defined(SVIPC_HAS_KQUEUE)
    int created = kqueue();
    if (created < 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    /* kqueues are not inherited across fork, but the flag keeps the rule "every descriptor is close-on-exec". */
    if (svipc_make_close_on_exec(created) != 0)
    {
        int saved = errno;
        close(created);
        errno = saved;
        return SVIPC_SYSTEM_ERROR;
    }
#else
    errno = ENOSYS;
    return SVIPC_UNSUPPORTED;
#endif
    *port = (int32_t)created;
    return SVIPC_OK;
}

SVIPC_API svipc_status svipc_event_port_add(int32_t port, int32_t fd, uint32_t token)
{
    if (port < 0 || fd < 0)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
#if defined(__linux__)
    struct epoll_event event = {0};
    event.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    event.data.u32 = token;
    return epoll_ctl(port, EPOLL_CTL_ADD, fd, &event) == 0 ? SVIPC_OK : SVIPC_SYSTEM_ERROR;
#elif defined(SVIPC_HAS_KQUEUE)
    struct kevent changes[2];
    EV_SET(&changes[0], (uintptr_t)fd, EVFILT_READ, EV_ADD | EV_CLEAR, 0, 0, (void*)(uintptr_t)token);
    EV_SET(&changes[1], (uintptr_t)fd, EVFILT_WRITE, EV_ADD | EV_CLEAR, 0, 0, (void*)(uintptr_t)token);
    return kevent(port, changes, 2, NULL, 0, NULL) == 0 ? SVIPC_OK : SVIPC_SYSTEM_ERROR;
#else
    (void)token;
    errno = ENOSYS;
    return SVIPC_UNSUPPORTED;
#endif
}

SVIPC_API svipc_status svipc_event_port_remove(int32_t port, int32_t fd)
{
    if (port < 0 || fd < 0)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
#if defined(__linux__)
    if (epoll_ctl(port, EPOLL_CTL_DEL, fd, NULL) != 0 && errno != ENOENT)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    return SVIPC_OK;
#elif defined(SVIPC_HAS_KQUEUE)
    /* One filter at a time: a change list stops at the first that fails, and either may be absent. */
    struct kevent change;
    EV_SET(&change, (uintptr_t)fd, EVFILT_READ, EV_DELETE, 0, 0, NULL);
    if (kevent(port, &change, 1, NULL, 0, NULL) != 0 && errno != ENOENT)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    EV_SET(&change, (uintptr_t)fd, EVFILT_WRITE, EV_DELETE, 0, 0, NULL);
    if (kevent(port, &change, 1, NULL, 0, NULL) != 0 && errno != ENOENT)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    return SVIPC_OK;
#else
    errno = ENOSYS;
    return SVIPC_UNSUPPORTED;
#endif
}

SVIPC_API svipc_status svipc_event_port_add_child(int32_t port, int32_t pid, int32_t pidfd, uint32_t token)
{
    if (port < 0 || pid <= 0)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
#if defined(__linux__)
    if (pidfd < 0)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    struct epoll_event event = {0};
    event.events = EPOLLIN | EPOLLET;
    event.data.u32 = token;
    return epoll_ctl(port, EPOLL_CTL_ADD, pidfd, &event) == 0 ? SVIPC_OK : SVIPC_SYSTEM_ERROR;
#elif defined(SVIPC_HAS_KQUEUE)
    (void)pidfd;
    struct kevent change;
    EV_SET(&change, (uintptr_t)pid, EVFILT_PROC, EV_ADD | EV_ONESHOT, NOTE_EXIT, 0, (void*)(uintptr_t)token);
    if (kevent(port, &change, 1, NULL, 0, NULL) != 0)
    {
        return SVIPC_SYSTEM_ERROR; /* ESRCH: already ended; the caller's reap attempt finds that */
    }
    return SVIPC_OK;
#else
    (void)pidfd;
    (void)token;
    errno = ENOSYS;
    return SVIPC_UNSUPPORTED;
#endif
}

#if defined(__linux__)
static uint32_t ready_bits(uint32_t epoll_events)
{
    uint32_t bits = 0;
    /* End of stream and errors are for the reader to find, as are the writer's. */
    if ((epoll_events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0)
    {
        bits |= SVIPC_READY_READABLE;
    }
    if ((epoll_events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0)
    {
        bits |= SVIPC_READY_WRITABLE;
    }
    /* EPOLLRDHUP alone is a peer that stopped sending but may still read an answer: not a hang-up. */
    if ((epoll_events & (EPOLLHUP | EPOLLERR)) != 0)
    {
        bits |= SVIPC_READY_HANG_UP;
    }
    return bits;
}
#endif

SVIPC_API svipc_status svipc_event_port_wait(int32_t port, svipc_ready_event* events, int32_t capacity,
                                             int32_t timeout_ms, int32_t* count)
{
    if (port < 0 || events == NULL || capacity <= 0 || count == NULL || timeout_ms < SVIPC_INFINITE_TIMEOUT)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    *count = 0;
    int batch = capacity < SVIPC_PORT_BATCH ? (int)capacity : SVIPC_PORT_BATCH;
#if defined(__linux__)
    struct epoll_event ready[SVIPC_PORT_BATCH];
    int received = epoll_wait(port, ready, batch, (int)timeout_ms);
    if (received < 0)
    {
        return errno == EINTR ? SVIPC_OK : SVIPC_SYSTEM_ERROR;
    }
    for (int i = 0; i < received; i++)
    {
        /* A pidfd of an ended child reports EPOLLIN: readable, as the header promises. */
        events[i].token = ready[i].data.u32;
        events[i].events = ready_bits(ready[i].events);
    }
#elif defined(SVIPC_HAS_KQUEUE)
    struct kevent ready[SVIPC_PORT_BATCH];
    struct timespec limit;
    struct timespec* limit_pointer = NULL;
    if (timeout_ms >= 0)
    {
        limit.tv_sec = timeout_ms / 1000;
        limit.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
        limit_pointer = &limit;
    }
    int received = kevent(port, NULL, 0, ready, batch, limit_pointer);
    if (received < 0)
    {
        return errno == EINTR ? SVIPC_OK : SVIPC_SYSTEM_ERROR;
    }
    for (int i = 0; i < received; i++)
    {
        uint32_t bits = 0;
        if (ready[i].filter == EVFILT_READ)
        {
            bits = SVIPC_READY_READABLE;
        }
        else if (ready[i].filter == EVFILT_WRITE)
        {
            /* EV_EOF on the write side: the peer closed its receiving end, so nothing sent can reach it. */
            bits = SVIPC_READY_WRITABLE | ((ready[i].flags & EV_EOF) != 0 ? SVIPC_READY_HANG_UP : 0u);
        }
        else if (ready[i].filter == EVFILT_PROC)
        {
            bits = SVIPC_READY_READABLE;
        }
        events[i].token = (uint32_t)(uintptr_t)ready[i].udata;
        events[i].events = bits;
    }
#else
    (void)events;
    (void)timeout_ms;
    (void)batch;
    errno = ENOSYS;
    return SVIPC_UNSUPPORTED;
#endif
    *count = (int32_t)received;
    return SVIPC_OK;
}
