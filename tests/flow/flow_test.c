/* Helpers of the flow suite; see flow_test.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "flow_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int flow_run_cases(int argc, char** argv, const flow_case* cases, size_t count)
{
    /* The cases reason about descriptor numbers: make sure 0, 1 and 2 are taken, as a normal process has them. */
    for (int fd = 0; fd <= 2; fd++)
    {
        if (fcntl(fd, F_GETFD) < 0)
        {
            int opened = open("/dev/null", O_RDWR);
            CHECK(opened == fd);
        }
    }
    const char* only = argc > 1 ? argv[1] : NULL;
    int ran = 0;
    int not_run = 0;
    for (size_t i = 0; i < count; i++)
    {
        if (only != NULL && strcmp(only, cases[i].name) != 0)
        {
            continue;
        }
        fflush(NULL);
        /* Each case in its own process: a failing case cannot leave state (fds, children, signals) to the next. */
        pid_t pid = fork();
        if (pid < 0)
        {
            FLOW_FAIL("fork: %s", strerror(errno));
        }
        if (pid == 0)
        {
            int result = cases[i].run();
            fflush(NULL);
            _exit(result);
        }
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        {
        }
        if (WIFEXITED(status) && WEXITSTATUS(status) == FLOW_NOT_RUN)
        {
            printf("NOT RUN %s\n", cases[i].name);
            not_run++;
        }
        else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        {
            printf("ok %s\n", cases[i].name);
        }
        else
        {
            printf("FAILED %s (status 0x%x)\n", cases[i].name, (unsigned)status);
            return 1;
        }
        ran++;
    }
    if (ran == 0)
    {
        fprintf(stderr, "no case named %s\n", only != NULL ? only : "(any)");
        return 1;
    }
    return not_run == ran ? FLOW_NOT_RUN : 0;
}

int flow_count_fds(void)
{
    DIR* directory = opendir(SVIPC_TEST_FD_DIRECTORY);
    if (directory == NULL)
    {
        FLOW_FAIL("opendir %s: %s", SVIPC_TEST_FD_DIRECTORY, strerror(errno));
    }
    int count = 0;
    struct dirent* item;
    while ((item = readdir(directory)) != NULL)
    {
        if (item->d_name[0] != '.')
        {
            count++;
        }
    }
    closedir(directory);
    return count - 1; /* the directory's own descriptor */
}

int flow_fd_is_cloexec(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    return flags >= 0 && (flags & FD_CLOEXEC) != 0;
}

void flow_make_temp_dir(char* path, size_t capacity)
{
    const char* base = getenv("TMPDIR");
    int written = snprintf(path, capacity, "%s/svipc-flow-XXXXXX", base != NULL && base[0] != '\0' ? base : "/tmp");
    CHECK(written > 0 && (size_t)written < capacity);
    CHECK(mkdtemp(path) != NULL);
}

/* Removes the entries of the directory open as dir_fd, subdirectories (and theirs) included; never follows a
 * symbolic link (tests plant links that point out of the tree). */
static void flow_remove_entries(int dir_fd)
{
    DIR* directory = fdopendir(dir_fd);
    CHECK(directory != NULL);
    struct dirent* item;
    while ((item = readdir(directory)) != NULL)
    {
        if (strcmp(item->d_name, ".") == 0 || strcmp(item->d_name, "..") == 0)
        {
            continue;
        }
        struct stat info;
        CHECK(fstatat(dirfd(directory), item->d_name, &info, AT_SYMLINK_NOFOLLOW) == 0);
        if (S_ISDIR(info.st_mode))
        {
            int sub = openat(dirfd(directory), item->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            CHECK(sub >= 0);
            flow_remove_entries(sub);
            CHECK(unlinkat(dirfd(directory), item->d_name, AT_REMOVEDIR) == 0);
        }
        else
        {
            CHECK(unlinkat(dirfd(directory), item->d_name, 0) == 0);
        }
    }
    closedir(directory);
}

void flow_remove_temp_dir(const char* path)
{
    /* Every test removes what it made, subfolders too: ./build.sh test fails on anything left in its temp folder. */
    int dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dir_fd < 0 && errno == ENOENT)
    {
        return;
    }
    CHECK(dir_fd >= 0);
    flow_remove_entries(dir_fd);
    CHECK(rmdir(path) == 0);
}

void flow_write_file(const char* path, const char* text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CHECK(fd >= 0);
    size_t length = strlen(text);
    CHECK(write(fd, text, length) == (ssize_t)length);
    close(fd);
}

void flow_recv_text(svipc_socket* socket, char* text, size_t capacity)
{
    uint32_t length = 0;
    CHECK_STATUS(svipc_recv_frame(socket, text, (uint32_t)(capacity - 1), &length), SVIPC_OK);
    text[length] = '\0';
}

void flow_send_text(svipc_socket* socket, const char* text)
{
    CHECK_STATUS(svipc_send_frame(socket, text, (uint32_t)strlen(text)), SVIPC_OK);
}
