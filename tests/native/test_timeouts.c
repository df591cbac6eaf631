/* Read and send timeouts: their own status, settable and clearable, and a partial frame resumes intact. */
#include "test_support.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void timeouts_are_set_read_back_and_cleared(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    int32_t value = 0;
    CHECK_STATUS(SVIPC_OK, svipc_get_read_timeout(a, &value));
    CHECK(value == SVIPC_INFINITE_TIMEOUT);
    CHECK_STATUS(SVIPC_OK, svipc_set_read_timeout(a, 1500));
    CHECK_STATUS(SVIPC_OK, svipc_get_read_timeout(a, &value));
    CHECK(value >= 1500 && value <= 1520);
    CHECK_STATUS(SVIPC_OK, svipc_set_read_timeout(a, SVIPC_INFINITE_TIMEOUT));
    CHECK_STATUS(SVIPC_OK, svipc_get_read_timeout(a, &value));
    CHECK(value == SVIPC_INFINITE_TIMEOUT);
    CHECK_STATUS(SVIPC_OK, svipc_set_send_timeout(a, 250));
    CHECK_STATUS(SVIPC_OK, svipc_get_send_timeout(a, &value));
    /* The kernel keeps timeouts in clock ticks, so what reads back may be rounded up by a tick. */
    CHECK(value >= 250 && value <= 270);
    CHECK_STATUS(SVIPC_OK, svipc_set_send_timeout(a, SVIPC_INFINITE_TIMEOUT));
    CHECK_STATUS(SVIPC_OK, svipc_get_send_timeout(a, &value));
    CHECK(value == SVIPC_INFINITE_TIMEOUT);
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_set_read_timeout(a, 0));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_set_read_timeout(a, -2));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_set_send_timeout(a, 0));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_get_read_timeout(a, NULL));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_set_read_timeout(NULL, 5));
    svipc_close(a);
    svipc_close(b);
}

static void read_timeout_is_reported(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    CHECK_STATUS(SVIPC_OK, svipc_set_read_timeout(b, 20));
    uint8_t buffer[8];
    uint32_t length = 5;
    errno = 0;
    CHECK_STATUS(SVIPC_TIMEOUT, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK(errno == EAGAIN || errno == EWOULDBLOCK);
    CHECK(length == 5);
    int32_t fd = -1;
    CHECK_STATUS(SVIPC_TIMEOUT, svipc_recv_fd(b, &fd));
    /* A timeout does not break the stream. */
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)"ok", 2));
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK(length == 2 && memcmp(buffer, "ok", 2) == 0);
    svipc_close(a);
    svipc_close(b);
}

/*
 * A peer process writes a frame in pieces, each after the receiver has timed out
 * on the previous one (pipe handshakes keep it deterministic): every cut point
 * must resume into the same frame, prefix and payload alike.
 */
static void partial_frames_resume_after_timeouts(void)
{
    static const uint8_t frame[] = { 0, 0, 0, 6, 'r', 'e', 's', 'u', 'm', 'e' };
    static const size_t cuts[] = { 1, 2, 3, 4, 5, 7, 9 };
    const size_t cut_count = sizeof(cuts) / sizeof(cuts[0]);
    svipc_socket* writer;
    svipc_socket* reader;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&writer, &reader));
    int go[2];
    CHECK(pipe(go) == 0);
    pid_t child = test_fork();
    if (child == 0)
    {
        svipc_close(reader);
        CHECK(close(go[1]) == 0);
        size_t written = 0;
        for (size_t i = 0; i <= cut_count; i++)
        {
            size_t until = i < cut_count ? cuts[i] : sizeof(frame);
            test_write_all(svipc_fd(writer), frame + written, until - written);
            written = until;
            char token;
            if (i < cut_count)
            {
                CHECK(read(go[0], &token, 1) == 1);
            }
        }
        svipc_close(writer);
        _exit(0);
    }
    svipc_close(writer);
    CHECK(close(go[0]) == 0);
    CHECK_STATUS(SVIPC_OK, svipc_set_read_timeout(reader, 20));
    uint8_t buffer[16];
    uint32_t length = 0;
    for (size_t i = 0; i < cut_count; i++)
    {
        /* The bytes so far may still be in flight; a timeout only counts once they were all taken in. */
        while (test_pending_bytes(svipc_fd(reader)) == 0 && i == 0)
        {
            test_sleep_ms(1);
        }
        CHECK_STATUS(SVIPC_TIMEOUT, svipc_recv_frame(reader, buffer, sizeof(buffer), &length));
        CHECK(test_pending_bytes(svipc_fd(reader)) == 0);
        test_write_all(go[1], "g", 1);
        while (i + 1 < cut_count && test_pending_bytes(svipc_fd(reader)) == 0)
        {
            test_sleep_ms(1);
        }
    }
    CHECK_STATUS(SVIPC_OK, svipc_set_read_timeout(reader, SVIPC_INFINITE_TIMEOUT));
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(reader, buffer, sizeof(buffer), &length));
    CHECK(length == 6 && memcmp(buffer, "resume", 6) == 0);
    CHECK_STATUS(SVIPC_CLOSED, svipc_recv_frame(reader, buffer, sizeof(buffer), &length));
    CHECK(close(go[1]) == 0);
    test_wait_success(child);
    svipc_close(reader);
}

