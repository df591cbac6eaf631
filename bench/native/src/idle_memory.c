/*
 * Memory an idle connection holds in the process (issue 13: at most 16 KiB per
 * idle connection). Opens N socket pairs, raises RLIMIT_NOFILE for them, and
 * reads VmRSS (Linux) after each step:
 *   1. the pairs exist, nothing was sent;
 *   2. every supervisor end, in non-blocking mode, received one typed request,
 *      answered it with a typed Decision, and is idle in a receive that would
 *      block (what an event-loop server's connection looks like between requests);
 *   3. every child end received its answer (a borrowed, decoded response) and
 *      is idle in a non-blocking receive that would block;
 *   4. every supervisor end received one 60,000-byte frame (so that the pages of
 *      whatever buffer it read into are touched) and is idle again.
 * Prints the growth per connection of each step, in RSS and (glibc) in heap
 * bytes in use (mallinfo2: what is reserved, touched or not). Kernel socket
 * buffers are in neither: this is the library's (and the allocator's) share.
 *
 * svipc_bench_idle_memory [--pairs N]
 */
#include "scale_support.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

static long heap_in_use(void)
{
#if defined(__GLIBC__)
    return (long)mallinfo2().uordblks;
#else
    return -1;
#endif
}

typedef struct sample
{
    long rss_kib;
    long heap_bytes;
} sample;

static sample measure(void)
{
    sample result = { scale_rss_kib(0), heap_in_use() };
    return result;
}

static void report(const char* step, sample from, sample to, long connections)
{
    printf("result bench=idle_memory step=%s connections=%ld rss_bytes_per_connection=%.0f "
           "heap_bytes_per_connection=%.0f\n",
           step, connections, (double)(to.rss_kib - from.rss_kib) * 1024.0 / (double)connections,
           (double)(to.heap_bytes - from.heap_bytes) / (double)connections);
}

static void fail(const char* what, svipc_status status)
{
    fprintf(stderr, "idle_memory: %s: %s (errno %d)\n", what, svipc_status_message(status), errno);
    exit(1);
}

/* Raises the soft limit as far as needed (or as the hard limit allows); returns how many pairs fit. */
static long fit_pairs(long pairs)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
    {
        perror("getrlimit");
        exit(1);
    }
    rlim_t needed = (rlim_t)(2 * pairs + 16);
    limit.rlim_cur = limit.rlim_max == RLIM_INFINITY || limit.rlim_max >= needed ? needed : limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
    {
        perror("setrlimit");
        exit(1);
    }
    long fitting = ((long)limit.rlim_cur - 16) / 2;
    if (fitting < pairs)
    {
        fprintf(stderr, "idle_memory: the descriptor hard limit (%ld) allows %ld pairs, not %ld\n",
                (long)limit.rlim_max, fitting, pairs);
    }
    return fitting < pairs ? fitting : pairs;
}

static svipc_string text(const char* value)
{
    svipc_string result = { value, (uint32_t)strlen(value) };
    return result;
}

int main(int argc, char** argv)
{
    long pairs = 10000;
    for (int i = 1; i < argc; i++)
    {
        if (strcmp(argv[i], "--pairs") == 0 && i + 1 < argc)
        {
            pairs = strtol(argv[++i], NULL, 10);
        }
        else
        {
            fprintf(stderr, "usage: svipc_bench_idle_memory [--pairs N]\n");
            return 2;
        }
    }
    if (pairs <= 0)
    {
        return 2;
    }
    pairs = fit_pairs(pairs);
    svipc_socket** supervisors = calloc((size_t)pairs, sizeof(*supervisors));
    svipc_socket** children = calloc((size_t)pairs, sizeof(*children));
    if (supervisors == NULL || children == NULL)
    {
        return 1;
    }
    sample before = measure();
    for (long i = 0; i < pairs; i++)
    {
        svipc_status status = svipc_pair(&supervisors[i], &children[i]);
        if (status != SVIPC_OK)
        {
            fail("svipc_pair", status);
        }
    }
    sample created = measure();
    report("objects", before, created, 2 * pairs);

    svipc_message request;
    memset(&request, 0, sizeof(request));
    request.kind = SVIPC_MESSAGE_REQUEST;
    request.as.request.request_id = text("c-00000000000000000000000000000001");
    request.as.request.path = text("/home/user/project/notes.txt");
    request.as.request.access = SVIPC_ACCESS_READ;
    request.as.request.child_pid = 4242;
    request.as.request.session_id = text("session");
    for (long i = 0; i < pairs; i++)
    {
        svipc_status status = svipc_send_message(children[i], &request);
        if (status != SVIPC_OK)
        {
            fail("child send", status);
        }
    }
    sample requested = measure();
    report("children_sent_a_request", created, requested, pairs);
    for (long i = 0; i < pairs; i++)
    {
        svipc_socket* supervisor = supervisors[i];
        svipc_status status = svipc_set_nonblocking(supervisor, 1);
        svipc_message received;
        if (status == SVIPC_OK)
        {
            status = svipc_recv_message(supervisor, &received, NULL);
        }
        if (status == SVIPC_OK)
        {
            status = svipc_deny(supervisor, received.as.request.request_id, "not in this benchmark");
        }
        if (status != SVIPC_OK)
        {
            fail("supervisor receive and answer", status);
        }
        status = svipc_recv_message(supervisor, &received, NULL);
        if (status != SVIPC_WOULD_BLOCK)
        {
            fail("supervisor idle receive", status);
        }
    }
    sample supervisors_idle = measure();
    report("supervisors_idle_after_request_and_answer", requested, supervisors_idle, pairs);

    for (long i = 0; i < pairs; i++)
    {
        svipc_socket* child = children[i];
        svipc_response response;
        svipc_status status = svipc_recv_response(child, &response, NULL);
        if (status == SVIPC_OK)
        {
            status = svipc_set_nonblocking(child, 1);
        }
        if (status != SVIPC_OK)
        {
            fail("child receive", status);
        }
        status = svipc_recv_response(child, &response, NULL);
        if (status != SVIPC_WOULD_BLOCK)
        {
            fail("child idle receive", status);
        }
    }
    sample children_idle = measure();
    report("children_idle_after_answer", supervisors_idle, children_idle, pairs);

    enum { LARGE = 60000 };
    static uint8_t large[LARGE];
    memset(large, 'x', sizeof(large));
    for (long i = 0; i < pairs; i++)
    {
        svipc_status status = svipc_send_frame(children[i], large, LARGE);
        const uint8_t* payload = NULL;
        uint32_t length = 0;
        if (status == SVIPC_OK)
        {
            status = svipc_recv_frame_borrowed(supervisors[i], &payload, &length);
        }
        if (status != SVIPC_OK || length != LARGE)
        {
            fail("large frame", status);
        }
        status = svipc_recv_frame_borrowed(supervisors[i], &payload, &length);
        if (status != SVIPC_WOULD_BLOCK)
        {
            fail("supervisor idle receive after a large frame", status);
        }
    }
    sample after_large = measure();
    report("supervisors_idle_after_a_60000_byte_frame", children_idle, after_large, pairs);

    for (long i = 0; i < pairs; i++)
    {
        svipc_close(supervisors[i]);
        svipc_close(children[i]);
    }
    free(supervisors);
    free(children);
    return 0;
}
