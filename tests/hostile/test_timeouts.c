/*
 * A peer that connects and then says nothing, or stops in the middle of a
 * frame: the read timeout fires as SVIPC_TIMEOUT (not an error, not a hang), and
 * when the rest of the frame arrives later it is received whole.
 */
#define _GNU_SOURCE
#include "hostile.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <sys/un.h>
#include <unistd.h>

enum
{
    TIMEOUT_MS = 100,
    /* Generous bound on how late a timeout may fire; only catches "never". */
    LATEST_MS = 5000,
};

static void expect_timeout(svipc_socket* library, int call)
{
    static uint8_t buffer[SVIPC_MAX_PAYLOAD];
    uint32_t length = 0;
    const uint8_t* borrowed = NULL;
    int32_t fd = -1;
    int64_t start = hostile_now_ms();
    svipc_status status;
    switch (call)
    {
        case 0: status = svipc_recv_frame(library, buffer, sizeof(buffer), &length); break;
        case 1: status = svipc_recv_frame_borrowed(library, &borrowed, &length); break;
        default: status = svipc_recv_fd(library, &fd); break;
    }
    int64_t elapsed = hostile_now_ms() - start;
    CHECK_STATUS(status, SVIPC_TIMEOUT);
    CHECK(fd == -1);
    if (elapsed > LATEST_MS)
        HOSTILE_FAIL("a %d ms timeout took %lld ms", TIMEOUT_MS, (long long)elapsed);
}

static void silent_peer_times_out(void)
{
    svipc_socket* library;
    int peer;
    hostile_raw_pair(&library, &peer);
    CHECK_STATUS(svipc_set_read_timeout(library, TIMEOUT_MS), SVIPC_OK);
    for (int call = 0; call < 3; call++)
        expect_timeout(library, call);
    /* Still in sync: a frame sent now arrives whole. */
    const char* text = hostile_reference_payloads[3];
    size_t frame_length;
    uint8_t* frame = hostile_build_frame(text, (uint32_t)strlen(text), &frame_length);
    hostile_write_all(peer, frame, frame_length);
    free(frame);
    const uint8_t* payload = NULL;
    uint32_t length = 0;
    CHECK_STATUS(svipc_recv_frame_borrowed(library, &payload, &length), SVIPC_OK);
    CHECK(length == strlen(text) && memcmp(payload, text, length) == 0);
    svipc_close(library);
    close(peer);
}

/* The peer stops after `cut` bytes, more than once, then finishes: the frame resumes each time. */
static void resume_after_timeouts_at(size_t vector, const size_t* cuts, size_t cut_count, int borrowed)
{
    static uint8_t buffer[SVIPC_MAX_PAYLOAD];
    svipc_socket* library;
    int peer;
    hostile_raw_pair(&library, &peer);
    CHECK_STATUS(svipc_set_read_timeout(library, TIMEOUT_MS / 4), SVIPC_OK);
    const char* text = hostile_reference_payloads[vector];
    size_t frame_length;
    uint8_t* frame = hostile_build_frame(text, (uint32_t)strlen(text), &frame_length);
    size_t written = 0;
    for (size_t i = 0; i < cut_count; i++)
    {
        hostile_write_all(peer, frame + written, cuts[i] - written);
        written = cuts[i];
        expect_timeout(library, borrowed);
    }
    hostile_write_all(peer, frame + written, frame_length - written);
    uint32_t length = 0;
    const uint8_t* payload = buffer;
    if (borrowed)
        CHECK_STATUS(svipc_recv_frame_borrowed(library, &payload, &length), SVIPC_OK);
    else
        CHECK_STATUS(svipc_recv_frame(library, buffer, sizeof(buffer), &length), SVIPC_OK);
    CHECK(length == strlen(text) && memcmp(payload, text, length) == 0);
    free(frame);
    svipc_close(library);
    close(peer);
}

static void resume_mid_prefix(void)
{
    const size_t cuts[] = {1, 2, 3};
    resume_after_timeouts_at(0, cuts, 3, 0);
    resume_after_timeouts_at(1, cuts, 3, 1);
}

static void resume_mid_payload(void)
{
    const size_t cuts[] = {4, 5, 40, 100};
    resume_after_timeouts_at(0, cuts, 4, 0);
    resume_after_timeouts_at(2, cuts, 4, 1);
}

