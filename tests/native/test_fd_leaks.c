/* 10,000 mixed operations, errors included, leave exactly the descriptors that were open before. */
#include "test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define OPERATIONS 10000

static char work_dir[256];
static char path[512];

static void frame_round_trip(svipc_socket* a, svipc_socket* b, int i)
{
    char text[32];
    int length = snprintf(text, sizeof(text), "{\"i\":%d}", i);
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)text, (uint32_t)length));
    uint8_t buffer[32];
    uint32_t received = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &received));
    CHECK(received == (uint32_t)length && memcmp(buffer, text, received) == 0);
}

static void descriptor_round_trip(svipc_socket* a, svipc_socket* b, int file, bool kept_by_frame_receive)
{
    CHECK_STATUS(SVIPC_OK, svipc_send_fd(a, file));
    if (kept_by_frame_receive)
    {
        CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)"{}", 2));
        uint8_t buffer[4];
        uint32_t length = 0;
        CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    }
    int32_t fd = -1;
    CHECK_STATUS(SVIPC_OK, svipc_recv_fd(b, &fd));
    CHECK(fd >= 0 && fd != file);
    CHECK(close(fd) == 0);
}

static void descriptor_left_pending_at_close(svipc_socket* a, svipc_socket* b, int file)
{
    CHECK_STATUS(SVIPC_OK, svipc_send_fd(a, file));
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)"{}", 2));
    uint8_t buffer[4];
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    /* Not taken: svipc_close must release it. */
}

static void protocol_violation(svipc_socket* a, svipc_socket* b, int file)
{
    int two[2] = { file, file };
    static const uint8_t zero = 0;
    test_send_with_fds(svipc_fd(a), &zero, 1, two, 2);
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_PROTOCOL_VIOLATION, svipc_recv_frame(b, NULL, 0, &length));
}

static void no_descriptor_then_frame(svipc_socket* a, svipc_socket* b)
{
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)"[1]", 3));
    int32_t fd = -1;
    CHECK_STATUS(SVIPC_NO_DESCRIPTOR, svipc_recv_fd(b, &fd));
    uint8_t buffer[4];
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    CHECK(length == 3);
}

static void path_connection(int i)
{
    svipc_socket* listener;
    CHECK_STATUS(SVIPC_OK, svipc_bind(path, &listener));
    svipc_socket* client;
    CHECK_STATUS(SVIPC_OK, svipc_connect(path, &client));
    svipc_socket* server;
    CHECK_STATUS(SVIPC_OK, svipc_accept(listener, 1000, &server));
    frame_round_trip(client, server, i);
    svipc_socket* second = NULL;
    CHECK_STATUS(SVIPC_ADDRESS_IN_USE, svipc_bind(path, &second));
    svipc_close(client);
    svipc_close(server);
    svipc_close(listener);
}

static void failing_calls(svipc_socket* b)
{
    uint32_t length = 0;
    svipc_socket* nothing = NULL;
    CHECK_STATUS(SVIPC_OK, svipc_set_read_timeout(b, 1));
    CHECK_STATUS(SVIPC_TIMEOUT, svipc_recv_frame(b, NULL, 0, &length));
    CHECK_STATUS(SVIPC_OK, svipc_set_read_timeout(b, SVIPC_INFINITE_TIMEOUT));
    char missing[600];
    snprintf(missing, sizeof(missing), "%s/missing.sock", work_dir);
    CHECK_STATUS(SVIPC_SYSTEM_ERROR, svipc_connect(missing, &nothing));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_from_fd(STDIN_FILENO + 1000, &nothing));
}

static void mixed_operations_do_not_leak_descriptors(void)
{
    int file = test_open_file_with(work_dir, "file.txt", "content");
    int before = test_count_open_fds();
    svipc_socket* a = NULL;
    svipc_socket* b = NULL;
    for (int i = 0; i < OPERATIONS; i++)
    {
        if (a == NULL)
        {
            CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
        }
        bool replace_pair = false;
        switch (i % 10)
        {
            case 0: case 1: case 2: frame_round_trip(a, b, i); break;
            case 3: descriptor_round_trip(a, b, file, false); break;
            case 4: descriptor_round_trip(a, b, file, true); break;
            case 5: no_descriptor_then_frame(a, b); break;
            case 6: descriptor_left_pending_at_close(a, b, file); replace_pair = true; break;
            case 7: protocol_violation(a, b, file); replace_pair = true; break;
            case 8: if (i % 100 == 8) { path_connection(i); } else { frame_round_trip(b, a, i); } break;
            default: if (i % 100 == 9) { failing_calls(b); } else { replace_pair = true; } break;
        }
        if (replace_pair)
        {
            svipc_close(a);
            svipc_close(b);
            a = b = NULL;
        }
    }
    svipc_close(a);
    svipc_close(b);
    CHECK(test_count_open_fds() == before);
    CHECK(close(file) == 0);
}

int main(void)
{
    signal(SIGPIPE, SIG_DFL);
    test_make_temp_dir(work_dir, sizeof(work_dir));
    snprintf(path, sizeof(path), "%s/leak.sock", work_dir);
    RUN(mixed_operations_do_not_leak_descriptors);
    test_remove_dir(work_dir);
    return test_finish();
}
