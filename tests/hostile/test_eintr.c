/*
 * Signals whose handler is installed without SA_RESTART keep interrupting the
 * thread that is blocked in a receive, a send or an accept. The library must
 * retry (or, with a timeout, still honour the deadline), never surface EINTR
 * as an error or return early with a partial frame.
 */
#define _GNU_SOURCE
#include "hostile.h"

#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

enum
{
    SIGNAL_INTERVAL_US = 2000,
    PEER_DELAY_MS = 300,
    TIMEOUT_MS = 300,
    /* Signals stop after this long, so a library that restarts its timeout on
     * every EINTR returns late (and fails the check) instead of hanging. */
    SIGNAL_BUDGET_MS = 4000,
    LATEST_MS = 3000,
    BIG_FRAMES = 24,
};

static volatile sig_atomic_t signal_count;
static volatile sig_atomic_t signal_limit;

static void on_alarm(int signal_number)
{
    (void)signal_number;
    signal_count++;
    if (signal_count >= signal_limit)
    {
        struct itimerval stop = {0};
        setitimer(ITIMER_REAL, &stop, NULL);
    }
}

static void start_signals(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = on_alarm;
    action.sa_flags = 0; /* no SA_RESTART: blocking calls fail with EINTR */
    sigemptyset(&action.sa_mask);
    CHECK(sigaction(SIGALRM, &action, NULL) == 0);
    signal_count = 0;
    signal_limit = SIGNAL_BUDGET_MS * 1000 / SIGNAL_INTERVAL_US;
    struct itimerval every = {.it_interval = {0, SIGNAL_INTERVAL_US}, .it_value = {0, SIGNAL_INTERVAL_US}};
    CHECK(setitimer(ITIMER_REAL, &every, NULL) == 0);
}

static int stop_signals(void)
{
    struct itimerval stop = {0};
    CHECK(setitimer(ITIMER_REAL, &stop, NULL) == 0);
    return (int)signal_count;
}

/* Helper threads block SIGALRM so that every signal lands on the blocked main thread. */
static pthread_t start_helper(void* (*body)(void*), void* argument)
{
    sigset_t alarm_only;
    sigset_t previous;
    sigemptyset(&alarm_only);
    sigaddset(&alarm_only, SIGALRM);
    CHECK(pthread_sigmask(SIG_BLOCK, &alarm_only, &previous) == 0);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, body, argument) == 0);
    CHECK(pthread_sigmask(SIG_SETMASK, &previous, NULL) == 0);
    return thread;
}

static void sleep_ms(int ms)
{
    struct timespec delay = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&delay, &delay) != 0)
    {
    }
}

typedef struct peer_job
{
    int peer;
    const char* path;
} peer_job;

static void* send_frame_later(void* argument)
{
    const peer_job* job = argument;
    sleep_ms(PEER_DELAY_MS);
    const char* text = hostile_reference_payloads[0];
    size_t frame_length;
    uint8_t* frame = hostile_build_frame(text, (uint32_t)strlen(text), &frame_length);
    /* Half now, half later: the interrupted receive also has to resume a partial frame. */
    hostile_write_all(job->peer, frame, frame_length / 2);
    sleep_ms(PEER_DELAY_MS / 3);
    hostile_write_all(job->peer, frame + frame_length / 2, frame_length - frame_length / 2);
    free(frame);
    return NULL;
}

static void* send_fd_later(void* argument)
{
    const peer_job* job = argument;
    sleep_ms(PEER_DELAY_MS);
    int fd;
    hostile_open_null_fds(&fd, 1);
    uint8_t zero = 0;
    CHECK(hostile_send_with_fds(job->peer, &zero, 1, &fd, 1) == 1);
    close(fd);
    return NULL;
}

