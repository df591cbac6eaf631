/*
 * The C floor of the scale benchmark (issue 13): what one thread with epoll does for N
 * idle connected children, to set the managed `scale` mode's figures against.
 *
 * One serving thread owns the supervisor ends, each in non-blocking mode and registered
 * (edge-triggered) with one readiness port (epoll); on readiness it receives requests
 * until SVIPC_WOULD_BLOCK and answers each with svipc_grant (open confined to the
 * directory, send descriptor + Decision Granted), the same work as SupervisorService
 * with a path rule.
 *
 * In-process (the default), the ends are N pairs and the main thread plays the children,
 * as the managed harness does in its own process (scale_support.c):
 *   - probes: one request on a random idle child (svipc_request_access), p50/p99;
 *   - N requests at once: every child sends one request, then every answer (descriptor
 *     and Decision) is received → grants per second, the median of --bursts bursts;
 *   - threads of the process (the serving thread is the only one besides main);
 *   - RSS growth over the idle connections / N (both ends; kernel buffers are not in RSS).
 * Prints one Markdown row per N, with the managed table's columns.
 *
 * With --serve PATH it binds PATH and serves, on the same one thread, whatever connects
 * (svipc_bench_scale_children measures from the other process), until every connection
 * it accepted has closed again; files are granted beneath --root.
 *
 * svipc_bench_scale [--counts 10,100,1000] [--probes 100] [--bursts 5] [--no-header]
 * svipc_bench_scale --serve PATH --root DIRECTORY
 */
#include "supervisor_ipc.h"

#include "scale_support.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LISTENER_TOKEN UINT32_MAX

typedef struct server
{
    int32_t port;
    svipc_socket* listener; /* NULL in-process */
    svipc_socket** ends;
    long capacity;
    long accepted;
    long open_connections;
    const char* root;
} server;

/* Answers everything the connection has; 0 when its child has gone. */
static int serve_connection(server* state, svipc_socket* end)
{
    const char* roots[1] = { state->root };
    for (;;)
    {
        svipc_message message;
        svipc_status status = svipc_recv_message(end, &message, NULL);
        if (status == SVIPC_WOULD_BLOCK)
        {
            return 1;
        }
        if (status == SVIPC_CLOSED)
        {
            return 0;
        }
        if (status != SVIPC_OK || message.kind != SVIPC_MESSAGE_REQUEST)
        {
            scale_fail("serving receive", status);
        }
        svipc_status opened;
        status = svipc_grant(end, &message.as.request, roots, 1, &opened);
        while (status == SVIPC_WOULD_BLOCK)
        {
            /* Never seen here (each child asks once and reads its answer); a real server would keep the
             * request and wait for writability in its loop instead of in poll. */
            svipc_wait_ready(svipc_fd(end), SVIPC_READY_WRITABLE, SVIPC_INFINITE_TIMEOUT);
            status = svipc_grant(end, &message.as.request, roots, 1, &opened);
        }
        if (status != SVIPC_OK || opened != SVIPC_OK)
        {
            scale_fail("grant", status != SVIPC_OK ? status : opened);
        }
    }
}

static void add_connection(server* state, svipc_socket* end)
{
    if (state->accepted == state->capacity)
    {
        long capacity = state->capacity == 0 ? 1024 : 2 * state->capacity;
        svipc_socket** ends = realloc(state->ends, (size_t)capacity * sizeof(*ends));
        if (ends == NULL)
        {
            exit(1);
        }
        state->ends = ends;
        state->capacity = capacity;
    }
    svipc_status status = svipc_set_nonblocking(end, 1);
    if (status == SVIPC_OK)
    {
        status = svipc_event_port_add(state->port, svipc_fd(end), (uint32_t)state->accepted);
    }
    if (status != SVIPC_OK)
    {
        scale_fail("register connection", status);
    }
    state->ends[state->accepted++] = end;
    state->open_connections++;
}

static void accept_all_queued(server* state)
{
    for (;;)
    {
        svipc_socket* connection = NULL;
        svipc_status status = svipc_accept(state->listener, 0, &connection);
        if (status == SVIPC_WOULD_BLOCK || status == SVIPC_TIMEOUT)
        {
            return;
        }
        if (status != SVIPC_OK)
        {
            scale_fail("accept", status);
        }
        add_connection(state, connection);
    }
}

/* Serves until every connection accepted (in-process: every pair) has closed. */
static void* serve(void* argument)
{
    server* state = argument;
    svipc_ready_event events[256];
    while (state->open_connections > 0 || (state->listener != NULL && state->accepted == 0))
    {
        int32_t ready = 0;
        svipc_status status = svipc_event_port_wait(state->port, events, 256, SVIPC_INFINITE_TIMEOUT, &ready);
        if (status != SVIPC_OK)
        {
            scale_fail("svipc_event_port_wait", status);
        }
        for (int32_t i = 0; i < ready; i++)
        {
            if (events[i].token == LISTENER_TOKEN)
            {
                accept_all_queued(state);
                continue;
            }
            svipc_socket* end = state->ends[events[i].token];
            if (end != NULL && !serve_connection(state, end))
            {
                svipc_event_port_remove(state->port, svipc_fd(end));
                svipc_close(end);
                state->ends[events[i].token] = NULL;
                state->open_connections--;
            }
        }
    }
    return NULL;
}

static void create_port(server* state)
{
    svipc_status status = svipc_event_port_create(&state->port);
    if (status != SVIPC_OK)
    {
        scale_fail("svipc_event_port_create", status);
    }
}

