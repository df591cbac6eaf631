/*
 * The C floor of the scale benchmark (issue 13): what one thread with epoll does for N
 * idle connected children, to set the managed `scale` mode's figures against.
 *
 * One serving thread owns the N supervisor ends of N in-process pairs, each in
 * non-blocking mode and registered (edge-triggered) with one readiness port (epoll);
 * on readiness it receives requests until SVIPC_WOULD_BLOCK and answers each with
 * svipc_grant (open confined to the directory, send descriptor + Decision Granted),
 * the same work as SupervisorService with a path rule. The main thread plays the
 * children, as the managed harness does in its own process:
 *   - probes: one request on a random idle child (svipc_request_access), p50/p99;
 *   - N requests at once: every child sends one request, then every answer
 *     (descriptor and Decision) is received → grants per second, the median of
 *     --bursts such bursts (as the managed harness);
 *   - threads of the process (the serving thread is the only one besides main);
 *   - RSS growth over the idle connections / N (both ends; kernel buffers are not in RSS).
 * Prints one Markdown row per N, with the managed table's columns.
 *
 * svipc_bench_scale [--counts 10,100,1000] [--probes 100] [--bursts 5] [--no-header]
 */
#include "supervisor_ipc.h"

#include "bench_clock.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

typedef struct server
{
    int32_t port;
    long count;
    svipc_socket** ends;
    const char* root;
    long open_connections;
} server;

static void fail(const char* what, svipc_status status)
{
    fprintf(stderr, "scale: %s: %s (errno %d)\n", what, svipc_status_message(status), errno);
    exit(1);
}

static long rss_kib(void)
{
    FILE* status = fopen("/proc/self/status", "r");
    if (status == NULL)
    {
        return -1;
    }
    char line[256];
    long kib = -1;
    while (fgets(line, sizeof(line), status) != NULL)
    {
        if (strncmp(line, "VmRSS:", 6) == 0)
        {
            kib = strtol(line + 6, NULL, 10);
            break;
        }
    }
    fclose(status);
    return kib;
}

static int thread_count(void)
{
    DIR* tasks = opendir("/proc/self/task");
    if (tasks == NULL)
    {
        return -1;
    }
    int count = 0;
    struct dirent* entry;
    while ((entry = readdir(tasks)) != NULL)
    {
        count += entry->d_name[0] != '.';
    }
    closedir(tasks);
    return count;
}

/* Raises the soft descriptor limit for N pairs, or stops when the hard limit does not allow them. */
static void fit_pairs(long pairs)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    {
        perror("getrlimit");
        exit(1);
    }
    rlim_t needed = (rlim_t)(2 * pairs + 64);
    if (limit.rlim_cur >= needed)
    {
        return;
    }
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed)
    {
        fprintf(stderr, "scale: %ld pairs need %lu descriptors; the hard limit is %lu\n", pairs,
                (unsigned long)needed, (unsigned long)limit.rlim_max);
        exit(1);
    }
    limit.rlim_cur = needed;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
    {
        perror("setrlimit");
        exit(1);
    }
}

/* Answers everything the connection has; 0 when its child has gone (the connection is then closed). */
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
            fail("serving receive", status);
        }
        svipc_status opened;
        status = svipc_grant(end, &message.as.request, roots, 1, &opened);
        while (status == SVIPC_WOULD_BLOCK)
        {
            /* Never seen here (each child asks once and reads its answer); a real server would keep the
             * request and wait for writability in the loop instead of in poll. */
            svipc_wait_ready(svipc_fd(end), SVIPC_READY_WRITABLE, SVIPC_INFINITE_TIMEOUT);
            status = svipc_grant(end, &message.as.request, roots, 1, &opened);
        }
        if (status != SVIPC_OK || opened != SVIPC_OK)
        {
            fail("grant", status != SVIPC_OK ? status : opened);
        }
    }
}

