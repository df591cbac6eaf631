/*
 * Round trip child -> supervisor Request -> Decision(Granted), optionally with the
 * granted descriptor passed first (the reference's order), between two threads of
 * one process. The main thread plays the child and times the round trips; a second
 * thread plays the supervisor. Run under `taskset -c 0` to pin both to one CPU.
 *
 *   --impl floor   raw sendmsg/recvmsg (raw_frames.c)
 *   --impl floor-mmsg  the floor, with the descriptor and the decision sent by one sendmmsg
 *   --impl floor-poll  the floor, each side waiting for its next message in poll(POLLIN)
 *   --impl floor-readahead       the floor reading all that is queued in one recvmsg (raw_reader)
 *   --impl floor-readahead-poll  the same, each side waiting in poll(POLLIN) first
 *   --impl c-lib   the supervisor_ipc C API
 *   --impl c-lib-poll  the same with svipc_set_wait_in_poll on both ends
 *   --impl c-lib-typed the C API's typed messages: svipc_send_message / svipc_recv_message, encode and decode both sides
 */
#include "bench_clock.h"
#include "bench_options.h"
#include "roundtrip_peers.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

typedef struct supervisor_job
{
    roundtrip_endpoint* end;
    uint64_t steps;
} supervisor_job;

static void* run_supervisor(void* argument)
{
    supervisor_job* job = argument;
    for (uint64_t i = 0; i < job->steps; i++)
    {
        const char* failure = roundtrip_supervisor_step(job->end);
        if (failure != NULL)
        {
            bench_fail(failure);
        }
    }
    return NULL;
}

static void child_step(roundtrip_endpoint* end)
{
    const char* failure = roundtrip_child_step(end);
    if (failure != NULL)
    {
        bench_fail(failure);
    }
}

static roundtrip_endpoint supervisor_end;
static roundtrip_endpoint child_end;

int main(int argc, char** argv)
{
    bench_options options = { .impl = "floor", .with_fd = false, .iterations = 100000, .warmup = 10000 };
    if (!bench_parse_options(argc, argv, &options, "[--impl floor|floor-mmsg|floor-poll|floor-readahead|floor-readahead-poll|c-lib|c-lib-poll|c-lib-typed] [--fd 0|1] [--iterations N] [--warmup N]"))
    {
        return 2;
    }
    if (!roundtrip_known_impl(options.impl))
    {
        fprintf(stderr, "unknown --impl %s\n", options.impl);
        return 2;
    }

    if (roundtrip_connect(&supervisor_end, &child_end, options.impl, options.with_fd) != 0)
    {
        bench_fail("connect the peers");
    }
    supervisor_job job = { .end = &supervisor_end, .steps = options.warmup + options.iterations };

    pthread_t supervisor;
    if (pthread_create(&supervisor, NULL, run_supervisor, &job) != 0)
    {
        bench_fail("pthread_create");
    }
    for (uint64_t i = 0; i < options.warmup; i++)
    {
        child_step(&child_end);
    }
    bench_cpu_time cpu_start = bench_cpu_now();
    uint64_t start = bench_now_ns();
    for (uint64_t i = 0; i < options.iterations; i++)
    {
        child_step(&child_end);
    }
    uint64_t elapsed = bench_now_ns() - start;
    bench_cpu_time cpu_end = bench_cpu_now();
    pthread_join(supervisor, NULL);

    double count = (double)options.iterations;
    printf("result bench=roundtrip impl=%s fd=%d cpus=%d iterations=%llu ns_per_op=%.1f cpu_ns_per_op=%.1f "
           "switches_per_op=%.2f\n",
           options.impl, options.with_fd ? 1 : 0, bench_allowed_cpus(), (unsigned long long)options.iterations,
           (double)elapsed / count,
           (double)((cpu_end.user_ns - cpu_start.user_ns) + (cpu_end.system_ns - cpu_start.system_ns)) / count,
           (double)((cpu_end.voluntary_switches - cpu_start.voluntary_switches) +
                    (cpu_end.involuntary_switches - cpu_start.involuntary_switches)) / count);

    roundtrip_close(&supervisor_end, &child_end);
    return 0;
}
