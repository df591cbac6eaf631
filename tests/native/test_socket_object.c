/* Library information, wrapping foreign descriptors, and close-on-exec for everything the library hands out. */
#include "test_support.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void version_and_messages(void)
{
    CHECK(svipc_version() == ((uint32_t)SVIPC_VERSION_MAJOR << 16 | (uint32_t)SVIPC_VERSION_MINOR << 8 |
                              (uint32_t)SVIPC_VERSION_PATCH));
    CHECK(SVIPC_MAX_PAYLOAD == 65536);
    CHECK(sizeof(svipc_peer_credentials) == 12);
    CHECK(sizeof(svipc_status) == 4);
    for (int i = SVIPC_OK; i <= SVIPC_SHUT_DOWN; i++)
    {
        const char* message = svipc_status_message((svipc_status)i);
        CHECK(message != NULL && message[0] != '\0');
        CHECK(strcmp(message, "unknown status") != 0);
        for (int j = SVIPC_OK; j < i; j++)
        {
            CHECK(strcmp(message, svipc_status_message((svipc_status)j)) != 0);
        }
    }
    CHECK(strcmp(svipc_status_message((svipc_status)1000), "unknown status") == 0);
}

static void from_fd_adopts_only_unix_stream_sockets(void)
{
    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0);
    svipc_socket* adopted = NULL;
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_from_fd(pipe_fds[0], &adopted));
    CHECK(fcntl(pipe_fds[0], F_GETFD) >= 0); /* still the caller's */
    CHECK(close(pipe_fds[0]) == 0 && close(pipe_fds[1]) == 0);
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_from_fd(pipe_fds[0], &adopted));
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_from_fd(-1, &adopted));

    int datagram[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, datagram) == 0);
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_from_fd(datagram[0], &adopted));
    CHECK(close(datagram[0]) == 0 && close(datagram[1]) == 0);
    int inet = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(inet >= 0);
    CHECK_STATUS(SVIPC_INVALID_ARGUMENT, svipc_from_fd(inet, &adopted));
    CHECK(close(inet) == 0);
    CHECK(adopted == NULL);

    /* An inherited end (not close-on-exec) is adopted and made close-on-exec. */
    int stream[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, stream) == 0);
    CHECK(!test_is_close_on_exec(stream[0]));
    CHECK_STATUS(SVIPC_OK, svipc_from_fd(stream[0], &adopted));
    CHECK(svipc_fd(adopted) == stream[0]);
    CHECK(test_is_close_on_exec(stream[0]));
    svipc_socket* other = NULL;
    CHECK_STATUS(SVIPC_OK, svipc_from_fd_dup(stream[1], &other));
    CHECK(svipc_fd(other) != stream[1]);
    CHECK(test_is_close_on_exec(svipc_fd(other)));
    CHECK(!test_is_close_on_exec(stream[1]));
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(other, (const uint8_t*)"{}", 2));
    uint8_t buffer[4];
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame(adopted, buffer, sizeof(buffer), &length));
    CHECK(length == 2);
    svipc_close(other);
    CHECK(fcntl(stream[1], F_GETFD) >= 0);
    CHECK(close(stream[1]) == 0);
    svipc_close(adopted);
    CHECK(fcntl(stream[0], F_GETFD) < 0 && errno == EBADF);
    CHECK(svipc_fd(NULL) == -1);
}

/* Runs /bin/sh in a child and asks whether descriptor fd survived the exec. */
static bool survives_exec(int fd)
{
    char script[64];
    snprintf(script, sizeof(script), "[ -e /dev/fd/%d ] && exit 0 || exit 3", fd);
    pid_t child = test_fork();
    if (child == 0)
    {
        execl("/bin/sh", "sh", "-c", script, (char*)NULL);
        _exit(127);
    }
    int status = 0;
    CHECK(waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3));
    return WEXITSTATUS(status) == 0;
}

static void descriptors_do_not_survive_exec(void)
{
    /* The probe itself must be able to tell: an inheritable descriptor does survive. */
    int inheritable = dup(STDERR_FILENO);
    CHECK(inheritable >= 0);
    CHECK(survives_exec(inheritable));
    CHECK(close(inheritable) == 0);

    svipc_socket* a;
    svipc_socket* b;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    CHECK(!survives_exec(svipc_fd(a)));
    CHECK(!survives_exec(svipc_fd(b)));
    int file = open("/dev/null", O_RDONLY); /* deliberately inheritable at the sender */
    CHECK(file >= 0);
    CHECK_STATUS(SVIPC_OK, svipc_send_fd(a, file));
    int32_t received = -1;
    CHECK_STATUS(SVIPC_OK, svipc_recv_fd(b, &received));
    CHECK(test_is_close_on_exec(received));
    CHECK(!survives_exec(received));
    CHECK(close(received) == 0);
    CHECK(close(file) == 0);
    svipc_close(a);
    svipc_close(b);
}

int main(void)
{
    signal(SIGPIPE, SIG_DFL);
    RUN(version_and_messages);
    RUN(from_fd_adopts_only_unix_stream_sockets);
    RUN(descriptors_do_not_survive_exec);
    return test_finish();
}
