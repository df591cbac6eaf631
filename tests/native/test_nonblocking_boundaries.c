/*
 * Non-blocking mode with the kernel made as stingy as it may be: recvmsg and
 * sendmsg are interposed (this test links the static library, as
 * test_syscall_counts does) so that, on the socket under test, every
 * non-blocking call that is not refused with EAGAIN moves at most one byte, and
 * every other one is refused. Each frame and each descriptor carrier is thus cut
 * at every byte boundary, with a "would block" between any two bytes: receives
 * must keep every partial frame and descriptor, sends must keep every unsent
 * rest, and the bytes that reach the other end must be exactly the frames sent.
 */
#include "test_support.h"
#include "supervisor_ipc_messages.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

static int stingy_fd = -1;
static unsigned stingy_calls;

ssize_t recvmsg(int fd, struct msghdr* message, int flags);
ssize_t sendmsg(int fd, const struct msghdr* message, int flags);

/* Refuses every other call; lets the ones between move at most one byte. */
static bool refuse_this_call(int fd, int flags)
{
    return fd == stingy_fd && (flags & MSG_DONTWAIT) != 0 && (stingy_calls++ % 2) == 0;
}

static struct msghdr one_byte_of(const struct msghdr* message, struct iovec* vector)
{
    struct msghdr limited = *message;
    for (size_t i = 0; i < (size_t)message->msg_iovlen; i++)
    {
        if (message->msg_iov[i].iov_len > 0)
        {
            vector->iov_base = message->msg_iov[i].iov_base;
            vector->iov_len = 1;
            limited.msg_iov = vector;
            limited.msg_iovlen = 1;
            return limited;
        }
    }
    return limited;
}

ssize_t recvmsg(int fd, struct msghdr* message, int flags)
{
    if (refuse_this_call(fd, flags))
    {
        errno = EAGAIN;
        return -1;
    }
    if (fd != stingy_fd || (flags & MSG_DONTWAIT) == 0)
    {
        return (ssize_t)syscall(SYS_recvmsg, fd, message, flags);
    }
    struct iovec vector;
    struct msghdr limited = one_byte_of(message, &vector);
    ssize_t result = (ssize_t)syscall(SYS_recvmsg, fd, &limited, flags);
    message->msg_controllen = limited.msg_controllen;
    message->msg_flags = limited.msg_flags;
    return result;
}

ssize_t sendmsg(int fd, const struct msghdr* message, int flags)
{
    if (refuse_this_call(fd, flags))
    {
        errno = EAGAIN;
        return -1;
    }
    if (fd != stingy_fd || (flags & MSG_DONTWAIT) == 0)
    {
        return (ssize_t)syscall(SYS_sendmsg, fd, message, flags);
    }
    struct iovec vector;
    struct msghdr limited = one_byte_of(message, &vector);
    return (ssize_t)syscall(SYS_sendmsg, fd, &limited, flags);
}

static void make_stingy(svipc_socket* socket)
{
    stingy_fd = svipc_fd(socket);
    stingy_calls = 0;
    CHECK_STATUS(SVIPC_OK, svipc_set_nonblocking(socket, 1));
}

static uint8_t payload[SVIPC_MAX_PAYLOAD];
static uint8_t received[SVIPC_MAX_PAYLOAD];

static void fill_payload(uint32_t length, uint32_t seed)
{
    for (uint32_t i = 0; i < length; i++)
    {
        payload[i] = (uint8_t)(i * 131u + seed);
    }
}

static bool same_file(int a, int b)
{
    struct stat first;
    struct stat second;
    return fstat(a, &first) == 0 && fstat(b, &second) == 0 && first.st_dev == second.st_dev &&
           first.st_ino == second.st_ino;
}

