/*
 * The children's process of the cross-process scale benchmark (issue 13): N children whose
 * ends live here, connected to a supervisor (the C floor `svipc_bench_scale --serve`, or the
 * managed harness `scale-serve`) listening at PATH, so that the supervisor's process holds
 * only its own N descriptors (N = 10,000 fits under a 20,000 hard limit) and both
 * supervisors serve exactly the same children.
 *
 * 1. One warm-up connection asks 3,000 times and rests a second (the managed supervisor's
 *    JIT and tiering, as the round-trip benchmarks warm up), then the supervisor's RSS is read from /proc/PID (PID from the connection's peer credentials).
 * 2. N children connect and each asks once (each connection has been served, as an idle
 *    connection of a real supervisor has); after 200 ms the supervisor's RSS again.
 * 3. Probes (p50/p99 of one request on a random idle child), then --bursts rounds of N
 *    requests at once (median grants/s; the supervisor's CPU time over all bursts, per grant),
 *    then the supervisor's thread count.
 * Prints one Markdown row: N, p50, p99, grants/s, supervisor threads, supervisor RSS per
 * idle connection (KiB), supervisor CPU per grant (us). Closing every connection ends the supervisor.
 *
 * With --processes, each of the N children is a real process (forked; it connects, asks
 * once, then waits): the probes go over one more connection of this process while the N
 * processes sit idle, and a burst is every child process woken at once (the write end of a
 * pipe they all read is closed) asking once, timed until each has written "done".
 *
 * svipc_bench_scale_children --connect PATH --file FILE --count N [--probes 100] [--bursts 16] [--processes 1]
 */
#include "supervisor_ipc.h"

#include "scale_support.h"

#include "bench_clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_BURSTS 16

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

