/*
 * Thread-safety under load, within the header's contract: on each end of a pair
 * one receiving thread and a group of sending threads (one "main" sender plus 4
 * more) whose calls a per-end mutex serializes, both directions at once. Every
 * frame must arrive whole and, per sender, in order (sequence numbers in the
 * payload). SVIPC_STRESS_FRAMES sets the total (default 1,000,000).
 */
#define _GNU_SOURCE
#include "hostile.h"

#include <inttypes.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

enum
{
    SENDERS_PER_END = 5,
    MAX_FRAME = 96,
};

typedef struct end_state
{
    svipc_socket* socket;
    pthread_mutex_t send_lock;
    int end_id;
    long frames_per_sender;
    /* Filled by the receiver of the other end. */
    uint64_t next_expected[SENDERS_PER_END];
    long received;
} end_state;

typedef struct sender_job
{
    end_state* end;
    int sender_id;
} sender_job;

/* Payload: end id, sender id, sequence number, then filler derived from them, of varying length. */
static uint32_t encode(uint8_t* out, int end_id, int sender_id, uint64_t sequence)
{
    uint32_t length = 10 + (uint32_t)(sequence % (MAX_FRAME - 10));
    out[0] = (uint8_t)end_id;
    out[1] = (uint8_t)sender_id;
    memcpy(out + 2, &sequence, sizeof(sequence));
    for (uint32_t i = 10; i < length; i++)
        out[i] = (uint8_t)(sequence * 131u + i * 7u + (uint32_t)sender_id);
    return length;
}

static void* sender_main(void* argument)
{
    sender_job* job = argument;
    uint8_t payload[MAX_FRAME];
    for (long n = 0; n < job->end->frames_per_sender; n++)
    {
        uint32_t length = encode(payload, job->end->end_id, job->sender_id, (uint64_t)n);
        CHECK(pthread_mutex_lock(&job->end->send_lock) == 0);
        svipc_status status = svipc_send_frame(job->end->socket, payload, length);
        CHECK(pthread_mutex_unlock(&job->end->send_lock) == 0);
        CHECK_STATUS(status, SVIPC_OK);
    }
    return NULL;
}

typedef struct receiver_job
{
    end_state* receiving_end;
    int expected_sender_end;
    long expected_frames;
} receiver_job;

static void* receiver_main(void* argument)
{
    receiver_job* job = argument;
    end_state* end = job->receiving_end;
    uint8_t expected[MAX_FRAME];
    uint8_t buffer[MAX_FRAME];
    for (long n = 0; n < job->expected_frames; n++)
    {
        const uint8_t* payload = buffer;
        uint32_t length = 0;
        /* Both receive flavours, so both code paths run concurrently with the senders. */
        if (n % 2 == 0)
            CHECK_STATUS(svipc_recv_frame(end->socket, buffer, sizeof(buffer), &length), SVIPC_OK);
        else
            CHECK_STATUS(svipc_recv_frame_borrowed(end->socket, &payload, &length), SVIPC_OK);
        if (length < 10 || length > MAX_FRAME)
            HOSTILE_FAIL("frame %ld has length %u", n, length);
        int sender = payload[1];
        if (payload[0] != job->expected_sender_end || sender >= SENDERS_PER_END)
            HOSTILE_FAIL("frame %ld names end %d sender %d", n, payload[0], sender);
        uint64_t sequence;
        memcpy(&sequence, payload + 2, sizeof(sequence));
        if (sequence != end->next_expected[sender])
            HOSTILE_FAIL("sender %d: sequence %" PRIu64 " arrived, %" PRIu64 " expected", sender, sequence,
                         end->next_expected[sender]);
        uint32_t expected_length = encode(expected, job->expected_sender_end, sender, sequence);
        if (length != expected_length || memcmp(expected, payload, length) != 0)
            HOSTILE_FAIL("sender %d frame %" PRIu64 " arrived altered", sender, sequence);
        end->next_expected[sender]++;
        end->received++;
    }
    return NULL;
}

