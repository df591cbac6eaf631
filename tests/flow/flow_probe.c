/*
 * Child program of the flow suite, started with svipc_spawn.
 *
 *   flow_probe report [VARIABLE]  opens the socket named by VARIABLE (default
 *                                 SUPERVISOR_IPC_FD) and sends one frame that
 *                                 describes what it inherited (see below)
 *   flow_probe exit CODE          exits with CODE at once
 *   flow_probe wait               blocks until a signal ends it
 *
 * The report: "fds=0,1,2,3;var=3;count=1;extra=<FLOW_EXTRA or ->;cloexec=1;
 * sigpipe=default;mask=empty" — every descriptor open at start, the variable's
 * value and how many environment entries carry that name, whether the opened
 * socket is close-on-exec, and the signal state the child started with.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "supervisor_ipc.h"
#include "../support/svipc_test_portable.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char** environ;

static void list_descriptors(char* out, size_t capacity)
{
    out[0] = '\0';
    DIR* directory = opendir(SVIPC_TEST_FD_DIRECTORY);
    if (directory == NULL)
    {
        snprintf(out, capacity, "unknown");
        return;
    }
    int own = dirfd(directory);
    int numbers[256];
    size_t count = 0;
    struct dirent* item;
    while ((item = readdir(directory)) != NULL && count < 256)
    {
        if (item->d_name[0] != '.' && atoi(item->d_name) != own)
        {
            numbers[count++] = atoi(item->d_name);
        }
    }
    closedir(directory);
    /* readdir order is not sorted; a simple insertion sort keeps the report stable. */
    for (size_t i = 1; i < count; i++)
    {
        for (size_t j = i; j > 0 && numbers[j - 1] > numbers[j]; j--)
        {
            int t = numbers[j];
            numbers[j] = numbers[j - 1];
            numbers[j - 1] = t;
        }
    }
    size_t used = 0;
    for (size_t i = 0; i < count && used < capacity; i++)
    {
        used += (size_t)snprintf(out + used, capacity - used, i == 0 ? "%d" : ",%d", numbers[i]);
    }
}

static int count_entries(const char* name)
{
    size_t length = strlen(name);
    int count = 0;
    for (char** entry = environ; *entry != NULL; entry++)
    {
        if (strncmp(*entry, name, length) == 0 && (*entry)[length] == '=')
        {
            count++;
        }
    }
    return count;
}

static int report(const char* variable)
{
    /* Descriptors first, before opening anything. */
    char fds[1024];
    list_descriptors(fds, sizeof(fds));

    struct sigaction pipe_action;
    sigaction(SIGPIPE, NULL, &pipe_action);
    sigset_t mask;
    sigprocmask(SIG_BLOCK, NULL, &mask);
    int mask_empty = 1;
    for (int sig = 1; sig < 32; sig++)
    {
        if (sigismember(&mask, sig) == 1)
        {
            mask_empty = 0;
        }
    }

    svipc_socket* socket = NULL;
    svipc_status status = svipc_open_from_env(variable, &socket);
    if (status != SVIPC_OK)
    {
        fprintf(stderr, "flow_probe: svipc_open_from_env: %s\n", svipc_status_message(status));
        return 3;
    }
    const char* value = getenv(variable != NULL ? variable : "SUPERVISOR_IPC_FD");
    const char* extra = getenv("FLOW_EXTRA");
    char text[2048];
    int length = snprintf(text, sizeof(text), "fds=%s;var=%s;count=%d;extra=%s;cloexec=%d;sigpipe=%s;mask=%s", fds,
                          value, count_entries(variable != NULL ? variable : "SUPERVISOR_IPC_FD"),
                          extra != NULL ? extra : "-", (fcntl(svipc_fd(socket), F_GETFD) & FD_CLOEXEC) != 0,
                          pipe_action.sa_handler == SIG_DFL ? "default" : "changed", mask_empty ? "empty" : "blocked");
    status = svipc_send_frame(socket, text, (uint32_t)length);
    svipc_close(socket);
    return status == SVIPC_OK ? 0 : 4;
}

int main(int argc, char** argv)
{
    if (argc >= 2 && strcmp(argv[1], "report") == 0)
    {
        return report(argc >= 3 ? argv[2] : NULL);
    }
    if (argc == 3 && strcmp(argv[1], "exit") == 0)
    {
        return atoi(argv[2]);
    }
    if (argc == 2 && strcmp(argv[1], "wait") == 0)
    {
        for (;;)
        {
            pause();
        }
    }
    fprintf(stderr, "usage: flow_probe report [VARIABLE] | exit CODE | wait\n");
    return 2;
}
