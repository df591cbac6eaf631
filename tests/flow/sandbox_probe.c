/*
 * Child program of the sandbox flow tests, started with svipc_spawn_sandboxed.
 * It runs the steps named by its arguments, in order, and sends one frame
 * with their results ("step=result;" each, result "ok" or an errno name):
 *
 *   fds              the descriptors open at start (before anything else opens one)
 *   read PATH        open(PATH, O_RDONLY)
 *   write PATH       open(PATH, O_WRONLY)
 *   create PATH      open(PATH, O_WRONLY | O_CREAT | O_EXCL)
 *   granted          receive a descriptor from the supervisor and read it: "granted=<text>"
 *   abstract NAME    connect to the abstract Unix socket NAME
 *   unix PATH        connect to the Unix socket at PATH (a path name, not abstract)
 *   signal PID       kill(PID, SIGUSR1)
 *   tcp PORT         connect to 127.0.0.1:PORT
 *   signals          the signal state at start: "signals=sigpipe-default,mask-empty" when reset
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "supervisor_ipc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct report
{
    char text[4096];
    size_t used;
} report;

static void add(report* out, const char* step, const char* result)
{
    int written = snprintf(out->text + out->used, sizeof(out->text) - out->used, "%s=%s;", step, result);
    if (written > 0 && (size_t)written < sizeof(out->text) - out->used)
    {
        out->used += (size_t)written;
    }
}

static const char* outcome(int result)
{
    if (result >= 0)
    {
        return "ok";
    }
    switch (errno)
    {
    case EACCES:
        return "EACCES";
    case EPERM:
        return "EPERM";
    case ENOENT:
        return "ENOENT";
    case ECONNREFUSED:
        return "ECONNREFUSED";
    default:
        return strerror(errno);
    }
}

static void list_descriptors(report* out)
{
    char numbers[1024] = "";
    size_t used = 0;
    DIR* directory = opendir("/proc/self/fd");
    if (directory == NULL)
    {
        add(out, "fds", outcome(-1));
        return;
    }
    int own = dirfd(directory);
    struct dirent* item;
    while ((item = readdir(directory)) != NULL && used < sizeof(numbers) - 16)
    {
        if (item->d_name[0] != '.' && atoi(item->d_name) != own)
        {
            used += (size_t)snprintf(numbers + used, sizeof(numbers) - used, used == 0 ? "%s" : ",%s", item->d_name);
        }
    }
    closedir(directory);
    add(out, "fds", numbers);
}

static void open_step(report* out, const char* step, const char* path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC, 0600);
    add(out, step, outcome(fd));
    if (fd >= 0)
    {
        close(fd);
    }
}

static void granted_step(report* out, svipc_socket* socket)
{
    int32_t fd = -1;
    svipc_status status = svipc_recv_fd(socket, &fd);
    if (status != SVIPC_OK)
    {
        add(out, "granted", svipc_status_message(status));
        return;
    }
    char content[256];
    ssize_t got = read(fd, content, sizeof(content) - 1);
    content[got > 0 ? got : 0] = '\0';
    close(fd);
    add(out, "granted", content);
}

/* Connects a new Unix socket to name: abstract (a leading zero byte, no terminator) or a path; reports as step. */
static void unix_connect_step(report* out, const char* step, const char* name, int abstract)
{
    struct sockaddr_un address;
    memset(&address, 0, sizeof(address));
    address.sun_family = AF_UNIX;
    size_t length = strlen(name);
    if (length + (size_t)abstract >= sizeof(address.sun_path))
    {
        add(out, step, "setup-failed");
        return;
    }
    memcpy(address.sun_path + abstract, name, length);
    socklen_t size = abstract ? (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + length) : (socklen_t)sizeof(address);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    add(out, step, outcome(fd < 0 ? -1 : connect(fd, (struct sockaddr*)&address, size)));
    if (fd >= 0)
    {
        close(fd);
    }
}

static void tcp_step(report* out, const char* port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in address;
    memset(&address, 0, sizeof(address));
    address.sin_family = AF_INET;
    address.sin_port = htons((uint16_t)atoi(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    add(out, "tcp", outcome(fd < 0 ? -1 : connect(fd, (struct sockaddr*)&address, sizeof(address))));
    if (fd >= 0)
    {
        close(fd);
    }
}

static void signals_step(report* out)
{
    struct sigaction pipe_action;
    sigaction(SIGPIPE, NULL, &pipe_action);
    sigset_t mask;
    sigprocmask(SIG_BLOCK, NULL, &mask);
    int blocked = 0;
    for (int sig = 1; sig < 32; sig++)
    {
        blocked |= sigismember(&mask, sig) == 1;
    }
    char text[64];
    snprintf(text, sizeof(text), "sigpipe-%s,mask-%s", pipe_action.sa_handler == SIG_DFL ? "default" : "changed",
             blocked ? "blocked" : "empty");
    add(out, "signals", text);
}

int main(int argc, char** argv)
{
    report out = { .used = 0 };
    out.text[0] = '\0';
    /* The state the child started with, before this program opens anything: "fds" and "signals" lead. */
    int first_step = 1;
    for (; first_step < argc; first_step++)
    {
        if (strcmp(argv[first_step], "fds") == 0)
        {
            list_descriptors(&out);
        }
        else if (strcmp(argv[first_step], "signals") == 0)
        {
            signals_step(&out);
        }
        else
        {
            break;
        }
    }
    svipc_socket* socket = NULL;
    svipc_status status = svipc_open_from_env(NULL, &socket);
    if (status != SVIPC_OK)
    {
        fprintf(stderr, "sandbox_probe: svipc_open_from_env: %s\n", svipc_status_message(status));
        return 3;
    }
    for (int i = first_step; i < argc; i++)
    {
        const char* step = argv[i];
        const char* operand = i + 1 < argc ? argv[i + 1] : "";
        if (strcmp(step, "read") == 0)
        {
            open_step(&out, step, operand, O_RDONLY);
            i++;
        }
        else if (strcmp(step, "write") == 0)
        {
            open_step(&out, step, operand, O_WRONLY);
            i++;
        }
        else if (strcmp(step, "create") == 0)
        {
            open_step(&out, step, operand, O_WRONLY | O_CREAT | O_EXCL);
            i++;
        }
        else if (strcmp(step, "granted") == 0)
        {
            granted_step(&out, socket);
        }
        else if (strcmp(step, "abstract") == 0)
        {
            unix_connect_step(&out, step, operand, 1);
            i++;
        }
        else if (strcmp(step, "unix") == 0)
        {
            unix_connect_step(&out, step, operand, 0);
            i++;
        }
        else if (strcmp(step, "signal") == 0)
        {
            add(&out, step, outcome(kill((pid_t)atoi(operand), SIGUSR1)));
            i++;
        }
        else if (strcmp(step, "tcp") == 0)
        {
            tcp_step(&out, operand);
            i++;
        }
        else
        {
            add(&out, step, "unknown-step");
        }
    }
    status = svipc_send_frame(socket, (const uint8_t*)out.text, (uint32_t)out.used);
    svipc_close(socket);
    return status == SVIPC_OK ? 0 : 4;
}
