/* svipc_shutdown from another thread wakes blocked calls, which then report SVIPC_SHUT_DOWN. */
#include "test_support.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

typedef struct
{
    svipc_socket* socket;
    svipc_status status;
} blocked_call;

static void* receive_frame(void* argument)
{
    blocked_call* call = argument;
    uint8_t buffer[16];
    uint32_t length = 0;
    call->status = svipc_recv_frame(call->socket, buffer, sizeof(buffer), &length);
    return NULL;
}

static void* receive_fd(void* argument)
{
    blocked_call* call = argument;
    int32_t fd = -1;
    call->status = svipc_recv_fd(call->socket, &fd);
    return NULL;
}

static void* accept_one(void* argument)
{
    blocked_call* call = argument;
    svipc_socket* connection = NULL;
    call->status = svipc_accept(call->socket, SVIPC_INFINITE_TIMEOUT, &connection);
    svipc_close(connection);
    return NULL;
}

/* However the race between blocking and shutting down goes, the answer must be SVIPC_SHUT_DOWN. */
static void check_woken(svipc_socket* socket, void* (*body)(void*), int delay_ms)
{
    blocked_call call = { socket, SVIPC_OK };
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, body, &call) == 0);
    test_sleep_ms(delay_ms);
    CHECK_STATUS(SVIPC_OK, svipc_shutdown(socket));
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK_STATUS(SVIPC_SHUT_DOWN, call.status);
}

static void shutdown_wakes_a_blocked_frame_receive(void)
{
    static const int delays[] = { 0, 50 };
    for (size_t i = 0; i < 2; i++)
    {
        svipc_socket* a;
        svipc_socket* b;
        CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
        /* Half a frame first, so the blocked receive is in the middle of one. */
        static const uint8_t half[3] = { 0, 0, 0 };
        test_write_all(svipc_fd(a), half, sizeof(half));
        check_woken(b, receive_frame, delays[i]);
        /* Shut down is final in both directions, and repeatable. */
        CHECK_STATUS(SVIPC_SHUT_DOWN, svipc_send_frame(b, (const uint8_t*)"{}", 2));
        CHECK_STATUS(SVIPC_SHUT_DOWN, svipc_send_fd(b, 0));
        uint32_t length = 0;
        CHECK_STATUS(SVIPC_SHUT_DOWN, svipc_recv_frame(b, NULL, 0, &length));
        CHECK_STATUS(SVIPC_OK, svipc_shutdown(b));
        /* The peer sees the end of the stream. */
        CHECK_STATUS(SVIPC_CLOSED, svipc_recv_frame(a, NULL, 0, &length));
        svipc_close(a);
        svipc_close(b);
    }
}

static void shutdown_wakes_a_blocked_descriptor_receive(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    check_woken(b, receive_fd, 50);
    svipc_close(a);
    svipc_close(b);
}

static void shutdown_wakes_a_blocked_accept(void)
{
    char dir[256];
    char path[512];
    test_make_temp_dir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/shutdown.sock", dir);
    svipc_socket* listener;
    CHECK_STATUS(SVIPC_OK, svipc_bind(path, &listener));
    check_woken(listener, accept_one, 50);
    svipc_close(listener);
    test_remove_dir(dir);
}

int main(void)
{
    signal(SIGPIPE, SIG_DFL);
    RUN(shutdown_wakes_a_blocked_frame_receive);
    RUN(shutdown_wakes_a_blocked_descriptor_receive);
    RUN(shutdown_wakes_a_blocked_accept);
    return test_finish();
}
