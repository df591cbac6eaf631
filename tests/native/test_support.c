#include "test_support.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int tests_run;

void test_fail(const char* file, int line, const char* text)
{
    fprintf(stderr, "%s:%d: check failed: %s (errno %d: %s)\n", file, line, text, errno, strerror(errno));
    fflush(stderr);
    abort();
}

void test_fail_status(const char* file, int line, const char* text, svipc_status expected, svipc_status actual)
{
    fprintf(stderr, "%s:%d: %s returned %d (%s), expected %d (%s) (errno %d: %s)\n", file, line, text, (int)actual,
            svipc_status_message(actual), (int)expected, svipc_status_message(expected), errno, strerror(errno));
    fflush(stderr);
    abort();
}

void test_run(const char* name, void (*test)(void))
{
    printf("-- %s\n", name);
    fflush(stdout);
    test();
    tests_run++;
}

int test_finish(void)
{
    printf("%d tests passed\n", tests_run);
    return tests_run > 0 ? 0 : 1;
}

pid_t test_fork(void)
{
    fflush(stdout);
    fflush(stderr);
    pid_t child = fork();
    CHECK(child >= 0);
    return child;
}

void test_wait_success(pid_t child)
{
    int status = 0;
    pid_t waited;
    do
    {
        waited = waitpid(child, &status, 0);
    } while (waited < 0 && errno == EINTR);
    CHECK(waited == child);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    {
        fprintf(stderr, "child %d failed: status 0x%x\n", (int)child, (unsigned)status);
    }
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

void test_make_temp_dir(char* path, size_t capacity)
{
    const char* base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
    {
        base = "/tmp";
    }
    int written = snprintf(path, capacity, "%s/svipc-test-XXXXXX", base);
    CHECK(written > 0 && (size_t)written < capacity);
    CHECK(mkdtemp(path) != NULL);
}

void test_remove_dir(const char* path)
{
    DIR* directory = opendir(path);
    CHECK(directory != NULL);
    struct dirent* entry;
    char child[4096];
    while ((entry = readdir(directory)) != NULL)
    {
        if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
        {
            continue;
        }
        snprintf(child, sizeof(child), "%s/%s", path, entry->d_name);
        CHECK(unlink(child) == 0);
    }
    closedir(directory);
    CHECK(rmdir(path) == 0);
}

int test_open_file_with(const char* directory, const char* name, const char* content)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", directory, name);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    test_write_all(fd, content, strlen(content));
    return fd;
}

void test_check_file_content(int fd, const char* expected)
{
    char buffer[4096];
    size_t length = strlen(expected);
    CHECK(length < sizeof(buffer));
    ssize_t got = pread(fd, buffer, sizeof(buffer), 0);
    CHECK(got == (ssize_t)length);
    CHECK(memcmp(buffer, expected, length) == 0);
}

bool test_is_close_on_exec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    CHECK(flags >= 0);
    return (flags & FD_CLOEXEC) != 0;
}

int test_count_open_fds(void)
{
#if defined(__linux__)
    DIR* directory = opendir("/proc/self/fd");
#else
    DIR* directory = opendir("/dev/fd");
#endif
    CHECK(directory != NULL);
    int count = 0;
    struct dirent* entry;
    while ((entry = readdir(directory)) != NULL)
    {
        if (entry->d_name[0] != '.')
        {
            count++;
        }
    }
    closedir(directory);
    return count - 1; /* the directory's own descriptor */
}

void test_write_all(int fd, const void* data, size_t length)
{
    const uint8_t* bytes = data;
    while (length > 0)
    {
        ssize_t written = write(fd, bytes, length);
        if (written < 0 && errno == EINTR)
        {
            continue;
        }
        CHECK(written > 0);
        bytes += written;
        length -= (size_t)written;
    }
}

void test_send_with_fds(int fd, const void* data, size_t length, const int* fds, size_t fd_count)
{
    union
    {
        struct cmsghdr align;
        uint8_t bytes[CMSG_SPACE(sizeof(int) * 16)];
    } control;
    CHECK(fd_count > 0 && fd_count <= 16);
    memset(&control, 0, sizeof(control));
    struct iovec vector = { .iov_base = (void*)(uintptr_t)data, .iov_len = length };
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    message.msg_iov = &vector;
    message.msg_iovlen = 1;
    message.msg_control = control.bytes;
    message.msg_controllen = (socklen_t)CMSG_SPACE(sizeof(int) * fd_count); /* socklen_t on musl, size_t on glibc */
    struct cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = (socklen_t)CMSG_LEN(sizeof(int) * fd_count);
    memcpy(CMSG_DATA(header), fds, sizeof(int) * fd_count);
    CHECK(sendmsg(fd, &message, 0) == (ssize_t)length);
}

size_t test_pending_bytes(int fd)
{
    int pending = 0;
    CHECK(ioctl(fd, FIONREAD, &pending) == 0);
    CHECK(pending >= 0);
    return (size_t)pending;
}

void test_sleep_ms(int milliseconds)
{
    struct timespec duration = { milliseconds / 1000, (long)(milliseconds % 1000) * 1000000L };
    while (nanosleep(&duration, &duration) != 0 && errno == EINTR)
    {
    }
}
