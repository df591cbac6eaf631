/* Output a non-blocking send accepted but could not write yet (unsent_output.c), above stream_write.h. */
#ifndef SVIPC_UNSENT_OUTPUT_H
#define SVIPC_UNSENT_OUTPUT_H

#include "stream_write.h"

/* Keeps first + second from byte sent on as unsent output; there must be none yet. */
svipc_status svipc_keep_unsent(svipc_socket* socket, const uint8_t* first, size_t first_length, const uint8_t* second,
                               size_t second_length, size_t sent);

bool svipc_has_unsent_output(const svipc_socket* socket);

/*
 * Writes what is unsent (blocking or not). SVIPC_OK when nothing is left; SVIPC_WOULD_BLOCK or SVIPC_TIMEOUT keep
 * the rest; any other failure drops it and desynchronizes the sending direction.
 */
svipc_status svipc_finish_unsent_output(svipc_socket* socket, bool nonblocking, svipc_call_clock* clock);

#endif /* SVIPC_UNSENT_OUTPUT_H */
