/* The one-call forms of a confined open: with a held confinement, and one-shot with roots given as text. */
#include "supervisor_ipc.h"

#include <errno.h>
#include <stddef.h>

SVIPC_API svipc_status svipc_confinement_open(const svipc_confinement* confinement, const char* path, int32_t access,
                                              int32_t* fd)
{
    if (fd == NULL || access < SVIPC_ACCESS_READ || access > SVIPC_ACCESS_READ_WRITE)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    svipc_resolved_file* resolved = NULL;
    svipc_status status = svipc_confinement_resolve(confinement, path, &resolved);
    if (status == SVIPC_OK)
    {
        status = svipc_resolved_file_open(resolved, access, fd);
        int saved = errno;
        svipc_resolved_file_free(resolved);
        errno = saved;
    }
    return status;
}

SVIPC_API svipc_status svipc_open_confined(const char* path, int32_t access, const char* const* roots,
                                           uint32_t root_count, int32_t* fd)
{
    if (path == NULL || path[0] != '/' || fd == NULL || access < SVIPC_ACCESS_READ || access > SVIPC_ACCESS_READ_WRITE)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    svipc_confinement* confinement = NULL;
    svipc_status status = svipc_confinement_create(roots, root_count, 0, &confinement);
    if (status == SVIPC_OK)
    {
        status = svipc_confinement_open(confinement, path, access, fd);
        int saved = errno;
        svipc_confinement_free(confinement);
        errno = saved;
    }
    return status;
}
