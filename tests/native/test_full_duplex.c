/* One sending thread and one receiving thread on the same socket, against an echoing child process. */
#include "test_support.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define FRAMES 3000

static void* send_all(void* argument)
{
    svipc_socket* socket = argument;
    static uint8_t payload[4096];
    for (int i = 0; i < FRAMES; i++)
    {
        uint32_t length = (uint32_t)(i % (int)sizeof(payload));
        memset(payload, (int)(i & 0xFF), length);
        CHECK_STATUS(SVIPC_OK, svipc_send_frame(socket, payload, length));
    }
    return NULL;
}

static void sender_and_receiver_threads_share_a_socket(void)
{
    svipc_socket* supervisor;
    svipc_socket* child_end;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&supervisor, &child_end));
    pid_t child = test_fork();
    if (child == 0)
    {
        svipc_close(supervisor);
        const uint8_t* payload;
        uint32_t length;
        svipc_status status;
        while ((status = svipc_recv_frame_borrowed(child_end, &payload, &length)) == SVIPC_OK)
        {
            CHECK_STATUS(SVIPC_OK, svipc_send_frame(child_end, payload, length));
        }
        CHECK_STATUS(SVIPC_CLOSED, status);
        svipc_close(child_end);
        _exit(0);
    }
    svipc_close(child_end);
    pthread_t sender;
    CHECK(pthread_create(&sender, NULL, send_all, supervisor) == 0);
    for (int i = 0; i < FRAMES; i++)
    {
        const uint8_t* payload;
        uint32_t length = 0;
        CHECK_STATUS(SVIPC_OK, svipc_recv_frame_borrowed(supervisor, &payload, &length));
        CHECK(length == (uint32_t)(i % 4096));
        for (uint32_t j = 0; j < length; j++)
        {
            CHECK(payload[j] == (uint8_t)(i & 0xFF));
        }
    }
    CHECK(pthread_join(sender, NULL) == 0);
    svipc_close(supervisor);
    test_wait_success(child);
}

int main(void)
{
    signal(SIGPIPE, SIG_DFL);
    RUN(sender_and_receiver_threads_share_a_socket);
    return test_finish();
}