static void* drain_frames_later(void* argument)
{
    const peer_job* job = argument;
    sleep_ms(PEER_DELAY_MS);
    static uint8_t frame[SVIPC_FRAME_HEADER_SIZE + SVIPC_MAX_PAYLOAD];
    for (int i = 0; i < BIG_FRAMES; i++)
    {
        CHECK(recv(job->peer, frame, sizeof(frame), MSG_WAITALL) == (ssize_t)sizeof(frame));
        CHECK(frame[0] == 0 && frame[1] == 1 && frame[2] == 0 && frame[3] == 0);
        for (size_t j = SVIPC_FRAME_HEADER_SIZE; j < sizeof(frame); j++)
        {
            if (frame[j] != (uint8_t)(i + (int)j))
                HOSTILE_FAIL("frame %d byte %zu corrupted", i, j);
        }
        sleep_ms(5);
    }
    return NULL;
}

static void* connect_later(void* argument)
{
    const peer_job* job = argument;
    sleep_ms(PEER_DELAY_MS);
    int client = svipc_test_socket(AF_UNIX, SOCK_STREAM);
    CHECK(client >= 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strcpy(address.sun_path, job->path);
    CHECK(connect(client, (struct sockaddr*)&address, sizeof(address)) == 0);
    sleep_ms(PEER_DELAY_MS);
    close(client);
    return NULL;
}

static void check_interrupted(int signals)
{
    /* Proves the signals really hit the blocked call, so the test can fail. */
    if (signals < 10)
        HOSTILE_FAIL("only %d signals were delivered during the blocking call", signals);
}

static void blocking_recv_frame_survives_signals(void)
{
    static uint8_t buffer[SVIPC_MAX_PAYLOAD];
    svipc_socket* library;
    peer_job job = {0};
    hostile_raw_pair(&library, &job.peer);
    pthread_t helper = start_helper(send_frame_later, &job);
    start_signals();
    uint32_t length = 0;
    svipc_status status = svipc_recv_frame(library, buffer, sizeof(buffer), &length);
    int signals = stop_signals();
    CHECK_STATUS(status, SVIPC_OK);
    CHECK(length == strlen(hostile_reference_payloads[0]));
    CHECK(memcmp(buffer, hostile_reference_payloads[0], length) == 0);
    check_interrupted(signals);
    CHECK(pthread_join(helper, NULL) == 0);
    svipc_close(library);
    close(job.peer);
}

static void blocking_recv_fd_survives_signals(void)
{
    svipc_socket* library;
    peer_job job = {0};
    hostile_raw_pair(&library, &job.peer);
    pthread_t helper = start_helper(send_fd_later, &job);
    start_signals();
    int32_t fd = -1;
    svipc_status status = svipc_recv_fd(library, &fd);
    int signals = stop_signals();
    CHECK_STATUS(status, SVIPC_OK);
    CHECK(hostile_fd_is_cloexec(fd));
    close(fd);
    check_interrupted(signals);
    CHECK(pthread_join(helper, NULL) == 0);
    svipc_close(library);
    close(job.peer);
}

static void recv_timeout_honoured_under_signals(void)
{
    static uint8_t buffer[64];
    svipc_socket* library;
    int peer;
    hostile_raw_pair(&library, &peer);
    CHECK_STATUS(svipc_set_read_timeout(library, TIMEOUT_MS), SVIPC_OK);
    int64_t start = hostile_now_ms();
    start_signals();
    uint32_t length = 0;
    svipc_status status = svipc_recv_frame(library, buffer, sizeof(buffer), &length);
    int signals = stop_signals();
    int64_t elapsed = hostile_now_ms() - start;
    CHECK_STATUS(status, SVIPC_TIMEOUT);
    check_interrupted(signals);
    if (elapsed > LATEST_MS)
        HOSTILE_FAIL("a %d ms read timeout returned after %lld ms under signals", TIMEOUT_MS, (long long)elapsed);
    svipc_close(library);
    close(peer);
}

static void fill_big_frame(uint8_t* payload, int index)
{
    for (size_t j = 0; j < SVIPC_MAX_PAYLOAD; j++)
        payload[j] = (uint8_t)(index + (int)(j + SVIPC_FRAME_HEADER_SIZE));
}

/* Far more than the socket buffer holds, so sends block (and get interrupted) mid-frame. */
static void blocking_send_survives_signals(void)
{
    static uint8_t payload[SVIPC_MAX_PAYLOAD];
    svipc_socket* library;
    peer_job job = {0};
    hostile_raw_pair(&library, &job.peer);
    pthread_t helper = start_helper(drain_frames_later, &job);
    start_signals();
    for (int i = 0; i < BIG_FRAMES; i++)
    {
        fill_big_frame(payload, i);
        CHECK_STATUS(svipc_send_frame(library, payload, SVIPC_MAX_PAYLOAD), SVIPC_OK);
    }
    int signals = stop_signals();
    check_interrupted(signals);
    CHECK(pthread_join(helper, NULL) == 0);
    svipc_close(library);
    close(job.peer);
}

static void send_timeout_honoured_under_signals(void)
{
    static uint8_t payload[SVIPC_MAX_PAYLOAD];
    svipc_socket* library;
    int peer;
    hostile_raw_pair(&library, &peer);
    CHECK_STATUS(svipc_set_send_timeout(library, TIMEOUT_MS), SVIPC_OK);
    start_signals();
    svipc_status status = SVIPC_OK;
    int64_t call_started = 0;
    for (int i = 0; i < 1000 && status == SVIPC_OK; i++)
    {
        call_started = hostile_now_ms();
        status = svipc_send_frame(library, payload, SVIPC_MAX_PAYLOAD);
    }
    int64_t elapsed = hostile_now_ms() - call_started;
    int signals = stop_signals();
    CHECK_STATUS(status, SVIPC_TIMEOUT);
    check_interrupted(signals);
    if (elapsed > LATEST_MS)
        HOSTILE_FAIL("a %d ms send timeout returned after %lld ms under signals", TIMEOUT_MS, (long long)elapsed);
    svipc_close(library);
    close(peer);
}

static void blocking_accept_survives_signals(void)
{
    int baseline = hostile_count_fds();
    char* path = hostile_temp_socket_path("eintr");
    svipc_socket* listener;
    CHECK_STATUS(svipc_bind(path, &listener), SVIPC_OK);
    peer_job job = {.peer = -1, .path = path};
    pthread_t helper = start_helper(connect_later, &job);
    start_signals();
    svipc_socket* connection = NULL;
    svipc_status status = svipc_accept(listener, SVIPC_INFINITE_TIMEOUT, &connection);
    int signals = stop_signals();
    CHECK_STATUS(status, SVIPC_OK);
    check_interrupted(signals);
    CHECK(pthread_join(helper, NULL) == 0);
    svipc_close(connection);

    int64_t start = hostile_now_ms();
    start_signals();
    status = svipc_accept(listener, TIMEOUT_MS, &connection);
    signals = stop_signals();
    int64_t elapsed = hostile_now_ms() - start;
    CHECK_STATUS(status, SVIPC_TIMEOUT);
    check_interrupted(signals);
    if (elapsed > LATEST_MS)
        HOSTILE_FAIL("a %d ms accept timeout returned after %lld ms under signals", TIMEOUT_MS, (long long)elapsed);
    svipc_close(listener);
    free(path);
    CHECK(hostile_count_fds() == baseline);
}

int main(int argc, char** argv)
{
    static const hostile_case cases[] = {
        {"blocking_recv_frame_survives_signals", blocking_recv_frame_survives_signals},
        {"blocking_recv_fd_survives_signals", blocking_recv_fd_survives_signals},
        {"recv_timeout_honoured_under_signals", recv_timeout_honoured_under_signals},
        {"blocking_send_survives_signals", blocking_send_survives_signals},
        {"send_timeout_honoured_under_signals", send_timeout_honoured_under_signals},
        {"blocking_accept_survives_signals", blocking_accept_survives_signals},
    };
    return hostile_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
