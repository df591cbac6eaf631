/*
 * Receive and send layer 1: waiting for readiness. The clock of one public call
 * and the poll() waits bounded by what is left of a socket timeout. Nothing
 * here reads, writes or interprets the stream; whether a wake-up meant data, end
 * of stream or a shutdown is for the system call after it to say.
 */
#ifndef SVIPC_READINESS_H
#define SVIPC_READINESS_H

#include "svipc_internal.h"

/*
 * The clock of one public call. A socket timeout bounds the whole call, not each
 * system call in it: once the call has made progress, later reads and writes do
 * not block in the kernel but wait with poll() for what is left, so a peer that
 * trickles one byte at a time cannot stretch a call beyond its timeout.
 */
typedef struct svipc_call_clock
{
    int64_t started_ms;
    bool made_progress;
} svipc_call_clock;

/* started_ms when the clock was not read because no timeout was set at the start of the call. */
#define SVIPC_CLOCK_NOT_READ INT64_MIN

int64_t svipc_monotonic_ms(void);

/* Reads the clock only if timeout_option (SO_RCVTIMEO or SO_SNDTIMEO) is set on the socket. */
svipc_call_clock svipc_start_call_clock(const svipc_socket* socket, int timeout_option);

/*
 * Waits until the socket is ready for events again, for at most what is left of
 * the timeout in timeout_option since clock->started_ms. With no timeout set it
 * returns at once unless the call has made progress (then the next system call is
 * non-blocking, so it waits without limit instead).
 */
svipc_status svipc_wait_for_remaining(svipc_socket* socket, int timeout_option, short events, svipc_call_clock* clock);

/* One poll(); a signal ends it with SVIPC_OK (the caller's next system call decides), 0 ready is SVIPC_TIMEOUT. */
svipc_status svipc_poll_once(svipc_socket* socket, short events, int timeout_ms);

#endif /* SVIPC_READINESS_H */
