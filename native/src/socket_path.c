/* Turning a path into a sockaddr_un without ever truncating it. */
#include "svipc_internal.h"

#include <string.h>

svipc_status svipc_make_address(const char* path, struct sockaddr_un* address, socklen_t* address_length)
{
    if (path == NULL || path[0] == '\0')
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    size_t length = strlen(path);
    /* sun_path must keep its terminating NUL: a path that only fits without it is refused, never cut. */
    if (length >= sizeof(address->sun_path))
    {
        return SVIPC_PATH_TOO_LONG;
    }
    memset(address, 0, sizeof(*address));
    address->sun_family = AF_UNIX;
    memcpy(address->sun_path, path, length + 1);
    *address_length = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + length + 1);
    return SVIPC_OK;
}
