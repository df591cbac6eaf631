/*
 * The child's one call per request: build the message, send it, and wait for
 * the answer to this request id. A descriptor for a grant may come before or
 * after the Decision frame (the reference sends it first); a carrier met before
 * the frame is kept by the frame receive, so svipc_recv_fd afterwards finds it
 * in either order. Answers to other ids are leftovers of requests abandoned
 * after a timeout: they are skipped, and a descriptor that came with one closed.
 */
#include "svipc_internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

svipc_string svipc_c_string(const char* text)
{
    svipc_string result = { text == NULL ? "" : text, 0 };
    size_t length = strlen(result.data);
    result.length = length > UINT32_MAX ? UINT32_MAX : (uint32_t)length; /* longer cannot be sent anyway */
    return result;
}

static bool same_text(svipc_string a, const char* b)
{
    return a.length == strlen(b) && memcmp(a.data, b, a.length) == 0;
}

/* The socket's read timeout for the exchange: timeout_ms, then back to what it was. */
typedef struct saved_timeout
{
    int32_t previous;
} saved_timeout;

static svipc_status apply_timeout(svipc_socket* socket, int32_t timeout_ms, saved_timeout* saved)
{
    svipc_status status = svipc_get_read_timeout(socket, &saved->previous);
    return status == SVIPC_OK ? svipc_set_read_timeout(socket, timeout_ms) : status;
}

static void restore_timeout(svipc_socket* socket, const saved_timeout* saved)
{
    int saved_errno = errno;
    (void)svipc_set_read_timeout(socket, saved->previous);
    errno = saved_errno;
}

/* A grant's descriptor that nobody asked for any more. */
static svipc_status discard_descriptor(svipc_socket* socket)
{
    int32_t stray = -1;
    svipc_status status = svipc_recv_fd(socket, &stray);
    if (status == SVIPC_OK)
    {
        svipc_close_preserving_errno(stray);
    }
    return status == SVIPC_NO_DESCRIPTOR ? SVIPC_OK : status;
}

/* Receives responses until one answers id. */
static svipc_status await_answer(svipc_socket* socket, const char* id, svipc_response* response)
{
    for (;;)
    {
        svipc_status status = svipc_recv_response(socket, response, NULL);
        if (status != SVIPC_OK)
        {
            return status;
        }
        bool decision = response->kind == SVIPC_RESPONSE_DECISION;
        svipc_string answered = decision ? response->as.decision.request_id : response->as.url_opened.request_id;
        if (same_text(answered, id))
        {
            return SVIPC_OK;
        }
        if (decision && response->as.decision.decision.kind == SVIPC_DECISION_GRANTED)
        {
            status = discard_descriptor(socket);
            if (status != SVIPC_OK)
            {
                return status;
            }
        }
    }
}

static bool valid_timeout(int32_t timeout_ms)
{
    return timeout_ms > 0 || timeout_ms == SVIPC_INFINITE_TIMEOUT;
}

/* These calls wait for the answer themselves: a socket driven by an event loop cannot be handed to them. */
static bool can_wait(const svipc_socket* socket)
{
    return !svipc_in_nonblocking_mode(socket);
}

svipc_status svipc_request_access(svipc_socket* socket, const char* path, int32_t access, const char* reason,
                                  const char* session_id, int32_t timeout_ms, int32_t* fd, svipc_decision* decision)
{
    if (socket == NULL || !can_wait(socket) || path == NULL || fd == NULL || decision == NULL ||
        !valid_timeout(timeout_ms) ||
        access < SVIPC_ACCESS_READ || access > SVIPC_ACCESS_READ_WRITE)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    char id[SVIPC_REQUEST_ID_SIZE];
    svipc_new_request_id(id);
    svipc_message message;
    memset(&message, 0, sizeof(message));
    message.kind = SVIPC_MESSAGE_REQUEST;
    message.as.request.request_id = svipc_c_string(id);
    message.as.request.path = svipc_c_string(path);
    message.as.request.access = access;
    message.as.request.reason.data = NULL;
    if (reason != NULL)
    {
        message.as.request.reason = svipc_c_string(reason);
    }
    message.as.request.child_pid = (uint32_t)getpid();
    message.as.request.session_id = svipc_c_string(session_id);

    saved_timeout saved;
    svipc_status status = svipc_send_message(socket, &message);
    if (status != SVIPC_OK || (status = apply_timeout(socket, timeout_ms, &saved)) != SVIPC_OK)
    {
        return status;
    }
    svipc_response response;
    int32_t received = -1;
    status = await_answer(socket, id, &response);
    if (status == SVIPC_OK && response.kind != SVIPC_RESPONSE_DECISION)
    {
        status = SVIPC_PROTOCOL_VIOLATION; /* a UrlOpened cannot answer a file request */
    }
    if (status == SVIPC_OK && response.as.decision.decision.kind == SVIPC_DECISION_GRANTED)
    {
        status = svipc_recv_fd(socket, &received);
        if (status == SVIPC_NO_DESCRIPTOR)
        {
            status = SVIPC_PROTOCOL_VIOLATION; /* a grant comes with its descriptor */
        }
    }
    restore_timeout(socket, &saved);
    if (status == SVIPC_OK)
    {
        *fd = received;
        *decision = response.as.decision.decision;
    }
    return status;
}

svipc_status svipc_open_url(svipc_socket* socket, const char* url, const char* session_id, int32_t timeout_ms,
                            int32_t* success, svipc_string* error)
{
    if (socket == NULL || !can_wait(socket) || url == NULL || success == NULL || !valid_timeout(timeout_ms))
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    char id[SVIPC_REQUEST_ID_SIZE];
    svipc_new_request_id(id);
    svipc_message message;
    memset(&message, 0, sizeof(message));
    message.kind = SVIPC_MESSAGE_OPEN_URL;
    message.as.open_url.request_id = svipc_c_string(id);
    message.as.open_url.url = svipc_c_string(url);
    message.as.open_url.child_pid = (uint32_t)getpid();
    message.as.open_url.session_id = svipc_c_string(session_id);

    saved_timeout saved;
    svipc_status status = svipc_send_message(socket, &message);
    if (status != SVIPC_OK || (status = apply_timeout(socket, timeout_ms, &saved)) != SVIPC_OK)
    {
        return status;
    }
    svipc_response response;
    status = await_answer(socket, id, &response);
    if (status == SVIPC_OK && response.kind != SVIPC_RESPONSE_URL_OPENED)
    {
        status = SVIPC_PROTOCOL_VIOLATION; /* a Decision cannot answer a URL request */
    }
    restore_timeout(socket, &saved);
    if (status == SVIPC_OK)
    {
        *success = response.as.url_opened.success;
        if (error != NULL)
        {
            *error = response.as.url_opened.error;
        }
    }
    return status;
}