/* A buffer that is too small keeps the frame; a timeout in between changes nothing. */
static void buffer_too_small_then_timeout_then_frame(void)
{
    uint8_t small[8];
    static uint8_t buffer[SVIPC_MAX_PAYLOAD];
    svipc_socket* library;
    int peer;
    hostile_raw_pair(&library, &peer);
    CHECK_STATUS(svipc_set_read_timeout(library, TIMEOUT_MS / 4), SVIPC_OK);
    const char* first = hostile_reference_payloads[4];
    const char* second = hostile_reference_payloads[5];
    size_t first_length;
    size_t second_length;
    uint8_t* frame1 = hostile_build_frame(first, (uint32_t)strlen(first), &first_length);
    uint8_t* frame2 = hostile_build_frame(second, (uint32_t)strlen(second), &second_length);
    hostile_write_all(peer, frame1, first_length);
    uint32_t length = 0;
    CHECK_STATUS(svipc_recv_frame(library, small, sizeof(small), &length), SVIPC_BUFFER_TOO_SMALL);
    CHECK(length == strlen(first));
    CHECK_STATUS(svipc_recv_frame(library, small, sizeof(small), &length), SVIPC_BUFFER_TOO_SMALL);
    CHECK_STATUS(svipc_recv_frame(library, buffer, sizeof(buffer), &length), SVIPC_OK);
    CHECK(length == strlen(first) && memcmp(buffer, first, length) == 0);
    expect_timeout(library, 0);
    hostile_write_all(peer, frame2, 7);
    expect_timeout(library, 0);
    hostile_write_all(peer, frame2 + 7, second_length - 7);
    CHECK_STATUS(svipc_recv_frame(library, buffer, sizeof(buffer), &length), SVIPC_OK);
    CHECK(length == strlen(second) && memcmp(buffer, second, length) == 0);
    free(frame1);
    free(frame2);
    svipc_close(library);
    close(peer);
}

/* Over a bound path: a client that connects and sends nothing cannot hold the supervisor. */
static void connected_client_says_nothing(void)
{
    int baseline = hostile_count_fds();
    char* path = hostile_temp_socket_path("silent");
    svipc_socket* listener;
    CHECK_STATUS(svipc_bind(path, &listener), SVIPC_OK);
    svipc_socket* nobody;
    int64_t start = hostile_now_ms();
    CHECK_STATUS(svipc_accept(listener, TIMEOUT_MS, &nobody), SVIPC_TIMEOUT);
    CHECK(hostile_now_ms() - start <= LATEST_MS);

    int client = svipc_test_socket(AF_UNIX, SOCK_STREAM);
    CHECK(client >= 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strcpy(address.sun_path, path);
    CHECK(connect(client, (struct sockaddr*)&address, sizeof(address)) == 0);
    svipc_socket* connection;
    CHECK_STATUS(svipc_accept(listener, TIMEOUT_MS * 10, &connection), SVIPC_OK);
    CHECK(hostile_fd_is_cloexec(svipc_fd(connection)));
    CHECK_STATUS(svipc_set_read_timeout(connection, TIMEOUT_MS), SVIPC_OK);
    expect_timeout(connection, 0);
    expect_timeout(connection, 2);
    close(client);
    uint8_t buffer[16];
    uint32_t length = 0;
    CHECK_STATUS(svipc_recv_frame(connection, buffer, sizeof(buffer), &length), SVIPC_CLOSED);
    svipc_close(connection);
    svipc_close(listener);
    free(path);
    CHECK(hostile_count_fds() == baseline);
}

typedef struct dribble_job
{
    int peer;
    const uint8_t* frame;
    size_t frame_length;
    int interval_ms;
    /* Set once the receive under test has returned: the rest of the frame then goes out at once. */
    atomic_bool hurry;
} dribble_job;

static void* dribble_slowly(void* argument)
{
    dribble_job* job = argument;
    size_t sent = 0;
    while (sent < job->frame_length && !atomic_load(&job->hurry))
    {
        struct timespec delay = {0, (long)job->interval_ms * 1000000L};
        nanosleep(&delay, NULL);
        hostile_write_all(job->peer, job->frame + sent, 1);
        sent++;
    }
    hostile_write_all(job->peer, job->frame + sent, job->frame_length - sent);
    return NULL;
}

/*
 * A peer that sends one byte just before each read timeout would expire must not
 * stretch one receive call to (frame length x timeout): the timeout bounds the
 * call, and the frame then resumes on the next calls. The library reads the clock
 * only on sockets it knows to have a timeout, so the timeout is set in each way a
 * caller can set it: through the API, on a descriptor before adopting it, and on
 * the adopted descriptor behind the library's back.
 */
enum timeout_setting
{
    TIMEOUT_THROUGH_API,
    TIMEOUT_BEFORE_ADOPTION,
    TIMEOUT_ON_RAW_DESCRIPTOR,
    TIMEOUT_THROUGH_API_WAITING_IN_POLL,
};

static void set_kernel_read_timeout(int fd, int timeout_ms)
{
    struct timeval value = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    CHECK(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, sizeof(value)) == 0);
}

