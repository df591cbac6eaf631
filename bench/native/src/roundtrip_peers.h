/*
 * The two ends of the round-trip benchmark, shared by the svipc_bench_roundtrip program
 * and the in-process library the C# harness interleaves with its own implementations.
 * A round trip: the child sends the Request; the supervisor receives it, (with_fd)
 * passes the granted descriptor first, as the reference does, then sends the Decision;
 * the child receives (and closes) the descriptor and receives the Decision.
 */
#ifndef ROUNDTRIP_PEERS_H
#define ROUNDTRIP_PEERS_H

#include <stdbool.h>
#include <stdint.h>
#include <supervisor_ipc.h>

#include "raw_frames.h"

typedef struct roundtrip_endpoint
{
    int fd;               /* floor */
    svipc_socket* socket; /* c-lib */
    bool use_library;
    /* c-lib-typed: svipc_send_message / svipc_recv_response and svipc_recv_message / svipc_send_response. */
    bool typed;
    bool with_fd;
    bool one_send_call;   /* floor-mmsg: the descriptor and the decision in one sendmmsg */
    bool wait_with_poll;  /* floor-poll: wait for the next message in poll(POLLIN), not in recvmsg */
    bool read_ahead;      /* floor-readahead: frames through raw_reader */
    raw_reader reader;
    int granted_file;     /* supervisor side: the descriptor it passes */
    uint8_t buffer[SVIPC_MAX_PAYLOAD];
} roundtrip_endpoint;

/* Connects the two ends for impl (a socketpair, or svipc_pair) and opens the granted file; 0 or -1. */
int roundtrip_connect(roundtrip_endpoint* supervisor, roundtrip_endpoint* child, const char* impl, bool with_fd);

/* The implementation named impl ("floor", "floor-mmsg", "floor-poll", "floor-readahead", "floor-readahead-poll",
 * "c-lib", "c-lib-poll"); false if there is none. */
bool roundtrip_known_impl(const char* impl);

/* Shuts both directions down, which ends a peer blocked in a step with an error. */
void roundtrip_shutdown(roundtrip_endpoint* end);

void roundtrip_close(roundtrip_endpoint* supervisor, roundtrip_endpoint* child);

/* One round trip's share of each side; NULL on success, else what failed. */
const char* roundtrip_child_step(roundtrip_endpoint* self);
const char* roundtrip_supervisor_step(roundtrip_endpoint* self);

#endif /* ROUNDTRIP_PEERS_H */
