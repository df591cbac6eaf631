/*
 * The supervisor's answers. A grant follows the reference: open the file
 * confined to the allowed roots, send the descriptor, then the Decision. The
 * open goes through svipc_open_confined's public signature only, so the policy
 * of what may be opened stays in one place (open_confined.c).
 */
#include "svipc_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

static svipc_response decision(svipc_string request_id, int32_t kind, svipc_string reason)
{
    svipc_response response;
    memset(&response, 0, sizeof(response));
    response.kind = SVIPC_RESPONSE_DECISION;
    response.as.decision.request_id = request_id;
    response.as.decision.decision.kind = kind;
    response.as.decision.decision.reason = reason;
    return response;
}

static svipc_status send_decision(svipc_socket* socket, svipc_string request_id, int32_t kind, svipc_string reason)
{
    svipc_response response = decision(request_id, kind, reason);
    return svipc_send_response(socket, &response);
}

svipc_status svipc_deny(svipc_socket* socket, svipc_string request_id, const char* reason)
{
    return send_decision(socket, request_id, SVIPC_DECISION_DENIED, svipc_c_string(reason));
}

svipc_status svipc_answer_timeout(svipc_socket* socket, svipc_string request_id)
{
    svipc_string none = { NULL, 0 };
    return send_decision(socket, request_id, SVIPC_DECISION_TIMEOUT, none);
}

svipc_status svipc_answer_url(svipc_socket* socket, svipc_string request_id, int32_t success, const char* error)
{
    svipc_response response;
    memset(&response, 0, sizeof(response));
    response.kind = SVIPC_RESPONSE_URL_OPENED;
    response.as.url_opened.request_id = request_id;
    response.as.url_opened.success = success ? 1 : 0;
    if (error != NULL)
    {
        response.as.url_opened.error = svipc_c_string(error);
    }
    return svipc_send_response(socket, &response);
}

/* Opens the requested path; the path on the wire may hold a NUL, which no file name can. */
static svipc_status open_requested(const svipc_capability_request* request, const char* const* roots,
                                   uint32_t root_count, int32_t* fd)
{
    char path[PATH_MAX];
    if (request->path.length == 0 || request->path.data == NULL ||
        memchr(request->path.data, '\0', request->path.length) != NULL)
    {
        errno = EINVAL;
        return SVIPC_INVALID_ARGUMENT;
    }
    if (request->path.length >= sizeof(path))
    {
        errno = ENAMETOOLONG;
        return SVIPC_SYSTEM_ERROR;
    }
    memcpy(path, request->path.data, request->path.length);
    path[request->path.length] = '\0';
    return svipc_open_confined(path, request->access, roots, root_count, fd);
}

svipc_status svipc_grant(svipc_socket* socket, const svipc_capability_request* request, const char* const* roots,
                         uint32_t root_count, svipc_status* open_status)
{
    if (socket == NULL || request == NULL)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    int32_t fd = -1;
    svipc_status opened = open_requested(request, roots, root_count, &fd);
    int open_errno = errno;
    if (open_status != NULL)
    {
        *open_status = opened;
    }
    if (opened != SVIPC_OK)
    {
        char reason[256];
        if (opened == SVIPC_SYSTEM_ERROR)
        {
            snprintf(reason, sizeof(reason), "the supervisor could not open the file: %s", strerror(open_errno));
        }
        else
        {
            snprintf(reason, sizeof(reason), "the supervisor could not open the file: %s", svipc_status_message(opened));
        }
        svipc_status status = svipc_deny(socket, request->request_id, reason);
        errno = open_errno;
        return status;
    }
    svipc_status status = svipc_send_fd(socket, fd);
    svipc_close_preserving_errno(fd);
    if (status != SVIPC_OK)
    {
        return status;
    }
    /* The descriptor is out (or, non-blocking, accepted): its Decision must follow, so a full socket keeps it unsent
     * rather than refusing it (svipc_flush sends it). */
    svipc_string none = { NULL, 0 };
    svipc_response granted = decision(request->request_id, SVIPC_DECISION_GRANTED, none);
    return svipc_send_response_accepted(socket, &granted);
}
