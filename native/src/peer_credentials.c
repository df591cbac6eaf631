/* The kernel-recorded identity of the peer. */
#include "svipc_internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

svipc_status svipc_get_peer_credentials(const svipc_socket* socket, svipc_peer_credentials* credentials)
{
    if (socket == NULL || credentials == NULL)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
#if defined(__linux__)
    struct ucred peer;
    memset(&peer, 0, sizeof(peer));
    socklen_t length = (socklen_t)sizeof(peer);
    if (getsockopt(socket->fd, SOL_SOCKET, SO_PEERCRED, &peer, &length) != 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    if (length != (socklen_t)sizeof(peer) || peer.pid <= 0)
    {
        /* A descriptor with no connected peer reports pid 0: there is no credential to give. */
        errno = ENOTCONN;
        return SVIPC_SYSTEM_ERROR;
    }
    credentials->pid = (int32_t)peer.pid;
    credentials->uid = (uint32_t)peer.uid;
    credentials->gid = (uint32_t)peer.gid;
    return SVIPC_OK;
#elif defined(__APPLE__)
    pid_t pid = 0;
    socklen_t length = (socklen_t)sizeof(pid);
    if (getsockopt(socket->fd, SOL_LOCAL, LOCAL_PEERPID, &pid, &length) != 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    uid_t uid = 0;
    gid_t gid = 0;
    if (getpeereid(socket->fd, &uid, &gid) != 0)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    credentials->pid = (int32_t)pid;
    credentials->uid = (uint32_t)uid;
    credentials->gid = (uint32_t)gid;
    return SVIPC_OK;
#else
    (void)socket;
    errno = ENOSYS;
    return SVIPC_UNSUPPORTED;
#endif
}
