/*
 * Releasing descriptors the library received but nobody asked for: a second
 * carrier, a carrier still kept at close, descriptors glued to frame bytes.
 *
 * The peer chose what those descriptors are, and the last close() of some
 * objects waits: a TCP socket with SO_LINGER set and unsent data sleeps in
 * close() for the whole linger time. Such a socket is switched to an abortive
 * close first (SO_LINGER {1, 0}: the kernel drops the unsent data and resets
 * the connection at once), so that a peer cannot hold the thread that reads
 * from it, its timeouts or its cancellation hostage.
 */
#include "svipc_internal.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

void svipc_release_unwanted_descriptor(int fd)
{
    if (fd < 0)
    {
        return;
    }
    int saved = errno;
    struct stat info;
    if (fstat(fd, &info) == 0 && S_ISSOCK(info.st_mode))
    {
        /* Fails harmlessly (ENOPROTOOPT) on socket kinds without lingering. */
        struct linger abortive = { .l_onoff = 1, .l_linger = 0 };
        (void)setsockopt(fd, SOL_SOCKET, SO_LINGER, &abortive, (socklen_t)sizeof(abortive));
    }
    /* close() is not retried on EINTR: the descriptor is released either way on Linux and macOS. */
    (void)close(fd);
    errno = saved;
}
