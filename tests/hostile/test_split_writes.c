/*
 * A peer that dribbles every frame out one byte per write (in another thread
 * and in another process) while the library reads: frames must be reassembled
 * whole and in order, carriers between them kept apart.
 */
#define _GNU_SOURCE
#include "hostile.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum
{
    ROUNDS = 3
};

typedef struct dribble_job
{
    int peer;
    int with_carriers;
    int large_frame;
} dribble_job;

static uint8_t large_payload[SVIPC_MAX_PAYLOAD];

static void dribble(int peer, const uint8_t* bytes, size_t length, size_t* counter)
{
    for (size_t i = 0; i < length; i++)
    {
        hostile_write_all(peer, bytes + i, 1);
        /* Yielding now and then lets the reader wake up between bytes. */
        if ((++*counter & 7) == 0)
            sched_yield();
    }
}

static void write_script(const dribble_job* job)
{
    size_t counter = 0;
    for (int round = 0; round < ROUNDS; round++)
    {
        for (size_t v = 0; v < hostile_reference_payload_count; v++)
        {
            if (job->with_carriers && v % 3 == 0)
            {
                int fd;
                hostile_open_null_fds(&fd, 1);
                uint8_t zero = 0;
                CHECK(hostile_send_with_fds(job->peer, &zero, 1, &fd, 1) == 1);
                close(fd);
            }
            size_t frame_length;
            const char* payload = hostile_reference_payloads[v];
            uint8_t* frame = hostile_build_frame(payload, (uint32_t)strlen(payload), &frame_length);
            dribble(job->peer, frame, frame_length, &counter);
            free(frame);
        }
    }
    if (job->large_frame)
    {
        size_t frame_length;
        uint8_t* frame = hostile_build_frame(large_payload, SVIPC_MAX_PAYLOAD, &frame_length);
        dribble(job->peer, frame, frame_length, &counter);
        free(frame);
    }
}

static void* writer_thread(void* argument)
{
    const dribble_job* job = argument;
    write_script(job);
    close(job->peer);
    return NULL;
}

static void read_script(svipc_socket* library, const dribble_job* job)
{
    static uint8_t buffer[SVIPC_MAX_PAYLOAD];
    for (int round = 0; round < ROUNDS; round++)
    {
        for (size_t v = 0; v < hostile_reference_payload_count; v++)
        {
            const char* expected = hostile_reference_payloads[v];
            uint32_t length = 0;
            const uint8_t* payload = buffer;
            if ((v + (size_t)round) % 2 == 0)
                CHECK_STATUS(svipc_recv_frame(library, buffer, sizeof(buffer), &length), SVIPC_OK);
            else
                CHECK_STATUS(svipc_recv_frame_borrowed(library, &payload, &length), SVIPC_OK);
            if (length != strlen(expected) || memcmp(payload, expected, length) != 0)
                HOSTILE_FAIL("round %d frame %zu reassembled wrongly (%u bytes)", round, v, length);
            if (job->with_carriers && v % 3 == 0)
            {
                /* The carrier preceded this frame; the frame receive kept its descriptor. */
                int32_t fd = -1;
                CHECK_STATUS(svipc_recv_fd(library, &fd), SVIPC_OK);
                CHECK(hostile_fd_is_cloexec(fd));
                close(fd);
            }
        }
    }
    if (job->large_frame)
    {
        uint32_t length = 0;
        CHECK_STATUS(svipc_recv_frame(library, buffer, sizeof(buffer), &length), SVIPC_OK);
        CHECK(length == SVIPC_MAX_PAYLOAD && memcmp(buffer, large_payload, length) == 0);
    }
    uint32_t length = 0;
    CHECK_STATUS(svipc_recv_frame(library, buffer, sizeof(buffer), &length), SVIPC_CLOSED);
}

static void run_with_thread(int with_carriers, int large_frame)
{
    int baseline = hostile_count_fds();
    svipc_socket* library;
    dribble_job job = {.with_carriers = with_carriers, .large_frame = large_frame};
    hostile_raw_pair(&library, &job.peer);
    pthread_t writer;
    CHECK(pthread_create(&writer, NULL, writer_thread, &job) == 0);
    read_script(library, &job);
    CHECK(pthread_join(writer, NULL) == 0);
    svipc_close(library);
    CHECK(hostile_count_fds() == baseline);
}

static void run_with_process(int with_carriers)
{
    int baseline = hostile_count_fds();
    svipc_socket* library;
    dribble_job job = {.with_carriers = with_carriers, .large_frame = 0};
    hostile_raw_pair(&library, &job.peer);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0)
    {
        write_script(&job);
        _exit(0);
    }
    close(job.peer);
    read_script(library, &job);
    int wait_status = 0;
    CHECK(waitpid(child, &wait_status, 0) == child);
    CHECK(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0);
    svipc_close(library);
    CHECK(hostile_count_fds() == baseline);
}

static void one_byte_writes_thread(void) { run_with_thread(0, 0); }
static void one_byte_writes_with_carriers(void) { run_with_thread(1, 0); }
static void one_byte_writes_max_frame(void)
{
    for (size_t i = 0; i < sizeof(large_payload); i++)
        large_payload[i] = (uint8_t)(i * 31u + 7u);
    run_with_thread(0, 1);
}
static void one_byte_writes_process(void) { run_with_process(1); }

int main(int argc, char** argv)
{
    static const hostile_case cases[] = {
        {"one_byte_writes_thread", one_byte_writes_thread},
        {"one_byte_writes_with_carriers", one_byte_writes_with_carriers},
        {"one_byte_writes_max_frame", one_byte_writes_max_frame},
        {"one_byte_writes_process", one_byte_writes_process},
    };
    return hostile_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
