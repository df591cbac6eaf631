/* Version, status texts and the errno-to-status mapping shared by every call. */
#include "svipc_internal.h"

#include <errno.h>

_Static_assert(sizeof(svipc_status) == 4, "svipc_status must stay a 4-byte enum for the managed binding");
_Static_assert(sizeof(svipc_peer_credentials) == 12, "svipc_peer_credentials layout is part of the ABI");
_Static_assert(offsetof(svipc_peer_credentials, pid) == 0, "svipc_peer_credentials.pid offset");
_Static_assert(offsetof(svipc_peer_credentials, uid) == 4, "svipc_peer_credentials.uid offset");
_Static_assert(offsetof(svipc_peer_credentials, gid) == 8, "svipc_peer_credentials.gid offset");
_Static_assert(SVIPC_MAX_PAYLOAD == 65536, "the protocol fixes the payload limit at 64 KiB");
_Static_assert(SVIPC_FRAME_HEADER_SIZE == 4, "the protocol fixes a 4-byte length prefix");
_Static_assert(SVIPC_SHUT_DOWN == 14, "status values are stable across releases");
_Static_assert(SVIPC_WOULD_BLOCK == 18, "status values are stable across releases");

uint32_t svipc_version(void)
{
    return ((uint32_t)SVIPC_VERSION_MAJOR << 16) | ((uint32_t)SVIPC_VERSION_MINOR << 8) | (uint32_t)SVIPC_VERSION_PATCH;
}

const char* svipc_status_message(svipc_status status)
{
    switch (status)
    {
        case SVIPC_OK: return "success";
        case SVIPC_CLOSED: return "the peer closed the connection";
        case SVIPC_TRUNCATED: return "the peer closed the connection in the middle of a frame";
        case SVIPC_TOO_LARGE: return "the frame payload exceeds the 64 KiB limit";
        case SVIPC_TIMEOUT: return "the operation timed out";
        case SVIPC_NO_DESCRIPTOR: return "a descriptor was expected but frame data comes next";
        case SVIPC_PROTOCOL_VIOLATION: return "the peer violated the protocol";
        case SVIPC_DESYNCHRONIZED: return "the stream is desynchronized by an earlier error";
        case SVIPC_PATH_TOO_LONG: return "the socket path is too long";
        case SVIPC_ADDRESS_IN_USE: return "the socket path is in use";
        case SVIPC_INVALID_ARGUMENT: return "invalid argument";
        case SVIPC_UNSUPPORTED: return "the operation is not supported";
        case SVIPC_SYSTEM_ERROR: return "an operating system call failed";
        case SVIPC_BUFFER_TOO_SMALL: return "the buffer is smaller than the frame";
        case SVIPC_SHUT_DOWN: return "the socket was shut down";
        case SVIPC_PEER_REJECTED: return "the peer's uid is not allowed";
        case SVIPC_NOT_CONFINED: return "the opened file is outside the allowed roots";
        case SVIPC_MALFORMED_MESSAGE: return "the payload is not a valid protocol message";
        case SVIPC_WOULD_BLOCK: return "the operation would block: wait for readiness, then call again";
    }
    return "unknown status";
}

svipc_status svipc_status_from_errno(const svipc_socket* socket, int error)
{
    svipc_status status;
    if (socket != NULL && svipc_is_shut_down(socket))
    {
        status = SVIPC_SHUT_DOWN;
    }
    else if (error == EAGAIN || error == EWOULDBLOCK)
    {
        status = SVIPC_TIMEOUT;
    }
    else
    {
        status = SVIPC_SYSTEM_ERROR;
    }
    errno = error;
    return status;
}
