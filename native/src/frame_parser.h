/*
 * Receive layer 4: frames and descriptors, parsed from the receive buffer
 * (receive_buffer.h below it). The public receive calls (receive_calls.c) are
 * the only callers; they check the socket's state once before calling in.
 */
#ifndef SVIPC_FRAME_PARSER_H
#define SVIPC_FRAME_PARSER_H

#include "receive_buffer.h"

/*
 * On SVIPC_OK the next frame is handed out: its payload is at *payload (in the receive buffer) with *length
 * bytes. SVIPC_BUFFER_TOO_SMALL leaves it where it is, with *length set to its payload size.
 */
svipc_status svipc_parse_frame(svipc_socket* socket, uint32_t capacity, const uint8_t** payload, uint32_t* length);

/* The next descriptor: one kept from an earlier frame receive, or a carrier at the next frame boundary. */
svipc_status svipc_parse_descriptor(svipc_socket* socket, int32_t* fd);

#endif /* SVIPC_FRAME_PARSER_H */