static void send_timeout_before_any_byte_keeps_the_stream_usable(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    CHECK_STATUS(SVIPC_OK, svipc_set_send_timeout(a, 10));
    static const uint8_t small[60] = { 0 };
    size_t sent = 0;
    svipc_status status;
    while ((status = svipc_send_frame(a, small, sizeof(small))) == SVIPC_OK)
    {
        sent++;
        CHECK(sent < 1000000);
    }
    CHECK_STATUS(SVIPC_TIMEOUT, status);
    /* Each small frame is one kernel message: a timeout means none of it went out, so nothing is desynchronized. */
    uint8_t buffer[64];
    uint32_t length = 0;
    for (size_t i = 0; i < sent; i++)
    {
        CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
        CHECK(length == sizeof(small));
    }
    CHECK(test_pending_bytes(svipc_fd(b)) == 0);
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, small, sizeof(small)));
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    svipc_close(a);
    svipc_close(b);
}

static void send_timeout_after_a_partial_write_desynchronizes_sending(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    /* A small send buffer makes one 64 KiB frame span several kernel messages. */
    int small_buffer = 4096;
    CHECK(setsockopt(svipc_fd(a), SOL_SOCKET, SO_SNDBUF, &small_buffer, sizeof(small_buffer)) == 0);
    CHECK_STATUS(SVIPC_OK, svipc_set_send_timeout(a, 20));
    uint8_t* payload = calloc(1, SVIPC_MAX_PAYLOAD);
    CHECK(payload != NULL);
    CHECK_STATUS(SVIPC_TIMEOUT, svipc_send_frame(a, payload, SVIPC_MAX_PAYLOAD));
    size_t queued = test_pending_bytes(svipc_fd(b));
    CHECK(queued > 0 && queued < SVIPC_MAX_PAYLOAD + 4);
    CHECK_STATUS(SVIPC_DESYNCHRONIZED, svipc_send_frame(a, payload, 1));
    CHECK_STATUS(SVIPC_DESYNCHRONIZED, svipc_send_fd(a, 0));
    CHECK(test_pending_bytes(svipc_fd(b)) == queued);
    /* The receiving direction of the same socket is unaffected. */
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(b, payload, 3));
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(a, payload, 16, &length));
    CHECK(length == 3);
    free(payload);
    svipc_close(a);
    svipc_close(b);
}

static void* shut_down_after_a_while(void* argument)
{
    struct timespec delay = { 0, 100 * 1000000L };
    nanosleep(&delay, NULL);
    (void)svipc_shutdown((svipc_socket*)argument);
    return NULL;
}

static int64_t now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* Waiting in poll keeps every exit of a wait: data, the read timeout, a shutdown from another thread. */
static void waiting_in_poll_keeps_timeouts_and_shutdown(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    CHECK_STATUS(SVIPC_OK, svipc_set_wait_in_poll(b, 1));
    uint8_t buffer[64];
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)"hello", 5));
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK(length == 5 && memcmp(buffer, "hello", 5) == 0);
    CHECK_STATUS(SVIPC_OK, svipc_set_read_timeout(b, 50));
    int64_t started = now_ms();
    CHECK_STATUS(SVIPC_TIMEOUT, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK(errno == EAGAIN && now_ms() - started >= 45 && now_ms() - started < 5000);
    int32_t fd = -1;
    CHECK_STATUS(SVIPC_TIMEOUT, svipc_recv_fd(b, &fd));
    CHECK_STATUS(SVIPC_OK, svipc_set_read_timeout(b, SVIPC_INFINITE_TIMEOUT));
    pthread_t waker;
    CHECK(pthread_create(&waker, NULL, shut_down_after_a_while, b) == 0);
    svipc_status status = svipc_recv_frame(b, buffer, sizeof(buffer), &length);
    CHECK(status == SVIPC_SHUT_DOWN || status == SVIPC_CLOSED);
    CHECK(pthread_join(waker, NULL) == 0);
    svipc_close(a);
    svipc_close(b);
}

int main(void)
{
    signal(SIGPIPE, SIG_DFL);
    RUN(timeouts_are_set_read_back_and_cleared);
    RUN(read_timeout_is_reported);
    RUN(partial_frames_resume_after_timeouts);
    RUN(send_timeout_before_any_byte_keeps_the_stream_usable);
    RUN(send_timeout_after_a_partial_write_desynchronizes_sending);
    RUN(waiting_in_poll_keeps_timeouts_and_shutdown);
    return test_finish();
}