static int serve_path(const char* path, const char* root)
{
    scale_fit_descriptors(12000 + 64);
    server state = { 0 };
    state.root = root;
    create_port(&state);
    svipc_status status = svipc_bind(path, &state.listener);
    if (status == SVIPC_OK)
    {
        status = svipc_set_nonblocking(state.listener, 1);
    }
    if (status == SVIPC_OK)
    {
        status = svipc_event_port_add(state.port, svipc_fd(state.listener), LISTENER_TOKEN);
    }
    if (status != SVIPC_OK)
    {
        scale_fail("bind", status);
    }
    accept_all_queued(&state);
    serve(&state);
    svipc_close(state.listener);
    close(state.port);
    free(state.ends);
    return 0;
}

static void run_one(long count, int probes, int bursts, const char* root, const char* file, int print)
{
    scale_fit_descriptors(2 * count + 64);
    long rss_before = scale_rss_kib(0);
    server state = { 0 };
    state.root = root;
    create_port(&state);
    svipc_socket** children = calloc((size_t)count, sizeof(*children));
    if (children == NULL)
    {
        exit(1);
    }
    for (long i = 0; i < count; i++)
    {
        svipc_socket* end = NULL;
        svipc_status status = svipc_pair(&end, &children[i]);
        if (status != SVIPC_OK)
        {
            scale_fail("pair", status);
        }
        add_connection(&state, end);
    }
    pthread_t thread;
    if (pthread_create(&thread, NULL, serve, &state) != 0)
    {
        exit(1);
    }
    usleep(200 * 1000);
    long rss_idle = scale_rss_kib(0);

    double* latencies = calloc((size_t)probes, sizeof(double));
    double* grants_per_second = calloc((size_t)bursts, sizeof(double));
    if (latencies == NULL || grants_per_second == NULL)
    {
        exit(1);
    }
    scale_probe(children, count, probes, file, latencies);
    scale_bursts(children, count, bursts, file, grants_per_second);
    int threads = scale_thread_count(0);

    for (long i = 0; i < count; i++)
    {
        svipc_close(children[i]);
    }
    pthread_join(thread, NULL);
    close(state.port);
    if (print)
    {
        printf("| %ld | %.3f | %.3f | %.0f | %d | %.1f |\n", count, scale_percentile(latencies, probes, 0.50),
               scale_percentile(latencies, probes, 0.99), scale_percentile(grants_per_second, bursts, 0.50), threads,
               (double)(rss_idle - rss_before) / (double)count);
        fflush(stdout);
    }
    free(grants_per_second);
    free(latencies);
    free(children);
    free(state.ends);
}

static int usage(void)
{
    fprintf(stderr, "usage: svipc_bench_scale [--counts 10,100,1000] [--probes 100] [--bursts 5] [--no-header]\n"
                    "       svipc_bench_scale --serve PATH --root DIRECTORY\n");
    return 2;
}

int main(int argc, char** argv)
{
    const char* counts = "10,100,1000";
    const char* serve_at = NULL;
    const char* root = NULL;
    int probes = 100, bursts = 5, header = 1;
    for (int i = 1; i < argc; i++)
    {
        if (strcmp(argv[i], "--counts") == 0 && i + 1 < argc)
        {
            counts = argv[++i];
        }
        else if (strcmp(argv[i], "--probes") == 0 && i + 1 < argc)
        {
            probes = (int)strtol(argv[++i], NULL, 10);
        }
        else if (strcmp(argv[i], "--bursts") == 0 && i + 1 < argc)
        {
            bursts = (int)strtol(argv[++i], NULL, 10);
        }
        else if (strcmp(argv[i], "--serve") == 0 && i + 1 < argc)
        {
            serve_at = argv[++i];
        }
        else if (strcmp(argv[i], "--root") == 0 && i + 1 < argc)
        {
            root = argv[++i];
        }
        else if (strcmp(argv[i], "--no-header") == 0)
        {
            header = 0;
        }
        else
        {
            return usage();
        }
    }
    if (serve_at != NULL)
    {
        return root == NULL ? usage() : serve_path(serve_at, root);
    }
    if (probes <= 0 || bursts <= 0)
    {
        return usage();
    }
    char directory[] = "/tmp/svipc-scale-XXXXXX";
    if (mkdtemp(directory) == NULL)
    {
        perror("mkdtemp");
        return 1;
    }
    char file[64];
    snprintf(file, sizeof(file), "%s/granted.txt", directory);
    FILE* granted = fopen(file, "w");
    if (granted == NULL || fputs("granted\n", granted) < 0 || fclose(granted) != 0)
    {
        perror(file);
        return 1;
    }
    run_one(10, 10, bursts, directory, file, 0); /* warm-up: page faults of the library's first calls */
    if (header)
    {
        printf("| connections | probe p50 (ms) | probe p99 (ms) | N requests at once: grants/s | threads | RSS per idle "
               "connection (KiB) |\n|---:|---:|---:|---:|---:|---:|\n");
    }
    char* list = strdup(counts);
    for (char* item = strtok(list, ","); item != NULL; item = strtok(NULL, ","))
    {
        long count = strtol(item, NULL, 10);
        if (count <= 0)
        {
            return usage();
        }
        run_one(count, probes, bursts, directory, file, 1);
    }
    free(list);
    unlink(file);
    rmdir(directory);
    return 0;
}
