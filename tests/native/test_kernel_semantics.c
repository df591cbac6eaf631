/*
 * The Linux behaviour the receive design relies on (see SVIPC_READS_AHEAD):
 * a stream read may run from plain bytes into a message carrying descriptors,
 * but always ends right after it, and never continues past descriptors into
 * later bytes. If a kernel ever changes this, this test says so before the
 * framing silently depends on a wrong assumption.
 */
#include "test_support.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct
{
    ssize_t bytes;
    size_t fds;
    char data[16];
} read_result;

static read_result read_once(int fd, size_t wanted)
{
    read_result result;
    memset(&result, 0, sizeof(result));
    union
    {
        struct cmsghdr align;
        uint8_t bytes[CMSG_SPACE(sizeof(int) * 4)];
    } control;
    struct iovec vector = { .iov_base = result.data, .iov_len = wanted };
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = control.bytes;
    message.msg_controllen = sizeof(control.bytes);
    result.bytes = recvmsg(fd, &message, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    CHECK(result.bytes >= 0);
/* musl's CMSG_NXTHDR trips -Wsign-conversion inside its own expansion. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-conversion"
    for (struct cmsghdr* header = CMSG_FIRSTHDR(&message); header != NULL; header = CMSG_NXTHDR(&message, header))
    {
        size_t count = ((size_t)header->cmsg_len - (size_t)CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count; i++)
        {
            int received;
            memcpy(&received, CMSG_DATA(header) + i * sizeof(int), sizeof(received));
            CHECK(close(received) == 0);
            result.fds++;
        }
    }
#pragma GCC diagnostic pop
    return result;
}

static void reads_stop_right_after_a_descriptor_message(void)
{
    int file = open("/dev/null", O_RDONLY | O_CLOEXEC);
    CHECK(file >= 0);
    int pair[2];
    static const uint8_t zero = 0;

    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    test_write_all(pair[0], "ab", 2);
    test_send_with_fds(pair[0], &zero, 1, &file, 1);
    test_write_all(pair[0], "cd", 2);
    read_result first = read_once(pair[1], 8);
    /* Plain bytes and the carrier come together (so a carrier glued to prefix bytes must be refused)... */
    CHECK(first.bytes == 3 && first.fds == 1 && memcmp(first.data, "ab\0", 3) == 0);
    /* ...but the read ends with the carrier. */
    read_result second = read_once(pair[1], 8);
    CHECK(second.bytes == 2 && second.fds == 0);
    CHECK(close(pair[0]) == 0 && close(pair[1]) == 0);

    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    test_send_with_fds(pair[0], &zero, 1, &file, 1);
    test_write_all(pair[0], "cdef", 4);
    /* A read that starts at a carrier returns that one byte alone: the next prefix stays untouched. */
    first = read_once(pair[1], 4);
    CHECK(first.bytes == 1 && first.fds == 1);
    second = read_once(pair[1], 4);
    CHECK(second.bytes == 4 && second.fds == 0);
    CHECK(close(pair[0]) == 0 && close(pair[1]) == 0);

    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) == 0);
    test_send_with_fds(pair[0], "xyz", 3, &file, 1);
    /* A multi-byte carrier shows all its bytes to a read of the prefix size, so it is recognisable. */
    first = read_once(pair[1], 4);
    CHECK(first.bytes == 3 && first.fds == 1);
    CHECK(close(pair[0]) == 0 && close(pair[1]) == 0);
    CHECK(close(file) == 0);
}

int main(void)
{
    RUN(reads_stop_right_after_a_descriptor_message);
    return test_finish();
}
