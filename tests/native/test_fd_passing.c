/* Descriptor passing across processes: usable, close-on-exec, in either order relative to the response frame. */
#include "test_support.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char decision[] = "{\"Decision\":{\"request_id\":\"req-001\",\"decision\":\"Granted\"}}";
static char work_dir[256];

typedef enum
{
    FD_THEN_FRAME,
    FRAME_THEN_FD,
} send_order;

typedef enum
{
    FRAME_FIRST,
    FD_FIRST,
} receive_order;

static void supervisor_sends(svipc_socket* socket, send_order order, const char* content)
{
    int file = test_open_file_with(work_dir, "granted.txt", content);
    if (order == FD_THEN_FRAME)
    {
        CHECK_STATUS(SVIPC_OK, svipc_send_fd(socket, file));
    }
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(socket, (const uint8_t*)decision, (uint32_t)strlen(decision)));
    if (order == FRAME_THEN_FD)
    {
        CHECK_STATUS(SVIPC_OK, svipc_send_fd(socket, file));
    }
    /* The sender keeps ownership of what it sent. */
    CHECK(close(file) == 0);
}

static void check_frame(svipc_socket* socket)
{
    uint8_t buffer[256];
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(socket, buffer, sizeof(buffer), &length));
    CHECK(length == strlen(decision) && memcmp(buffer, decision, length) == 0);
}

static void check_descriptor(svipc_socket* socket, const char* content)
{
    int32_t fd = -1;
    CHECK_STATUS(SVIPC_OK, svipc_recv_fd(socket, &fd));
    CHECK(fd >= 0);
    CHECK(test_is_close_on_exec(fd));
    test_check_file_content(fd, content);
    CHECK(close(fd) == 0);
}

/* The child receives in one order while the supervisor (this process) sends in another. */
static void run_flow(send_order sending, receive_order receiving)
{
    char content[64];
    snprintf(content, sizeof(content), "granted content %d/%d", (int)sending, (int)receiving);
    svipc_socket* supervisor;
    svipc_socket* child_end;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&supervisor, &child_end));
    pid_t child = test_fork();
    if (child == 0)
    {
        svipc_close(supervisor);
        int before = test_count_open_fds();
        if (receiving == FRAME_FIRST)
        {
            check_frame(child_end);
            check_descriptor(child_end, content);
        }
        else
        {
            int32_t fd = -1;
            svipc_status status = svipc_recv_fd(child_end, &fd);
            if (status == SVIPC_NO_DESCRIPTOR)
            {
                /* Response came first: the frame is intact, and the descriptor follows it. */
                CHECK(sending == FRAME_THEN_FD);
                check_frame(child_end);
                check_descriptor(child_end, content);
            }
            else
            {
                CHECK_STATUS(SVIPC_OK, status);
                CHECK(sending == FD_THEN_FRAME);
                CHECK(test_is_close_on_exec(fd));
                test_check_file_content(fd, content);
                CHECK(close(fd) == 0);
                check_frame(child_end);
            }
        }
        CHECK(test_count_open_fds() == before);
        uint32_t length = 0;
        CHECK_STATUS(SVIPC_CLOSED, svipc_recv_frame(child_end, NULL, 0, &length));
        svipc_close(child_end);
        _exit(0);
    }
    svipc_close(child_end);
    supervisor_sends(supervisor, sending, content);
    svipc_close(supervisor);
    test_wait_success(child);
}

static void fd_then_frame_received_frame_first(void) { run_flow(FD_THEN_FRAME, FRAME_FIRST); }
static void fd_then_frame_received_fd_first(void) { run_flow(FD_THEN_FRAME, FD_FIRST); }
static void frame_then_fd_received_frame_first(void) { run_flow(FRAME_THEN_FD, FRAME_FIRST); }
static void frame_then_fd_received_fd_first(void) { run_flow(FRAME_THEN_FD, FD_FIRST); }

static void recv_fd_before_a_frame_leaves_the_frame_intact(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)decision, (uint32_t)strlen(decision)));
    int32_t fd = -1;
    CHECK_STATUS(SVIPC_NO_DESCRIPTOR, svipc_recv_fd(b, &fd));
    CHECK(fd == -1);
    /* Asking again does not consume the frame either: it is received whole after both. */
    CHECK_STATUS(SVIPC_NO_DESCRIPTOR, svipc_recv_fd(b, &fd));
    CHECK(fd == -1);
    check_frame(b);
    svipc_close(a);
    svipc_close(b);
}

static void descriptor_survives_until_taken_and_close_releases_it(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    int before = test_count_open_fds();
    int file = test_open_file_with(work_dir, "kept.txt", "kept");
    CHECK_STATUS(SVIPC_OK, svipc_send_fd(a, file));
    CHECK(close(file) == 0);
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)"{}", 2));
    uint8_t buffer[8];
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(b, buffer, sizeof(buffer), &length));
    /* The carrier met before the frame is held by the socket: one descriptor more than before. */
    CHECK(test_count_open_fds() == before + 1);
    svipc_close(b);
    CHECK(test_count_open_fds() == before - 1);
    svipc_close(a);
}

static void child_can_send_a_descriptor_to_the_supervisor(void)
{
    svipc_socket* supervisor;
    svipc_socket* child_end;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&supervisor, &child_end));
    pid_t child = test_fork();
    if (child == 0)
    {
        svipc_close(supervisor);
        int pipe_fds[2];
        CHECK(pipe(pipe_fds) == 0);
        test_write_all(pipe_fds[1], "through a pipe", 14);
        CHECK(close(pipe_fds[1]) == 0);
        CHECK_STATUS(SVIPC_OK, svipc_send_fd(child_end, pipe_fds[0]));
        CHECK(close(pipe_fds[0]) == 0);
        svipc_close(child_end);
        _exit(0);
    }
    svipc_close(child_end);
    int32_t fd = -1;
    CHECK_STATUS(SVIPC_OK, svipc_recv_fd(supervisor, &fd));
    CHECK(test_is_close_on_exec(fd));
    char text[32];
    ssize_t got = read(fd, text, sizeof(text));
    CHECK(got == 14 && memcmp(text, "through a pipe", 14) == 0);
    CHECK(close(fd) == 0);
    CHECK_STATUS(SVIPC_CLOSED, svipc_recv_fd(supervisor, &fd));
    test_wait_success(child);
    svipc_close(supervisor);
}

static void invalid_descriptor_arguments(void)
{
    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_send_fd(a, -1));
    int closed[2];
    CHECK(pipe(closed) == 0);
    CHECK(close(closed[0]) == 0 && close(closed[1]) == 0);
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_send_fd(a, closed[0]));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_recv_fd(b, NULL));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_send_fd(NULL, 0));
    CHECK(test_pending_bytes(svipc_fd(b)) == 0);
    svipc_close(a);
    svipc_close(b);
}

int main(void)
{
    signal(SIGPIPE, SIG_DFL);
    test_make_temp_dir(work_dir, sizeof(work_dir));
    RUN(fd_then_frame_received_frame_first);
    RUN(fd_then_frame_received_fd_first);
    RUN(frame_then_fd_received_frame_first);
    RUN(frame_then_fd_received_fd_first);
    RUN(recv_fd_before_a_frame_leaves_the_frame_intact);
    RUN(descriptor_survives_until_taken_and_close_releases_it);
    RUN(child_can_send_a_descriptor_to_the_supervisor);
    RUN(invalid_descriptor_arguments);
    test_remove_dir(work_dir);
    return test_finish();
}