/* Receives one frame of length bytes through the stingy socket: one "would block" per byte of it, then the frame. */
static void receive_frame_byte_by_byte(svipc_socket* receiver, uint32_t length, int call_kind)
{
    uint32_t would_block = 0;
    for (;;)
    {
        uint32_t got = 0;
        const uint8_t* lent = NULL;
        svipc_status status = call_kind == 0 ? svipc_recv_frame(receiver, received, sizeof(received), &got)
                                             : svipc_recv_frame_borrowed(receiver, &lent, &got);
        if (status == SVIPC_WOULD_BLOCK)
        {
            would_block++;
            CHECK(would_block <= SVIPC_FRAME_HEADER_SIZE + length);
            continue;
        }
        CHECK_STATUS(SVIPC_OK, status);
        CHECK(got == length);
        CHECK(memcmp(call_kind == 0 ? received : lent, payload, length) == 0);
        break;
    }
    CHECK(would_block == SVIPC_FRAME_HEADER_SIZE + length);
}

static void receive_fd_byte_by_byte(svipc_socket* receiver, int expected)
{
    int32_t fd = -1;
    CHECK_STATUS(SVIPC_WOULD_BLOCK, svipc_recv_fd(receiver, &fd));
    CHECK_STATUS(SVIPC_OK, svipc_recv_fd(receiver, &fd));
    CHECK(same_file(fd, expected) && test_is_close_on_exec(fd));
    close(fd);
}

static void receives_resume_at_every_byte(void)
{
    static const uint32_t sizes[] = { 0, 1, 3, 4, 5, 200, 4096, SVIPC_MAX_PAYLOAD };
    int baseline = test_count_open_fds();
    svipc_socket* sender;
    svipc_socket* receiver;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&sender, &receiver));
    make_stingy(receiver);
    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
    {
        fill_payload(sizes[i], (uint32_t)i);
        /* A descriptor before the frame (as a grant sends it), then the frame, then one after it. */
        CHECK_STATUS(SVIPC_OK, svipc_send_fd(sender, pipe_fds[0]));
        receive_fd_byte_by_byte(receiver, pipe_fds[0]);
        CHECK_STATUS(SVIPC_OK, svipc_send_frame(sender, payload, sizes[i]));
        receive_frame_byte_by_byte(receiver, sizes[i], (int)(i % 2));
        CHECK_STATUS(SVIPC_OK, svipc_send_fd(sender, pipe_fds[1]));
        receive_fd_byte_by_byte(receiver, pipe_fds[1]);
        CHECK(svipc_has_buffered_input(receiver) == 0);
    }
    svipc_close(sender);
    svipc_close(receiver);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    CHECK(test_count_open_fds() == baseline);
}

/* A descriptor met by a frame receive is kept for svipc_recv_fd, also when the receive then would block. */
static void descriptor_met_by_a_frame_receive_is_kept(void)
{
    svipc_socket* sender;
    svipc_socket* receiver;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&sender, &receiver));
    make_stingy(receiver);
    fill_payload(10, 7);
    CHECK_STATUS(SVIPC_OK, svipc_send_fd(sender, STDIN_FILENO));
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(sender, payload, 10));
    uint32_t got = 0;
    CHECK_STATUS(SVIPC_WOULD_BLOCK, svipc_recv_frame(receiver, received, sizeof(received), &got));
    /* This call reads the carrier, keeps its descriptor and would block on the frame. */
    CHECK_STATUS(SVIPC_WOULD_BLOCK, svipc_recv_frame(receiver, received, sizeof(received), &got));
    CHECK(svipc_has_buffered_input(receiver) == 1);
    int32_t fd = -1;
    CHECK_STATUS(SVIPC_OK, svipc_recv_fd(receiver, &fd));
    CHECK(same_file(fd, STDIN_FILENO));
    close(fd);
    stingy_calls = 0; /* the next read is refused again, as receive_frame_byte_by_byte counts */
    receive_frame_byte_by_byte(receiver, 10, 0);
    svipc_close(sender);
    svipc_close(receiver);
}

/*
 * The receiver (non-blocking, not stingy) takes what has arrived, so that the kernel's own limit on queued
 * one-byte segments does not fill the socket; SVIPC_OK once the whole frame is there.
 */
static svipc_status drain(svipc_socket* receiver, uint32_t* got)
{
    return svipc_recv_frame(receiver, received, sizeof(received), got);
}

