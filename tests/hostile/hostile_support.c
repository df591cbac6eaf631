#define _GNU_SOURCE
#include "hostile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

const char* const hostile_reference_payloads[] = {
    "{\"Request\":{\"request_id\":\"req-001\",\"path\":\"/tmp/test\",\"access\":\"Read\",\"reason\":\"test access\",\"child_pid\":12345,\"session_id\":\"sess-001\"}}",
    "{\"Request\":{\"request_id\":\"r2\",\"path\":\"/var/log/app.log\",\"access\":\"Write\",\"reason\":null,\"child_pid\":1,\"session_id\":\"\"}}",
    "{\"OpenUrl\":{\"request_id\":\"url-001\",\"url\":\"https://example.com/oauth?x=1&y=<2>\",\"child_pid\":12345,\"session_id\":\"sess-001\"}}",
    "{\"Decision\":{\"request_id\":\"req-001\",\"decision\":\"Granted\"}}",
    "{\"Decision\":{\"request_id\":\"req-002\",\"decision\":{\"Denied\":{\"reason\":\"not allowed\"}}}}",
    "{\"Decision\":{\"request_id\":\"req-003\",\"decision\":\"Timeout\"}}",
    "{\"UrlOpened\":{\"request_id\":\"url-001\",\"success\":true,\"error\":null}}",
    "{\"UrlOpened\":{\"request_id\":\"url-002\",\"success\":false,\"error\":\"origin not allowed\"}}",
};
const size_t hostile_reference_payload_count = sizeof(hostile_reference_payloads) / sizeof(hostile_reference_payloads[0]);

int hostile_run_cases(int argc, char** argv, const hostile_case* cases, size_t count)
{
    int ran = 0;
    for (size_t i = 0; i < count; i++)
    {
        if (argc > 1 && strcmp(argv[1], cases[i].name) != 0)
            continue;
        fprintf(stderr, "[ RUN  ] %s\n", cases[i].name);
        int64_t start = hostile_now_ms();
        cases[i].run();
        fprintf(stderr, "[  OK  ] %s (%lld ms)\n", cases[i].name, (long long)(hostile_now_ms() - start));
        ran++;
    }
    if (ran == 0)
    {
        fprintf(stderr, "no test case named '%s'\n", argc > 1 ? argv[1] : "");
        return 1;
    }
    return 0;
}

const char* hostile_status_name(svipc_status status)
{
    /* Through int, so that statuses added to the header later do not break -Wswitch. */
    switch ((int)status)
    {
        case SVIPC_OK: return "SVIPC_OK";
        case SVIPC_CLOSED: return "SVIPC_CLOSED";
        case SVIPC_TRUNCATED: return "SVIPC_TRUNCATED";
        case SVIPC_TOO_LARGE: return "SVIPC_TOO_LARGE";
        case SVIPC_TIMEOUT: return "SVIPC_TIMEOUT";
        case SVIPC_NO_DESCRIPTOR: return "SVIPC_NO_DESCRIPTOR";
        case SVIPC_PROTOCOL_VIOLATION: return "SVIPC_PROTOCOL_VIOLATION";
        case SVIPC_DESYNCHRONIZED: return "SVIPC_DESYNCHRONIZED";
        case SVIPC_PATH_TOO_LONG: return "SVIPC_PATH_TOO_LONG";
        case SVIPC_ADDRESS_IN_USE: return "SVIPC_ADDRESS_IN_USE";
        case SVIPC_INVALID_ARGUMENT: return "SVIPC_INVALID_ARGUMENT";
        case SVIPC_UNSUPPORTED: return "SVIPC_UNSUPPORTED";
        case SVIPC_SYSTEM_ERROR: return "SVIPC_SYSTEM_ERROR";
        case SVIPC_BUFFER_TOO_SMALL: return "SVIPC_BUFFER_TOO_SMALL";
        case SVIPC_SHUT_DOWN: return "SVIPC_SHUT_DOWN";
        case SVIPC_WOULD_BLOCK: return "SVIPC_WOULD_BLOCK";
        default: break;
    }
    return svipc_status_message(status);
}

int hostile_count_fds(void)
{
    DIR* dir = opendir(SVIPC_TEST_FD_DIRECTORY);
    if (dir == NULL)
        HOSTILE_FAIL("opendir(%s): %s", SVIPC_TEST_FD_DIRECTORY, strerror(errno));
    int count = 0;
    const struct dirent* entry;
    while ((entry = readdir(dir)) != NULL)
    {
        if (entry->d_name[0] != '.')
            count++;
    }
    closedir(dir);
    return count - 1; /* the directory stream's own descriptor */
}