static void* serve(void* argument)
{
    server* state = argument;
    svipc_ready_event events[256];
    while (state->open_connections > 0)
    {
        int32_t ready = 0;
        svipc_status status = svipc_event_port_wait(state->port, events, 256, SVIPC_INFINITE_TIMEOUT, &ready);
        if (status != SVIPC_OK)
        {
            fail("svipc_event_port_wait", status);
        }
        for (int32_t i = 0; i < ready; i++)
        {
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

static svipc_string text(const char* value)
{
    svipc_string result = { value, (uint32_t)strlen(value) };
    return result;
}

static int compare_doubles(const void* left, const void* right)
{
    double a = *(const double*)left, b = *(const double*)right;
    return (a > b) - (a < b);
}

static double percentile(const double* sorted, int count, double fraction)
{
    int index = (int)((fraction * count) + 0.999999) - 1;
    return sorted[index < 0 ? 0 : (index >= count ? count - 1 : index)];
}

/* Every child sends one request, then every answer is received; returns the seconds it took. */
static double burst(svipc_socket** children, long count, svipc_message* request, char* id, size_t id_size, int round)
{
    uint64_t started = bench_now_ns();
    for (long i = 0; i < count; i++)
    {
        snprintf(id, id_size, "burst-%d-%ld", round, i);
        request->as.request.request_id = text(id);
        svipc_status status = svipc_send_message(children[i], request);
        if (status != SVIPC_OK)
        {
            fail("burst send", status);
        }
    }
    for (long i = 0; i < count; i++)
    {
        int32_t fd = -1;
        svipc_response response;
        svipc_status status = svipc_recv_fd(children[i], &fd);
        if (status == SVIPC_OK)
        {
            status = svipc_recv_response(children[i], &response, NULL);
        }
        if (status != SVIPC_OK || response.kind != SVIPC_RESPONSE_DECISION ||
            response.as.decision.decision.kind != SVIPC_DECISION_GRANTED)
        {
            fail("burst answer", status);
        }
        close(fd);
    }
    return (double)(bench_now_ns() - started) / 1e9;
}

static void run_one(long count, int probes, int bursts, const char* root, const char* file, int print)
{
    fit_pairs(count);
    long rss_before = rss_kib();
    server state = { 0 };
    state.count = count;
    state.root = root;
    state.open_connections = count;
    state.ends = calloc((size_t)count, sizeof(*state.ends));
    svipc_socket** children = calloc((size_t)count, sizeof(*children));
    if (state.ends == NULL || children == NULL)
    {
        exit(1);
    }
    svipc_status status = svipc_event_port_create(&state.port);
    if (status != SVIPC_OK)
    {
        fail("svipc_event_port_create", status);
    }
    for (long i = 0; i < count; i++)
    {
        status = svipc_pair(&state.ends[i], &children[i]);
        if (status == SVIPC_OK)
        {
            status = svipc_set_nonblocking(state.ends[i], 1);
        }
        if (status == SVIPC_OK)
        {
            status = svipc_event_port_add(state.port, svipc_fd(state.ends[i]), (uint32_t)i);
        }
        if (status != SVIPC_OK)
        {
            fail("pair", status);
        }
    }
    pthread_t thread;
    if (pthread_create(&thread, NULL, serve, &state) != 0)
    {
        exit(1);
    }
    usleep(200 * 1000);
    long rss_idle = rss_kib();

    double* latencies = calloc((size_t)probes, sizeof(double));
    if (latencies == NULL)
    {
        exit(1);
    }
    srand(13);
    for (int p = 0; p < probes; p++)
    {
        svipc_socket* child = children[rand() % count];
        uint64_t started = bench_now_ns();
        int32_t fd = -1;
        svipc_decision decision;
        status = svipc_request_access(child, file, SVIPC_ACCESS_READ, "scale", "bench", SVIPC_INFINITE_TIMEOUT, &fd,
                                      &decision);
        latencies[p] = (double)(bench_now_ns() - started) / 1e6;
        if (status != SVIPC_OK || decision.kind != SVIPC_DECISION_GRANTED)
        {
            fail("probe", status);
        }
        close(fd);
    }
    qsort(latencies, (size_t)probes, sizeof(double), compare_doubles);

    svipc_message request;
    memset(&request, 0, sizeof(request));
    request.kind = SVIPC_MESSAGE_REQUEST;
    request.as.request.path = text(file);
    request.as.request.access = SVIPC_ACCESS_READ;
    request.as.request.child_pid = (uint32_t)getpid();
    request.as.request.reason = text("scale");
    request.as.request.session_id = text("bench");
    char id[48];
    double* grants_per_second = calloc((size_t)bursts, sizeof(double));
    if (grants_per_second == NULL)
    {
        exit(1);
    }
    for (int b = 0; b < bursts; b++)
    {
        grants_per_second[b] = (double)count / burst(children, count, &request, id, sizeof(id), b);
    }
    qsort(grants_per_second, (size_t)bursts, sizeof(double), compare_doubles);
    int threads = thread_count();


    for (long i = 0; i < count; i++)
    {
        svipc_close(children[i]);
    }
    pthread_join(thread, NULL);
    close(state.port);
    if (print)
    {
        printf("| %ld | %.3f | %.3f | %.0f | %d | %.1f |\n", count, percentile(latencies, probes, 0.50),
               percentile(latencies, probes, 0.99), percentile(grants_per_second, bursts, 0.50), threads,
               (double)(rss_idle - rss_before) / (double)count);
        fflush(stdout);
    }
    free(grants_per_second);
    free(latencies);
    free(children);
    free(state.ends);
}

int main(int argc, char** argv)
{
    const char* counts = "10,100,1000";
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
        else if (strcmp(argv[i], "--no-header") == 0)
        {
            header = 0;
        }
        else
        {
            fprintf(stderr, "usage: svipc_bench_scale [--counts 10,100,1000] [--probes 100] [--bursts 5] [--no-header]\n");
            return 2;
        }
    }
    if (probes <= 0 || bursts <= 0)
    {
        return 2;
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
            return 2;
        }
        run_one(count, probes, bursts, directory, file, 1);
    }
    free(list);
    unlink(file);
    rmdir(directory);
    return 0;
}