/* Sends through the stingy socket: every frame is accepted after one refusal and finished by flushes. */
static void send_and_flush(svipc_socket* sender, svipc_socket* receiver, uint32_t length)
{
    svipc_status status = svipc_send_frame(sender, payload, length);
    /* The first call was refused with nothing sent; the second wrote one byte and kept the rest. */
    CHECK_STATUS(SVIPC_WOULD_BLOCK, status);
    CHECK(svipc_has_pending_output(sender) == 0);
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(sender, payload, length));
    CHECK(svipc_has_pending_output(sender) == 1);
    /* Nothing of another frame or descriptor is accepted while this one is unfinished. */
    CHECK_STATUS(SVIPC_WOULD_BLOCK, svipc_send_frame(sender, payload, 1));
    CHECK_STATUS(SVIPC_WOULD_BLOCK, svipc_send_fd(sender, STDIN_FILENO));
    uint32_t got = 0;
    svipc_status drained = SVIPC_WOULD_BLOCK;
    uint32_t flushes = 0;
    while ((status = svipc_flush(sender)) == SVIPC_WOULD_BLOCK)
    {
        /* Each flush moves one byte; a refusal by the real kernel (queue full) is followed by a drain. */
        CHECK(++flushes <= 4 * (SVIPC_FRAME_HEADER_SIZE + length));
        if (drained == SVIPC_WOULD_BLOCK)
        {
            drained = drain(receiver, &got);
        }
    }
    CHECK_STATUS(SVIPC_OK, status);
    CHECK(svipc_has_pending_output(sender) == 0);
    CHECK_STATUS(SVIPC_OK, svipc_flush(sender));
    if (drained == SVIPC_WOULD_BLOCK)
    {
        drained = drain(receiver, &got);
    }
    CHECK_STATUS(SVIPC_OK, drained);
    CHECK(got == length && memcmp(received, payload, got) == 0);
}

static void sends_keep_the_rest_at_every_byte(void)
{
    static const uint32_t sizes[] = { 0, 1, 3, 4, 5, 200, 4096, SVIPC_MAX_PAYLOAD };
    int baseline = test_count_open_fds();
    svipc_socket* sender;
    svipc_socket* receiver;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&sender, &receiver));
    make_stingy(sender);
    CHECK_STATUS(SVIPC_OK, svipc_set_nonblocking(receiver, 1));
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
    {
        fill_payload(sizes[i], (uint32_t)i + 40);
        stingy_calls = 0;
        CHECK_STATUS(SVIPC_WOULD_BLOCK, svipc_send_fd(sender, STDERR_FILENO));
        CHECK_STATUS(SVIPC_OK, svipc_send_fd(sender, STDERR_FILENO));
        stingy_calls = 0;
        send_and_flush(sender, receiver, sizes[i]);
        /* The carrier in front of the frame was kept by the frame receive. */
        int32_t fd = -1;
        CHECK_STATUS(SVIPC_OK, svipc_recv_fd(receiver, &fd));
        CHECK(same_file(fd, STDERR_FILENO) && test_is_close_on_exec(fd));
        close(fd);
        CHECK_STATUS(SVIPC_WOULD_BLOCK, svipc_recv_fd(receiver, &fd));
    }
    CHECK(svipc_has_buffered_input(receiver) == 0);
    svipc_close(sender);
    svipc_close(receiver);
    CHECK(test_count_open_fds() == baseline);
}

/* Pending output left by non-blocking sends goes first when the socket is switched back to blocking. */
static void blocking_send_finishes_the_pending_rest_first(void)
{
    svipc_socket* sender;
    svipc_socket* receiver;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&sender, &receiver));
    make_stingy(sender);
    fill_payload(1000, 3);
    CHECK_STATUS(SVIPC_WOULD_BLOCK, svipc_send_frame(sender, payload, 1000));
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(sender, payload, 1000));
    CHECK(svipc_has_pending_output(sender) == 1);
    CHECK_STATUS(SVIPC_OK, svipc_set_nonblocking(sender, 0));
    CHECK(svipc_has_pending_output(sender) == 1);
    static uint8_t second[10] = { 9, 8, 7, 6, 5, 4, 3, 2, 1, 0 };
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(sender, second, sizeof(second)));
    CHECK(svipc_has_pending_output(sender) == 0);
    uint32_t got = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(receiver, received, sizeof(received), &got));
    CHECK(got == 1000 && memcmp(received, payload, got) == 0);
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(receiver, received, sizeof(received), &got));
    CHECK(got == sizeof(second) && memcmp(received, second, got) == 0);
    svipc_close(sender);
    svipc_close(receiver);
}

