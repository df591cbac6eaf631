/*
 * Send layer: the sendmsg calls (stream_write.c), above readiness.h. A blocking
 * call finishes what it started; a non-blocking one never waits and says how
 * far it got.
 */
#ifndef SVIPC_STREAM_WRITE_H
#define SVIPC_STREAM_WRITE_H

#include "readiness.h"

/* Writes first + second from byte *sent on, advancing *sent. Non-blocking: SVIPC_WOULD_BLOCK once the kernel
 * takes no more. */
svipc_status svipc_write_stream(svipc_socket* socket, bool nonblocking, const uint8_t* first, size_t first_length,
                                const uint8_t* second, size_t second_length, size_t* sent, svipc_call_clock* clock);

/* One SCM_RIGHTS descriptor on its one-byte carrier: sent whole or not at all. */
svipc_status svipc_write_carrier(svipc_socket* socket, bool nonblocking, int fd, svipc_call_clock* clock);

#endif /* SVIPC_STREAM_WRITE_H */
