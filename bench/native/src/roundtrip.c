/*
 * Round trip child -> supervisor Request -> Decision(Granted), optionally with the
 * granted descriptor passed first (the reference's order), between two threads of
 * one process. The main thread plays the child and times the round trips; a second
 * thread plays the supervisor. Run under `taskset -c 0` to pin both to one CPU.
 *
 *   --impl floor   raw sendmsg/recvmsg (raw_frames.c)
 *   --impl c-lib   the supervisor_ipc C API
 */
#include "bench_clock.h"
#include "bench_options.h"
#include "bench_payloads.h"
#include "raw_frames.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <supervisor_ipc.h>
#include <unistd.h>

static const uint8_t request_payload[] = BENCH_REQUEST_JSON;
static const uint8_t decision_payload[] = BENCH_DECISION_JSON;
#define REQUEST_LENGTH ((uint32_t)(sizeof(request_payload) - 1))
#define DECISION_LENGTH ((uint32_t)(sizeof(decision_payload) - 1))

typedef struct endpoint
{
    int fd;               /* floor */
    svipc_socket* socket; /* c-lib */
    bool use_library;
    bool with_fd;
    int granted_file;     /* supervisor side: the descriptor it passes */
    uint64_t steps;
    uint8_t buffer[SVIPC_MAX_PAYLOAD];
} endpoint;

static void child_step(endpoint* self)
{
    uint32_t length = 0;
    int received_fd = -1;
    if (self->use_library)
    {
        const uint8_t* payload = NULL;
        if (svipc_send_frame(self->socket, request_payload, REQUEST_LENGTH) != SVIPC_OK)
        {
            bench_fail("child: svipc_send_frame");
        }
        if (self->with_fd && svipc_recv_fd(self->socket, &received_fd) != SVIPC_OK)
        {
            bench_fail("child: svipc_recv_fd");
        }
        if (svipc_recv_frame_borrowed(self->socket, &payload, &length) != SVIPC_OK)
        {
            bench_fail("child: svipc_recv_frame_borrowed");
        }
    }
    else
    {
        if (raw_send_frame(self->fd, request_payload, REQUEST_LENGTH) != 0)
        {
            bench_fail("child: raw_send_frame");
        }
        if (self->with_fd && raw_recv_fd(self->fd, &received_fd) != 0)
        {
            bench_fail("child: raw_recv_fd");
        }
        if (raw_recv_frame(self->fd, self->buffer, sizeof(self->buffer), &length) != 0)
        {
            bench_fail("child: raw_recv_frame");
        }
    }
    if (length != DECISION_LENGTH)
    {
        bench_fail("child: unexpected decision length");
    }
    if (received_fd >= 0)
    {
        close(received_fd);
    }
}

static void supervisor_step(endpoint* self)
{
    uint32_t length = 0;
    if (self->use_library)
    {
        const uint8_t* payload = NULL;
        if (svipc_recv_frame_borrowed(self->socket, &payload, &length) != SVIPC_OK)
        {
            bench_fail("supervisor: svipc_recv_frame_borrowed");
        }
        if (self->with_fd && svipc_send_fd(self->socket, self->granted_file) != SVIPC_OK)
        {
            bench_fail("supervisor: svipc_send_fd");
        }
        if (svipc_send_frame(self->socket, decision_payload, DECISION_LENGTH) != SVIPC_OK)
        {
            bench_fail("supervisor: svipc_send_frame");
        }
    }
    else
    {
        if (raw_recv_frame(self->fd, self->buffer, sizeof(self->buffer), &length) != 0)
        {
            bench_fail("supervisor: raw_recv_frame");
        }
        if (self->with_fd && raw_send_fd(self->fd, self->granted_file) != 0)
        {
            bench_fail("supervisor: raw_send_fd");
        }
        if (raw_send_frame(self->fd, decision_payload, DECISION_LENGTH) != 0)
        {
            bench_fail("supervisor: raw_send_frame");
        }
    }
    if (length != REQUEST_LENGTH)
    {
        bench_fail("supervisor: unexpected request length");
    }
}

static void* run_supervisor(void* argument)
{
    endpoint* self = argument;
    for (uint64_t i = 0; i < self->steps; i++)
    {
        supervisor_step(self);
    }
    return NULL;
}

static endpoint supervisor_end;
static endpoint child_end;

int main(int argc, char** argv)
{
    bench_options options = { .impl = "floor", .with_fd = false, .iterations = 100000, .warmup = 10000 };
    if (!bench_parse_options(argc, argv, &options, "[--impl floor|c-lib] [--fd 0|1] [--iterations N] [--warmup N]"))
    {
        return 2;
    }
    bool use_library = strcmp(options.impl, "c-lib") == 0;
    if (!use_library && strcmp(options.impl, "floor") != 0)
    {
        fprintf(stderr, "unknown --impl %s\n", options.impl);
        return 2;
    }

    supervisor_end.use_library = child_end.use_library = use_library;
    supervisor_end.with_fd = child_end.with_fd = options.with_fd;
    if (use_library)
    {
        if (svipc_pair(&supervisor_end.socket, &child_end.socket) != SVIPC_OK)
        {
            bench_fail("svipc_pair");
        }
    }
    else
    {
        int fds[2];
        if (raw_socketpair(fds) != 0)
        {
            bench_fail("socketpair");
        }
        supervisor_end.fd = fds[0];
        child_end.fd = fds[1];
    }
    supervisor_end.granted_file = open(BENCH_GRANTED_FILE, O_RDONLY | O_CLOEXEC);
    if (supervisor_end.granted_file < 0)
    {
        bench_fail("open " BENCH_GRANTED_FILE);
    }
    supervisor_end.steps = options.warmup + options.iterations;

    pthread_t supervisor;
    if (pthread_create(&supervisor, NULL, run_supervisor, &supervisor_end) != 0)
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

    close(supervisor_end.granted_file);
    if (use_library)
    {
        svipc_close(supervisor_end.socket);
        svipc_close(child_end.socket);
    }
    else
    {
        close(supervisor_end.fd);
        close(child_end.fd);
    }
    return 0;
}
