/*
 * Typed messages on a socket: encode and send
 * one frame; receive one frame into the socket's receive buffer and decode it
 * there, in place, so a received message borrows from the socket like
 * svipc_recv_frame_borrowed's payload does. Encoding uses a buffer of the
 * thread's pool (buffer_pool.h) for the call only; nothing is allocated per
 * message once a thread has its spares.
 */
#include "svipc_internal.h"

#include "buffer_pool.h"

#include <errno.h>
#include <stdlib.h>

svipc_status svipc_send_message(svipc_socket* socket, const svipc_message* message)
{
    if (socket == NULL || message == NULL || socket->is_listener)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    /* Encoded into a buffer of the thread's pool for this call only: the socket keeps no encode buffer. */
    uint8_t* buffer = svipc_take_frame_buffer();
    if (buffer == NULL)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    uint32_t length;
    svipc_status status = svipc_encode_message(message, buffer, SVIPC_MAX_PAYLOAD, &length);
    if (status == SVIPC_OK)
    {
        status = svipc_send_frame(socket, buffer, length);
    }
    svipc_give_back_frame_buffer(buffer);
    return status;
}

static svipc_status send_response_frame(svipc_socket* socket, const svipc_response* response, bool accept_whole)
{
    if (socket == NULL || response == NULL || socket->is_listener)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    uint8_t* buffer = svipc_take_frame_buffer();
    if (buffer == NULL)
    {
        return SVIPC_SYSTEM_ERROR;
    }
    uint32_t length;
    svipc_status status = svipc_encode_response(response, buffer, SVIPC_MAX_PAYLOAD, &length);
    if (status == SVIPC_OK)
    {
        status = accept_whole ? svipc_send_frame_accepted(socket, buffer, length) : svipc_send_frame(socket, buffer, length);
    }
    svipc_give_back_frame_buffer(buffer);
    return status;
}

svipc_status svipc_send_response(svipc_socket* socket, const svipc_response* response)
{
    return send_response_frame(socket, response, false);
}

svipc_status svipc_send_response_accepted(svipc_socket* socket, const svipc_response* response)
{
    return send_response_frame(socket, response, true);
}

/*
 * The next frame, writable: the borrowed payload lies in the socket's receive buffer, which the
 * library allocated and which nothing reads again once the frame is handed out.
 */
static svipc_status receive_writable(svipc_socket* socket, uint8_t** payload, uint32_t* length)
{
    const uint8_t* borrowed = NULL;
    svipc_status status = svipc_recv_frame_borrowed(socket, &borrowed, length);
    *payload = (uint8_t*)(uintptr_t)borrowed;
    return status;
}

svipc_status svipc_recv_message(svipc_socket* socket, svipc_message* message, svipc_format_error* error)
{
    if (socket == NULL || message == NULL)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    uint8_t* payload;
    uint32_t length;
    svipc_status status = receive_writable(socket, &payload, &length);
    return status == SVIPC_OK ? svipc_decode_message(payload, length, message, error) : status;
}

svipc_status svipc_recv_response(svipc_socket* socket, svipc_response* response, svipc_format_error* error)
{
    if (socket == NULL || response == NULL)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    uint8_t* payload;
    uint32_t length;
    svipc_status status = receive_writable(socket, &payload, &length);
    return status == SVIPC_OK ? svipc_decode_response(payload, length, response, error) : status;
}
