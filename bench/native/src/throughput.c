/*
 * One-way stream child -> supervisor: a sender thread (the child) writes
 * warmup + iterations Request frames, the main thread (the supervisor) receives
 * them; the timed part is the receiver's last `iterations` frames. CPU time is
 * getrusage(RUSAGE_SELF), so it covers both threads.
 *
 *   --impl floor         raw sendmsg/recvmsg, pre-encoded bytes
 *   --impl c-lib         supervisor_ipc frames, pre-encoded bytes
 *   --impl c-lib-encode  supervisor_ipc frames, each Request encoded by the C sample's
 *                        serde_json-exact writer (the C library has no decoder, so the
 *                        receiver checks the length only)
 */
#include "bench_clock.h"
#include "bench_options.h"
#include "bench_payloads.h"
#include "raw_frames.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <supervisor_ipc.h>
#include <unistd.h>

static const uint8_t request_payload[] = BENCH_REQUEST_JSON;
#define REQUEST_LENGTH ((uint32_t)(sizeof(request_payload) - 1))

enum impl
{
    IMPL_FLOOR,
    IMPL_LIBRARY,
    IMPL_LIBRARY_ENCODE,
};

typedef struct stream
{
    enum impl impl;
    int fd;
    svipc_socket* socket;
    uint64_t frames;
    char buffer[SVIPC_MAX_PAYLOAD];
} stream;

static void* run_sender(void* argument)
{
    stream* self = argument;
    for (uint64_t i = 0; i < self->frames; i++)
    {
        switch (self->impl)
        {
        case IMPL_FLOOR:
            if (raw_send_frame(self->fd, request_payload, REQUEST_LENGTH) != 0)
            {
                bench_fail("sender: raw_send_frame");
            }
            break;
        case IMPL_LIBRARY:
            if (svipc_send_frame(self->socket, request_payload, REQUEST_LENGTH) != SVIPC_OK)
            {
                bench_fail("sender: svipc_send_frame");
            }
            break;
        case IMPL_LIBRARY_ENCODE:
        {
            /* The library's typed-message encoder, as a C child uses it (svipc_encode_message). */
            svipc_message message;
            memset(&message, 0, sizeof(message));
            message.kind = SVIPC_MESSAGE_REQUEST;
            message.as.request.request_id = (svipc_string){ "req-001", 7 };
            message.as.request.path = (svipc_string){ "/tmp/test", 9 };
            message.as.request.access = SVIPC_ACCESS_READ;
            message.as.request.reason = (svipc_string){ "test access", 11 };
            message.as.request.child_pid = 12345;
            message.as.request.session_id = (svipc_string){ "sess-001", 8 };
            uint32_t length = 0;
            if (svipc_encode_message(&message, (uint8_t*)self->buffer, sizeof(self->buffer), &length) != SVIPC_OK ||
                length != REQUEST_LENGTH ||
                svipc_send_frame(self->socket, (const uint8_t*)self->buffer, length) != SVIPC_OK)
            {
                bench_fail("sender: encode + svipc_send_frame");
            }
            break;
        }
        }
    }
    return NULL;
}

static void receive_one(stream* self)
{
    uint32_t length = 0;
    if (self->impl == IMPL_FLOOR)
    {
        if (raw_recv_frame(self->fd, (uint8_t*)self->buffer, sizeof(self->buffer), &length) != 0)
        {
            bench_fail("receiver: raw_recv_frame");
        }
    }
    else
    {
        const uint8_t* payload = NULL;
        if (svipc_recv_frame_borrowed(self->socket, &payload, &length) != SVIPC_OK)
        {
            bench_fail("receiver: svipc_recv_frame_borrowed");
        }
    }
    if (length != REQUEST_LENGTH)
    {
        bench_fail("receiver: unexpected frame length");
    }
}

static stream sender_end;
static stream receiver_end;

int main(int argc, char** argv)
{
    bench_options options = { .impl = "floor", .with_fd = false, .iterations = 1000000, .warmup = 20000 };
    if (!bench_parse_options(argc, argv, &options, "[--impl floor|c-lib|c-lib-encode] [--iterations N] [--warmup N]"))
    {
        return 2;
    }
    enum impl impl;
    if (strcmp(options.impl, "floor") == 0)
    {
        impl = IMPL_FLOOR;
    }
    else if (strcmp(options.impl, "c-lib") == 0)
    {
        impl = IMPL_LIBRARY;
    }
    else if (strcmp(options.impl, "c-lib-encode") == 0)
    {
        impl = IMPL_LIBRARY_ENCODE;
    }
    else
    {
        fprintf(stderr, "unknown --impl %s\n", options.impl);
        return 2;
    }
    sender_end.impl = receiver_end.impl = impl;
    if (impl == IMPL_FLOOR)
    {
        int fds[2];
        if (raw_socketpair(fds) != 0)
        {
            bench_fail("socketpair");
        }
        receiver_end.fd = fds[0];
        sender_end.fd = fds[1];
    }
    else if (svipc_pair(&receiver_end.socket, &sender_end.socket) != SVIPC_OK)
    {
        bench_fail("svipc_pair");
    }
    sender_end.frames = options.warmup + options.iterations;

    pthread_t sender;
    if (pthread_create(&sender, NULL, run_sender, &sender_end) != 0)
    {
        bench_fail("pthread_create");
    }
    for (uint64_t i = 0; i < options.warmup; i++)
    {
        receive_one(&receiver_end);
    }
    bench_cpu_time cpu_start = bench_cpu_now();
    uint64_t start = bench_now_ns();
    for (uint64_t i = 0; i < options.iterations; i++)
    {
        receive_one(&receiver_end);
    }
    uint64_t elapsed = bench_now_ns() - start;
    bench_cpu_time cpu_end = bench_cpu_now();
    pthread_join(sender, NULL);

    double count = (double)options.iterations;
    double cpu_ns = (double)((cpu_end.user_ns - cpu_start.user_ns) + (cpu_end.system_ns - cpu_start.system_ns));
    printf("result bench=throughput impl=%s fd=0 cpus=%d iterations=%llu ns_per_op=%.1f cpu_ns_per_op=%.1f "
           "messages_per_s=%.0f\n",
           options.impl, bench_allowed_cpus(), (unsigned long long)options.iterations, (double)elapsed / count,
           cpu_ns / count, count * 1e9 / (double)elapsed);

    if (impl == IMPL_FLOOR)
    {
        close(receiver_end.fd);
        close(sender_end.fd);
    }
    else
    {
        svipc_close(receiver_end.socket);
        svipc_close(sender_end.socket);
    }
    return 0;
}
