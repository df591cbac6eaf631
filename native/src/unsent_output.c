/*
 * Output a non-blocking send accepted but the kernel did not take yet: the rest
 * of one frame (or all of it, for svipc_grant's Decision: see
 * svipc_send_frame_accepted). The peer may already hold the start of that
 * frame, so the rest is never dropped while the connection lives: every later
 * send finishes it first, and svipc_flush finishes it on its own. A descriptor
 * is never kept: its one-byte carrier is sent whole or refused, and no frame is
 * sent before its descriptor. The copy is made only when a write stops short
 * and is freed as soon as it is out, so an idle connection holds none.
 */
#include "unsent_output.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool has_unsent_bytes(const svipc_socket* socket)
{
    return socket->unsent_end > socket->unsent_start;
}

static void forget_unsent_bytes(svipc_socket* socket)
{
    free(socket->unsent_bytes);
    socket->unsent_bytes = NULL;
    socket->unsent_start = 0;
    socket->unsent_end = 0;
}

void svipc_release_send_state(svipc_socket* socket)
{
    forget_unsent_bytes(socket);
}

static svipc_status fail_send(svipc_socket* socket, svipc_status status)
{
    /* The peer holds part of a frame; anything sent after it would be parsed as the rest of that frame. */
    int saved = errno;
    svipc_release_send_state(socket);
    socket->send_desynchronized = true;
    errno = saved;
    return status;
}

svipc_status svipc_keep_unsent(svipc_socket* socket, const uint8_t* first, size_t first_length, const uint8_t* second,
                               size_t second_length, size_t sent)
{
    size_t total = first_length + second_length;
    size_t rest = total - sent;
    uint8_t* copy = malloc(rest);
    if (copy == NULL)
    {
        errno = ENOMEM;
        return sent > 0 ? fail_send(socket, SVIPC_SYSTEM_ERROR) : SVIPC_SYSTEM_ERROR;
    }
    size_t copied = 0;
    if (sent < first_length)
    {
        memcpy(copy, first + sent, first_length - sent);
        copied = first_length - sent;
    }
    size_t second_skip = sent > first_length ? sent - first_length : 0;
    if (second_length > second_skip)
    {
        memcpy(copy + copied, second + second_skip, second_length - second_skip);
    }
    socket->unsent_bytes = copy;
    socket->unsent_start = 0;
    socket->unsent_end = (uint32_t)rest;
    return SVIPC_OK;
}

bool svipc_has_unsent_output(const svipc_socket* socket)
{
    return has_unsent_bytes(socket);
}

svipc_status svipc_finish_unsent_output(svipc_socket* socket, bool nonblocking, svipc_call_clock* clock)
{
    if (has_unsent_bytes(socket))
    {
        size_t sent = 0;
        svipc_status status = svipc_write_stream(socket, nonblocking, socket->unsent_bytes + socket->unsent_start,
                                                 socket->unsent_end - socket->unsent_start, NULL, 0, &sent, clock);
        socket->unsent_start += (uint32_t)sent;
        if (status == SVIPC_WOULD_BLOCK || status == SVIPC_TIMEOUT)
        {
            /* Still in step: the rest waits for the next flush or send. */
            return status;
        }
        if (status != SVIPC_OK)
        {
            return fail_send(socket, status);
        }
        forget_unsent_bytes(socket);
    }
    return SVIPC_OK;
}

static svipc_status flush_unrecorded(svipc_socket* socket)
{
    if (socket == NULL || socket->is_listener)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    if (!svipc_has_unsent_output(socket))
    {
        return SVIPC_OK;
    }
    if (svipc_is_shut_down(socket))
    {
        return SVIPC_SHUT_DOWN;
    }
    svipc_call_clock clock = svipc_start_call_clock(socket, SO_SNDTIMEO);
    return svipc_finish_unsent_output(socket, svipc_in_nonblocking_mode(socket), &clock);
}

svipc_status svipc_flush(svipc_socket* socket)
{
    errno = 0;
    return svipc_record_send_errno(socket, flush_unrecorded(socket));
}

int32_t svipc_has_pending_output(const svipc_socket* socket)
{
    return socket != NULL && !socket->is_listener && svipc_has_unsent_output(socket) ? 1 : 0;
}