/* The supervisor's CPU time over the bursts, per grant, in microseconds (clock ticks: 10 ms granularity). */
static double per_grant_microseconds(double cpu_seconds, long count, int bursts)
{
    return cpu_seconds * 1e6 / ((double)count * (double)bursts);
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

/* A child process: connect, ask once, report ready, then one request per burst when its go pipe closes. */
static void child_process(const char* path, const char* file, int bursts, int go[][2], int ready_write, int done_write)
{
    for (int b = 0; b < bursts; b++)
    {
        close(go[b][1]);
    }
    svipc_socket* connection = connect_to(path);
    ask(connection, file);
    char byte = 'r';
    if (write(ready_write, &byte, 1) != 1)
    {
        _exit(1);
    }
    for (int b = 0; b < bursts; b++)
    {
        if (read(go[b][0], &byte, 1) != 0)
        {
            _exit(1);
        }
        ask(connection, file);
        byte = 'd';
        if (write(done_write, &byte, 1) != 1)
        {
            _exit(1);
        }
    }
    svipc_close(connection);
    _exit(0);
}

static void read_bytes(int fd, long count)
{
    char buffer[4096];
    while (count > 0)
    {
        ssize_t got = read(fd, buffer, (size_t)(count < 4096 ? count : 4096));
        if (got <= 0)
        {
            fprintf(stderr, "scale: a child process died\n");
            exit(1);
        }
        count -= got;
    }
}

static int compare_doubles(const void* left, const void* right)
{
    double a = *(const double*)left, b = *(const double*)right;
    return (a > b) - (a < b);
}

/* The --processes form: N forked children; prints the same row. */
static int run_processes(const char* path, const char* file, long count, int probes, int bursts, svipc_socket* warm_up,
                         pid_t supervisor, long rss_before)
{
    int go[MAX_BURSTS][2];
    int ready[2], done[2];
    if (pipe(ready) != 0 || pipe(done) != 0)
    {
        perror("pipe");
        return 1;
    }
    for (int b = 0; b < bursts; b++)
    {
        if (pipe(go[b]) != 0)
        {
            perror("pipe");
            return 1;
        }
    }
    fflush(stdout);
    pid_t* pids = calloc((size_t)count, sizeof(pid_t));
    if (pids == NULL)
    {
        return 1;
    }
    for (long i = 0; i < count; i++)
    {
        pids[i] = fork();
        if (pids[i] < 0)
        {
            perror("fork");
            return 1;
        }
        if (pids[i] == 0)
        {
            svipc_close(warm_up);
            child_process(path, file, bursts, go, ready[1], done[1]);
        }
    }
    read_bytes(ready[0], count);
    usleep(200 * 1000);
    long rss_idle = scale_rss_kib(supervisor);

    svipc_socket* prober = connect_to(path);
    double* latencies = calloc((size_t)probes, sizeof(double));
    double grants_per_second[MAX_BURSTS];
    if (latencies == NULL)
    {
        return 1;
    }
    scale_probe(&prober, 1, probes, file, latencies);
    double cpu_before = scale_cpu_seconds(supervisor);
    for (int b = 0; b < bursts; b++)
    {
        uint64_t started = bench_now_ns();
        close(go[b][1]);
        read_bytes(done[0], count);
        grants_per_second[b] = (double)count / ((double)(bench_now_ns() - started) / 1e9);
    }
    double cpu_per_grant = per_grant_microseconds(scale_cpu_seconds(supervisor) - cpu_before, count, bursts);
    qsort(grants_per_second, (size_t)bursts, sizeof(double), compare_doubles);
    int threads = scale_thread_count(supervisor);
    for (long i = 0; i < count; i++)
    {
        int status = 0;
        if (waitpid(pids[i], &status, 0) != pids[i] || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        {
            fprintf(stderr, "scale: child process %ld failed\n", (long)pids[i]);
            return 1;
        }
    }
    printf("| %ld processes | %.3f | %.3f | %.0f | %d | %.1f | %.1f |\n", count, scale_percentile(latencies, probes, 0.50),
           scale_percentile(latencies, probes, 0.99), scale_percentile(grants_per_second, bursts, 0.50), threads,
           (double)(rss_idle - rss_before) / (double)count, cpu_per_grant);
    svipc_close(prober);
    svipc_close(warm_up);
    free(latencies);
    free(pids);
    return 0;
}

int main(int argc, char** argv)
{
    const char* path = NULL;
    const char* file = NULL;
    long count = 0;
    int probes = 100, bursts = MAX_BURSTS, processes = 0;
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
        else if (strcmp(argv[i], "--processes") == 0)
        {
            processes = (int)strtol(argv[i + 1], NULL, 10);
        }
        else
        {
            path = NULL;
            break;
        }
    }
    if (path == NULL || file == NULL || count <= 0 || probes <= 0 || bursts <= 0 || bursts > MAX_BURSTS ||
        argc % 2 == 0)
    {
        fprintf(stderr, "usage: svipc_bench_scale_children --connect PATH --file FILE --count N [--probes 100] "
                        "[--bursts 16] [--processes 1]\n");
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
    for (int i = 0; i < 3000; i++)
    {
        ask(warm_up, file);
    }
    usleep(1000 * 1000);
    long rss_before = scale_rss_kib(supervisor.pid);
    if (processes)
    {
        return run_processes(path, file, count, probes, bursts, warm_up, supervisor.pid, rss_before);
    }

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
    double cpu_before = scale_cpu_seconds(supervisor.pid);
    scale_bursts(children, count, bursts, file, grants_per_second);
    double cpu_per_grant = per_grant_microseconds(scale_cpu_seconds(supervisor.pid) - cpu_before, count, bursts);
    int threads = scale_thread_count(supervisor.pid);
    printf("| %ld | %.3f | %.3f | %.0f | %d | %.1f | %.1f |\n", count, scale_percentile(latencies, probes, 0.50),
           scale_percentile(latencies, probes, 0.99), scale_percentile(grants_per_second, bursts, 0.50), threads,
           (double)(rss_idle - rss_before) / (double)count, cpu_per_grant);
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
