/*
 * The C round trip (floor or library) as a shared library, so that the C# harness can
 * run it in its own process, block by block, interleaved with the managed
 * implementations: every ratio then compares code measured within the same second.
 */
#ifndef NATIVE_PEERS_H
#define NATIVE_PEERS_H

#include <stdint.h>

#define BENCH_EXPORT __attribute__((visibility("default")))

typedef struct native_peers native_peers;

/* Connects both ends for impl (see roundtrip_known_impl) and starts the supervisor thread; NULL on failure. */
BENCH_EXPORT native_peers* bench_native_peers_start(const char* impl, int32_t with_fd);

/* Runs round_trips round trips with the calling thread as the child; 0, or -1 after a failure. */
BENCH_EXPORT int32_t bench_native_peers_run(native_peers* peers, int64_t round_trips);

/* Ends the supervisor thread and closes everything. */
BENCH_EXPORT void bench_native_peers_stop(native_peers* peers);

#endif /* NATIVE_PEERS_H */
