/*
 * Receive layer 3: the socket's receive buffer, filled from the stream
 * (stream_read.h below it), and where descriptors that came with a read wait
 * for the parser. It knows where frames start only through what the parser
 * above asks for (needed_total).
 */
#ifndef SVIPC_RECEIVE_BUFFER_H
#define SVIPC_RECEIVE_BUFFER_H

#include "stream_read.h"

/*
 * One read into the receive buffer for an item at buffered_start that needs needed_total bytes in all (its
 * prefix, or prefix and payload). *end_of_stream is set when the peer's stream ended instead.
 */
svipc_status svipc_fill_receive_buffer(svipc_socket* socket, uint32_t needed_total, svipc_call_clock* clock,
                                       bool* end_of_stream);

/* The buffered bytes not handed out yet; NULL when there are none. */
const uint8_t* svipc_buffered_bytes(const svipc_socket* socket, uint32_t* count);

/* The parser hands out count bytes from buffered_start. */
void svipc_consume_buffered(svipc_socket* socket, uint32_t count);

/* The parser reached the descriptors after the buffered bytes: a carrier's descriptor moves to *fd. */
svipc_status svipc_take_arrived_carrier(svipc_socket* socket, int* fd);

/* The stream position is lost: closes every descriptor kept and refuses further receives. */
svipc_status svipc_fail_receive(svipc_socket* socket, svipc_status status);

/*
 * A receive call ends. Unless it lent bytes from the buffer (a borrowed payload), an empty buffer goes back to
 * the pool and a short remainder moves to an allocation of its own size: an idle connection holds no buffer.
 */
void svipc_end_receive_call(svipc_socket* socket, bool lent);

#endif /* SVIPC_RECEIVE_BUFFER_H */