int hostile_fd_is_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    return flags != -1 && (flags & FD_CLOEXEC) != 0;
}

void hostile_raw_pair(svipc_socket** library, int* raw_peer)
{
    int fds[2];
    if (svipc_test_socketpair(AF_UNIX, SOCK_STREAM, fds) != 0)
        HOSTILE_FAIL("socketpair: %s", strerror(errno));
    CHECK_STATUS(svipc_from_fd(fds[0], library), SVIPC_OK);
    *raw_peer = fds[1];
}

void hostile_write_all(int fd, const void* data, size_t length)
{
    const uint8_t* bytes = data;
    while (length > 0)
    {
        ssize_t written = send(fd, bytes, length, MSG_NOSIGNAL);
        if (written < 0)
        {
            if (errno == EINTR)
                continue;
            HOSTILE_FAIL("send: %s", strerror(errno));
        }
        bytes += written;
        length -= (size_t)written;
    }
}

long hostile_send_with_fds(int fd, const void* data, size_t length, const int* fds, int fd_count)
{
    struct iovec iov = {.iov_base = (void*)data, .iov_len = length};
    size_t control_size = CMSG_SPACE(sizeof(int) * (size_t)fd_count);
    void* control = calloc(1, control_size);
    CHECK(control != NULL);
    struct msghdr message = {0};
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control;
    message.msg_controllen = (socklen_t)control_size; /* socklen_t on musl, size_t on glibc */
    struct cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = (socklen_t)CMSG_LEN(sizeof(int) * (size_t)fd_count);
    memcpy(CMSG_DATA(header), fds, sizeof(int) * (size_t)fd_count);
    ssize_t sent;
    do
    {
#if defined(__linux__)
        /* The raw system call: musl's sendmsg wrapper refuses more than 1,024 bytes of control data (ENOMEM),
         * and the attacks need up to the kernel's own limit of 253 descriptors. */
        sent = (ssize_t)syscall(SYS_sendmsg, fd, &message, MSG_NOSIGNAL);
#else
        /* libSystem's sendmsg passes control data through as is (syscall() is deprecated on macOS). */
        sent = sendmsg(fd, &message, MSG_NOSIGNAL);
#endif
    } while (sent < 0 && errno == EINTR);
    int saved = errno;
    free(control);
    errno = saved;
    return (long)sent;
}

void hostile_open_null_fds(int* fds, int fd_count)
{
    for (int i = 0; i < fd_count; i++)
    {
        fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (fds[i] < 0)
            HOSTILE_FAIL("open /dev/null: %s", strerror(errno));
    }
}

void hostile_close_fds(const int* fds, int fd_count)
{
    for (int i = 0; i < fd_count; i++)
        close(fds[i]);
}

void hostile_encode_prefix(uint32_t length, uint8_t out[SVIPC_FRAME_HEADER_SIZE])
{
    out[0] = (uint8_t)(length >> 24);
    out[1] = (uint8_t)(length >> 16);
    out[2] = (uint8_t)(length >> 8);
    out[3] = (uint8_t)length;
}

uint8_t* hostile_build_frame(const void* payload, uint32_t length, size_t* frame_length)
{
    uint8_t* frame = malloc((size_t)length + SVIPC_FRAME_HEADER_SIZE);
    CHECK(frame != NULL);
    hostile_encode_prefix(length, frame);
    if (length > 0)
        memcpy(frame + SVIPC_FRAME_HEADER_SIZE, payload, length);
    *frame_length = (size_t)length + SVIPC_FRAME_HEADER_SIZE;
    return frame;
}

int hostile_unread_bytes(int fd)
{
    int unread = -1;
    if (ioctl(fd, FIONREAD, &unread) != 0)
        HOSTILE_FAIL("ioctl(FIONREAD): %s", strerror(errno));
    return unread;
}

int64_t hostile_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

long hostile_env_long(const char* name, long fallback)
{
    const char* text = getenv(name);
    if (text == NULL || *text == '\0')
        return fallback;
    char* end;
    long value = strtol(text, &end, 10);
    if (*end != '\0' || value <= 0)
        HOSTILE_FAIL("%s must be a positive integer, got '%s'", name, text);
    return value;
}

char* hostile_temp_socket_path(const char* tag)
{
    static unsigned sequence;
    const char* directory = getenv("TMPDIR");
    if (directory == NULL || *directory == '\0')
        directory = "/tmp";
    char* path = malloc(108);
    CHECK(path != NULL);
    int written = snprintf(path, 108, "%s/svh-%s-%d-%u.sock", directory, tag, (int)getpid(), sequence++);
    CHECK(written > 0 && written < 108);
    unlink(path);
    return path;
}