static void dribbling_peer_cannot_stretch_a_receive_with(enum timeout_setting setting)
{
    static uint8_t buffer[SVIPC_MAX_PAYLOAD];
    const int timeout_ms = 300;
    int fds[2];
    CHECK(svipc_test_socketpair(AF_UNIX, SOCK_STREAM, fds) == 0);
    svipc_socket* library;
    int peer = fds[1];
    if (setting == TIMEOUT_BEFORE_ADOPTION)
        set_kernel_read_timeout(fds[0], timeout_ms);
    CHECK_STATUS(svipc_from_fd(fds[0], &library), SVIPC_OK);
    if (setting == TIMEOUT_THROUGH_API || setting == TIMEOUT_THROUGH_API_WAITING_IN_POLL)
        CHECK_STATUS(svipc_set_read_timeout(library, timeout_ms), SVIPC_OK);
    if (setting == TIMEOUT_THROUGH_API_WAITING_IN_POLL)
        CHECK_STATUS(svipc_set_wait_in_poll(library, 1), SVIPC_OK);
    if (setting == TIMEOUT_ON_RAW_DESCRIPTOR)
        set_kernel_read_timeout(svipc_fd(library), timeout_ms);
    const char* text = hostile_reference_payloads[3];
    size_t frame_length;
    uint8_t* frame = hostile_build_frame(text, (uint32_t)strlen(text), &frame_length);
    dribble_job job = {.peer = peer, .frame = frame, .frame_length = frame_length, .interval_ms = timeout_ms / 3};
    atomic_init(&job.hurry, false);
    pthread_t writer;
    CHECK(pthread_create(&writer, NULL, dribble_slowly, &job) == 0);
    uint32_t length = 0;
    int64_t start = hostile_now_ms();
    svipc_status status = svipc_recv_frame(library, buffer, sizeof(buffer), &length);
    int64_t elapsed = hostile_now_ms() - start;
    atomic_store(&job.hurry, true);
    /* Dribbled, the whole frame would take frame_length x 100 ms (about 6 s) to arrive. */
    if (status != SVIPC_TIMEOUT || elapsed > 10 * timeout_ms)
        HOSTILE_FAIL("a %d ms read timeout (setting %d) let a dribbling peer hold the call for %lld ms (%s)", timeout_ms,
                     (int)setting, (long long)elapsed, hostile_status_name(status));
    do
    {
        status = svipc_recv_frame(library, buffer, sizeof(buffer), &length);
    } while (status == SVIPC_TIMEOUT);
    CHECK_STATUS(status, SVIPC_OK);
    CHECK(length == strlen(text) && memcmp(buffer, text, length) == 0);
    CHECK(pthread_join(writer, NULL) == 0);
    free(frame);
    svipc_close(library);
    close(peer);
}

static void dribbling_peer_cannot_stretch_a_receive(void)
{
    dribbling_peer_cannot_stretch_a_receive_with(TIMEOUT_THROUGH_API);
}

static void dribbling_peer_cannot_stretch_a_receive_on_an_adopted_timed_descriptor(void)
{
    dribbling_peer_cannot_stretch_a_receive_with(TIMEOUT_BEFORE_ADOPTION);
}

static void dribbling_peer_cannot_stretch_a_receive_with_a_timeout_set_on_the_raw_descriptor(void)
{
    dribbling_peer_cannot_stretch_a_receive_with(TIMEOUT_ON_RAW_DESCRIPTOR);
}

static void dribbling_peer_cannot_stretch_a_receive_waiting_in_poll(void)
{
    dribbling_peer_cannot_stretch_a_receive_with(TIMEOUT_THROUGH_API_WAITING_IN_POLL);
}

int main(int argc, char** argv)
{
    static const hostile_case cases[] = {
        {"silent_peer_times_out", silent_peer_times_out},
        {"resume_mid_prefix", resume_mid_prefix},
        {"resume_mid_payload", resume_mid_payload},
        {"buffer_too_small_then_timeout_then_frame", buffer_too_small_then_timeout_then_frame},
        {"connected_client_says_nothing", connected_client_says_nothing},
        {"dribbling_peer_cannot_stretch_a_receive", dribbling_peer_cannot_stretch_a_receive},
        {"dribbling_peer_cannot_stretch_a_receive_on_an_adopted_timed_descriptor",
         dribbling_peer_cannot_stretch_a_receive_on_an_adopted_timed_descriptor},
        {"dribbling_peer_cannot_stretch_a_receive_with_a_timeout_set_on_the_raw_descriptor",
         dribbling_peer_cannot_stretch_a_receive_with_a_timeout_set_on_the_raw_descriptor},
        {"dribbling_peer_cannot_stretch_a_receive_waiting_in_poll", dribbling_peer_cannot_stretch_a_receive_waiting_in_poll},
    };
    return hostile_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
