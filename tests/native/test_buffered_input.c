/*
 * svipc_has_buffered_input: what an event loop must check before it waits for
 * svipc_fd to become readable, because receives read ahead into the socket's
 * buffer (and keep a carrier met in front of a frame for svipc_recv_fd).
 */
#include "test_support.h"

#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int is_readable_now(int fd)
{
    struct pollfd entry = { .fd = fd, .events = POLLIN, .revents = 0 };
    int ready = poll(&entry, 1, 0);
    CHECK(ready >= 0);
    return ready > 0 && (entry.revents & POLLIN) != 0;
}

static void receive_expecting(svipc_socket* socket, const char* text)
{
    uint8_t buffer[32];
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(socket, buffer, sizeof(buffer), &length));
    CHECK(length == strlen(text) && memcmp(buffer, text, length) == 0);
}

static void frames_read_ahead_are_reported(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    CHECK(svipc_has_buffered_input(b) == 0);
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)"one", 3));
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)"two", 3));
    CHECK(is_readable_now(svipc_fd(b)));
    receive_expecting(b, "one");
#if SVIPC_TEST_READS_AHEAD
    /* The second frame came with the first read: the descriptor has nothing left to report. */
    CHECK(!is_readable_now(svipc_fd(b)));
    CHECK(svipc_has_buffered_input(b) == 1);
#else
    CHECK(is_readable_now(svipc_fd(b)) || svipc_has_buffered_input(b) == 1);
#endif
    receive_expecting(b, "two");
    CHECK(svipc_has_buffered_input(b) == 0);
    CHECK(!is_readable_now(svipc_fd(b)));
    svipc_close(a);
    svipc_close(b);
}

static void a_kept_descriptor_is_reported(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    CHECK_STATUS(SVIPC_OK, svipc_send_fd(a, svipc_fd(a)));
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)"{}", 2));
    receive_expecting(b, "{}");
    CHECK(!is_readable_now(svipc_fd(b)));
    CHECK(svipc_has_buffered_input(b) == 1);
    int32_t fd = -1;
    CHECK_STATUS(SVIPC_OK, svipc_recv_fd(b, &fd));
    CHECK(fd >= 0 && close(fd) == 0);
    CHECK(svipc_has_buffered_input(b) == 0);
    svipc_close(a);
    svipc_close(b);
}

static void nothing_is_reported_where_nothing_can_be_received(void)
{
    CHECK(svipc_has_buffered_input(NULL) == 0);
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    /* A prefix over the limit desynchronizes the receive side; what was read behind it is never handed out. */
    static const uint8_t oversize_then_frame[] = { 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 2, '{', '}' };
    test_write_all(svipc_fd(a), oversize_then_frame, sizeof(oversize_then_frame));
    uint8_t buffer[8];
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_TOO_LARGE, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK(svipc_has_buffered_input(b) == 0);
    svipc_close(a);
    svipc_close(b);
}

int main(void)
{
    signal(SIGPIPE, SIG_DFL);
    RUN(frames_read_ahead_are_reported);
    RUN(a_kept_descriptor_is_reported);
    RUN(nothing_is_reported_where_nothing_can_be_received);
    return test_finish();
}
