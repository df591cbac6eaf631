/* Wall-clock and CPU-time readings for the benchmark programs. */
#ifndef BENCH_CLOCK_H
#define BENCH_CLOCK_H

#include <stdint.h>

/* CPU time this process has used so far (every thread), from getrusage(RUSAGE_SELF). */
typedef struct bench_cpu_time
{
    uint64_t user_ns;
    uint64_t system_ns;
    uint64_t voluntary_switches;
    uint64_t involuntary_switches;
} bench_cpu_time;

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

bench_cpu_time bench_cpu_now(void);

/* Number of CPUs this process may run on (1 under `taskset -c 0`). */
int32_t bench_allowed_cpus(void);

#endif /* BENCH_CLOCK_H */