/* A partial frame read in non-blocking mode is finished by a blocking receive after switching back. */
static void blocking_receive_finishes_the_partial_frame(void)
{
    svipc_socket* sender;
    svipc_socket* receiver;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&sender, &receiver));
    make_stingy(receiver);
    fill_payload(300, 5);
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(sender, payload, 300));
    uint32_t got = 0;
    for (int i = 0; i < 20; i++)
    {
        CHECK_STATUS(SVIPC_WOULD_BLOCK, svipc_recv_frame(receiver, received, sizeof(received), &got));
    }
    CHECK_STATUS(SVIPC_OK, svipc_set_nonblocking(receiver, 0));
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(receiver, received, sizeof(received), &got));
    CHECK(got == 300 && memcmp(received, payload, got) == 0);
    svipc_close(sender);
    svipc_close(receiver);
}

/* svipc_grant's descriptor and Decision are accepted together: a refused grant sent nothing and leaked nothing. */
static void grant_is_accepted_whole_or_not_at_all(void)
{
    char directory[256];
    test_make_temp_dir(directory, sizeof(directory));
    int file = test_open_file_with(directory, "granted.txt", "granted content");
    close(file);
    char path[512];
    snprintf(path, sizeof(path), "%s/granted.txt", directory);
    const char* roots[] = { directory };
    svipc_capability_request request;
    memset(&request, 0, sizeof(request));
    request.request_id.data = "r-1";
    request.request_id.length = 3;
    request.path.data = path;
    request.path.length = (uint32_t)strlen(path);
    request.access = SVIPC_ACCESS_READ;

    int baseline = test_count_open_fds();
    svipc_socket* supervisor;
    svipc_socket* child;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&supervisor, &child));
    make_stingy(supervisor);
    svipc_status opened = SVIPC_SYSTEM_ERROR;
    CHECK_STATUS(SVIPC_WOULD_BLOCK, svipc_grant(supervisor, &request, roots, 1, &opened));
    CHECK(svipc_has_pending_output(supervisor) == 0);
    CHECK(test_count_open_fds() == baseline + 2);
    /* The carrier goes out; the Decision is refused by the kernel, so the socket keeps all of it. */
    CHECK_STATUS(SVIPC_OK, svipc_grant(supervisor, &request, roots, 1, &opened));
    CHECK(svipc_has_pending_output(supervisor) == 1);
    svipc_status status;
    while ((status = svipc_flush(supervisor)) == SVIPC_WOULD_BLOCK)
    {
    }
    CHECK_STATUS(SVIPC_OK, status);
    svipc_response response;
    CHECK_STATUS(SVIPC_OK, svipc_recv_response(child, &response, NULL));
    CHECK(response.kind == SVIPC_RESPONSE_DECISION);
    CHECK(response.as.decision.decision.kind == SVIPC_DECISION_GRANTED);
    int32_t fd = -1;
    CHECK_STATUS(SVIPC_OK, svipc_recv_fd(child, &fd));
    test_check_file_content(fd, "granted content");
    close(fd);
    CHECK(svipc_has_buffered_input(child) == 0);
    svipc_close(supervisor);
    svipc_close(child);
    CHECK(test_count_open_fds() == baseline);
    test_remove_dir(directory);
}

int main(void)
{
    RUN(receives_resume_at_every_byte);
    RUN(descriptor_met_by_a_frame_receive_is_kept);
    RUN(sends_keep_the_rest_at_every_byte);
    RUN(blocking_send_finishes_the_pending_rest_first);
    RUN(blocking_receive_finishes_the_partial_frame);
    RUN(grant_is_accepted_whole_or_not_at_all);
    return test_finish();
}