static void duplex_stress(void)
{
    long total = hostile_env_long("SVIPC_STRESS_FRAMES", 1000000);
    long per_sender = total / (2 * SENDERS_PER_END);
    CHECK(per_sender > 0);
    int baseline = hostile_count_fds();
    end_state ends[2];
    memset(ends, 0, sizeof(ends));
    CHECK_STATUS(svipc_pair(&ends[0].socket, &ends[1].socket), SVIPC_OK);
    for (int e = 0; e < 2; e++)
    {
        ends[e].end_id = e;
        ends[e].frames_per_sender = per_sender;
        CHECK(pthread_mutex_init(&ends[e].send_lock, NULL) == 0);
    }
    pthread_t receivers[2];
    receiver_job receiver_jobs[2];
    for (int e = 0; e < 2; e++)
    {
        receiver_jobs[e] = (receiver_job){.receiving_end = &ends[e], .expected_sender_end = 1 - e,
                                          .expected_frames = per_sender * SENDERS_PER_END};
        CHECK(pthread_create(&receivers[e], NULL, receiver_main, &receiver_jobs[e]) == 0);
    }
    pthread_t senders[2][SENDERS_PER_END];
    sender_job sender_jobs[2][SENDERS_PER_END];
    for (int e = 0; e < 2; e++)
    {
        for (int s = 0; s < SENDERS_PER_END; s++)
        {
            sender_jobs[e][s] = (sender_job){.end = &ends[e], .sender_id = s};
            CHECK(pthread_create(&senders[e][s], NULL, sender_main, &sender_jobs[e][s]) == 0);
        }
    }
    for (int e = 0; e < 2; e++)
        for (int s = 0; s < SENDERS_PER_END; s++)
            CHECK(pthread_join(senders[e][s], NULL) == 0);
    for (int e = 0; e < 2; e++)
        CHECK(pthread_join(receivers[e], NULL) == 0);
    for (int e = 0; e < 2; e++)
    {
        CHECK(ends[e].received == per_sender * SENDERS_PER_END);
        for (int s = 0; s < SENDERS_PER_END; s++)
            CHECK(ends[e].next_expected[s] == (uint64_t)per_sender);
    }
    /* Nothing extra is queued: each end now sees an orderly close. */
    svipc_close(ends[0].socket);
    uint8_t buffer[8];
    uint32_t length = 0;
    CHECK_STATUS(svipc_recv_frame(ends[1].socket, buffer, sizeof(buffer), &length), SVIPC_CLOSED);
    svipc_close(ends[1].socket);
    for (int e = 0; e < 2; e++)
        pthread_mutex_destroy(&ends[e].send_lock);
    CHECK(hostile_count_fds() == baseline);
    fprintf(stderr, "%ld frames in both directions from %d senders\n", per_sender * SENDERS_PER_END * 2,
            2 * SENDERS_PER_END);
}

/* svipc_shutdown from another thread wakes a receiver and a sender blocked on the same socket. */
typedef struct blocked_call
{
    svipc_status result;
    svipc_socket* socket;
} blocked_call;

static void* receive_until_woken(void* argument)
{
    blocked_call* call = argument;
    uint8_t buffer[16];
    uint32_t length = 0;
    call->result = svipc_recv_frame(call->socket, buffer, sizeof(buffer), &length);
    return NULL;
}

static void* send_until_woken(void* argument)
{
    static uint8_t payload[SVIPC_MAX_PAYLOAD];
    blocked_call* call = argument;
    do
    {
        call->result = svipc_send_frame(call->socket, payload, sizeof(payload));
    } while (call->result == SVIPC_OK);
    return NULL;
}

static void shutdown_wakes_blocked_threads(void)
{
    int baseline = hostile_count_fds();
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(svipc_pair(&a, &b), SVIPC_OK);
    blocked_call receive_call = {.result = SVIPC_OK, .socket = a};
    blocked_call send_call = {.result = SVIPC_OK, .socket = a};
    pthread_t receiver;
    pthread_t sender;
    CHECK(pthread_create(&receiver, NULL, receive_until_woken, &receive_call) == 0);
    CHECK(pthread_create(&sender, NULL, send_until_woken, &send_call) == 0);
    usleep(200 * 1000);
    CHECK_STATUS(svipc_shutdown(a), SVIPC_OK);
    CHECK_STATUS(svipc_shutdown(a), SVIPC_OK);
    CHECK(pthread_join(receiver, NULL) == 0);
    CHECK(pthread_join(sender, NULL) == 0);
    if (receive_call.result != SVIPC_SHUT_DOWN && receive_call.result != SVIPC_CLOSED)
        HOSTILE_FAIL("woken receive returned %s", hostile_status_name(receive_call.result));
    if (send_call.result != SVIPC_SHUT_DOWN && send_call.result != SVIPC_CLOSED)
        HOSTILE_FAIL("woken send returned %s", hostile_status_name(send_call.result));
    svipc_close(a);
    svipc_close(b);
    CHECK(hostile_count_fds() == baseline);
}

int main(int argc, char** argv)
{
    static const hostile_case cases[] = {
        {"duplex_stress", duplex_stress},
        {"shutdown_wakes_blocked_threads", shutdown_wakes_blocked_threads},
    };
    return hostile_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
