/*
 * Demo child in C: started by a supervisor with its end of the socket inherited
 * (SUPERVISOR_IPC_FD), it asks for a file it should get, one it should not, and
 * for a URL to be opened, printing what happened. Exits 0 when every exchange
 * completed by the protocol (whatever the decisions), 1 otherwise.
 *
 *   c-child <allowed-file> <denied-file> <url>
 *
 * The session id comes from SUPERVISOR_IPC_SESSION when the supervisor sets it.
 * When SVIPC_DEMO_EXPECT_REFUSAL is set (the demo starts it in a sandbox), it
 * first opens the allowed file itself: the kernel must refuse (exit 3 if not).
 * Each request is one call: svipc_request_access / svipc_open_url build the
 * message, send it and wait for the answer (and a granted descriptor).
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "supervisor_ipc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TIMEOUT_MS 30000

static int failed(const char* what, svipc_status status)
{
    printf("[c-child %d] %s failed: %s (errno %d: %s)\n", (int)getpid(), what, svipc_status_message(status), errno,
           strerror(errno));
    return 0;
}

static void print_open_descriptors(void)
{
    DIR* directory = opendir("/proc/self/fd");
    if (directory == NULL)
    {
        return; /* no /proc (macOS): nothing to show */
    }
    printf("[c-child %d] open descriptors:", (int)getpid());
    struct dirent* item;
    while ((item = readdir(directory)) != NULL)
    {
        if (item->d_name[0] != '.' && atoi(item->d_name) != dirfd(directory))
        {
            printf(" %s", item->d_name);
        }
    }
    printf("\n");
    closedir(directory);
}

/* In the sandbox the file is out of reach by path: only the supervisor's descriptor gets it here. */
static int direct_open_is_refused(const char* path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0)
    {
        close(fd);
        printf("[c-child %d] direct open of %s: succeeded, the sandbox does not hold\n", (int)getpid(), path);
        return 0;
    }
    printf("[c-child %d] direct open of %s: refused by the kernel (%s)\n", (int)getpid(), path, strerror(errno));
    return errno == EACCES;
}

static int request_file(svipc_socket* socket, const char* path, const char* reason, const char* session)
{
    int32_t fd = -1;
    svipc_decision decision;
    svipc_status status = svipc_request_access(socket, path, SVIPC_ACCESS_READ, reason, session, TIMEOUT_MS, &fd, &decision);
    if (status != SVIPC_OK)
    {
        return failed("request", status);
    }
    if (decision.kind == SVIPC_DECISION_GRANTED)
    {
        char line[512];
        ssize_t count = read(fd, line, sizeof(line) - 1);
        close(fd);
        line[count < 0 ? 0 : count] = '\0';
        line[strcspn(line, "\n")] = '\0';
        printf("[c-child %d] granted %s, first line: %s\n", (int)getpid(), path, line);
    }
    else if (decision.kind == SVIPC_DECISION_DENIED)
    {
        printf("[c-child %d] denied %s: %.*s\n", (int)getpid(), path, (int)decision.reason.length, decision.reason.data);
    }
    else
    {
        printf("[c-child %d] no decision for %s (timeout)\n", (int)getpid(), path);
    }
    return 1;
}

static int request_url(svipc_socket* socket, const char* url, const char* session)
{
    int32_t success = 0;
    svipc_string error;
    svipc_status status = svipc_open_url(socket, url, session, TIMEOUT_MS, &success, &error);
    if (status != SVIPC_OK)
    {
        return failed("URL request", status);
    }
    if (success)
    {
        printf("[c-child %d] URL opened: %s\n", (int)getpid(), url);
    }
    else
    {
        printf("[c-child %d] URL not opened: %.*s\n", (int)getpid(), (int)error.length, error.data ? error.data : "");
    }
    return 1;
}

int main(int argc, char** argv)
{
    if (argc != 4)
    {
        fprintf(stderr, "usage: %s <allowed-file> <denied-file> <url>\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char* session = getenv("SUPERVISOR_IPC_SESSION");
    print_open_descriptors();
    if (getenv("SVIPC_DEMO_EXPECT_REFUSAL") != NULL && !direct_open_is_refused(argv[1]))
    {
        return 3;
    }
    svipc_socket* socket = NULL;
    svipc_status status = svipc_open_from_env(NULL, &socket);
    if (status != SVIPC_OK)
    {
        failed("opening the inherited socket", status);
        return 1;
    }
    int ok = request_file(socket, argv[1], "show the demo file", session) &&
             request_file(socket, argv[2], "read a secret", session) && request_url(socket, argv[3], session);
    svipc_close(socket);
    return ok ? 0 : 1;
}
