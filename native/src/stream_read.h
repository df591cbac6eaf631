/*
 * Receive layer 2: one read from the socket (the only recvmsg), with the waiting
 * rules of the socket's mode (readiness.h below it). It knows bytes and
 * descriptors, not frames.
 */
#ifndef SVIPC_STREAM_READ_H
#define SVIPC_STREAM_READ_H

#include "readiness.h"

/* What one recvmsg brought: data bytes and every descriptor that arrived with them. */
typedef struct svipc_arrival
{
    size_t byte_count; /* 0 means end of stream */
    int fds[SVIPC_MAX_RECEIVED_DESCRIPTORS];
    size_t fd_count;
    bool control_truncated;
} svipc_arrival;

/*
 * Reads at most wanted bytes into destination. SVIPC_OK with arrival->byte_count > 0 (data, with any
 * descriptors), or 0 (the peer's end of stream); else SVIPC_WOULD_BLOCK (non-blocking mode), SVIPC_TIMEOUT,
 * SVIPC_SHUT_DOWN or SVIPC_SYSTEM_ERROR, with nothing read.
 */
svipc_status svipc_read_stream(svipc_socket* socket, uint8_t* destination, size_t wanted, svipc_arrival* arrival,
                               svipc_call_clock* clock);
void svipc_close_arrived_descriptors(svipc_arrival* arrival);

#endif /* SVIPC_STREAM_READ_H */
