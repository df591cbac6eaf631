/*
 * The children's process of the cross-process scale benchmark (issue 13): N children whose
 * ends live here, connected to a supervisor (the C floor `svipc_bench_scale --serve`, or the
 * managed harness `scale-serve`) listening at PATH, so that the supervisor's process holds
 * only its own N descriptors (N = 10,000 fits under a 20,000 hard limit) and both
 * supervisors serve exactly the same children.
 *
 * 1. One warm-up connection asks 300 times (the managed supervisor's JIT), then the
 *    supervisor's RSS is read from /proc/PID (PID from the connection's peer credentials).
 * 2. N children connect and each asks once (each connection has been served, as an idle
 *    connection of a real supervisor has); after 200 ms the supervisor's RSS again.
 * 3. Probes (p50/p99 of one request on a random idle child), then --bursts rounds of N
 *    requests at once (median grants/s), then the supervisor's thread count.
 * Prints one Markdown row: N, p50, p99, grants/s, supervisor threads, supervisor RSS per
 * idle connection (KiB). Closing every connection ends the supervisor.
 *
 * svipc_bench_scale_children --connect PATH --file FILE --count N [--probes 100] [--bursts 5]
 */
#include "supervisor_ipc.h"

#include "scale_support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void ask(svipc_socket* child, const char* file)
{
    int32_t fd = -1;
    svipc_decision decision;
    svipc_status status =
        svipc_request_access(child, file, SVIPC_ACCESS_READ, "scale", "bench", SVIPC_INFINITE_TIMEOUT, &fd, &decision);
    if (status != SVIPC_OK || decision.kind != SVIPC_DECISION_GRANTED)
    {
        scale_fail("request", status);
    }
    close(fd);
}

static svipc_socket* connect_to(const char* path)
{
    svipc_socket* child = NULL;
    svipc_status status = svipc_connect(path, &child);
    if (status != SVIPC_OK)
    {
        scale_fail("connect", status);
    }
    return child;
}

int main(int argc, char** argv)
{
    const char* path = NULL;
    const char* file = NULL;
    long count = 0;
    int probes = 100, bursts = 5;
    for (int i = 1; i + 1 < argc; i += 2)
    {
        if (strcmp(argv[i], "--connect") == 0)
        {
            path = argv[i + 1];
        }
        else if (strcmp(argv[i], "--file") == 0)
        {
            file = argv[i + 1];
        }
        else if (strcmp(argv[i], "--count") == 0)
        {
            count = strtol(argv[i + 1], NULL, 10);
        }
        else if (strcmp(argv[i], "--probes") == 0)
        {
            probes = (int)strtol(argv[i + 1], NULL, 10);
        }
        else if (strcmp(argv[i], "--bursts") == 0)
        {
            bursts = (int)strtol(argv[i + 1], NULL, 10);
        }
        else
        {
            path = NULL;
            break;
        }
    }
    if (path == NULL || file == NULL || count <= 0 || probes <= 0 || bursts <= 0 || argc % 2 == 0)
    {
        fprintf(stderr, "usage: svipc_bench_scale_children --connect PATH --file FILE --count N [--probes 100] "
                        "[--bursts 5]\n");
        return 2;
    }
    scale_fit_descriptors(count + 64);

    svipc_socket* warm_up = connect_to(path);
    svipc_peer_credentials supervisor;
    svipc_status status = svipc_get_peer_credentials(warm_up, &supervisor);
    if (status != SVIPC_OK)
    {
        scale_fail("peer credentials", status);
    }
    for (int i = 0; i < 300; i++)
    {
        ask(warm_up, file);
    }
    usleep(200 * 1000);
    long rss_before = scale_rss_kib(supervisor.pid);

    svipc_socket** children = calloc((size_t)count, sizeof(*children));
    double* latencies = calloc((size_t)probes, sizeof(double));
    double* grants_per_second = calloc((size_t)bursts, sizeof(double));
    if (children == NULL || latencies == NULL || grants_per_second == NULL)
    {
        return 1;
    }
    for (long i = 0; i < count; i++)
    {
        children[i] = connect_to(path);
        ask(children[i], file);
    }
    usleep(200 * 1000);
    long rss_idle = scale_rss_kib(supervisor.pid);

    scale_probe(children, count, probes, file, latencies);
    scale_bursts(children, count, bursts, file, grants_per_second);
    int threads = scale_thread_count(supervisor.pid);
    printf("| %ld | %.3f | %.3f | %.0f | %d | %.1f |\n", count, scale_percentile(latencies, probes, 0.50),
           scale_percentile(latencies, probes, 0.99), scale_percentile(grants_per_second, bursts, 0.50), threads,
           (double)(rss_idle - rss_before) / (double)count);
    for (long i = 0; i < count; i++)
    {
        svipc_close(children[i]);
    }
    svipc_close(warm_up);
    free(grants_per_second);
    free(latencies);
    free(children);
    return 0;
}
