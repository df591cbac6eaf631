/*
 * Demo child in C: started by a supervisor with its end of the socket inherited
 * (SUPERVISOR_IPC_FD), it asks for a file it should get, one it should not, and
 * for a URL to be opened, printing what happened. Exits 0 when every exchange
 * completed by the protocol (whatever the decisions), 1 otherwise.
 *
 *   c-child <allowed-file> <denied-file> <url>
 *
 * The session id comes from SUPERVISOR_IPC_SESSION when the supervisor sets it.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "supervisor_ipc.h"
#include "wire_json.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MESSAGE_CAPACITY 8192

typedef struct child_context
{
    svipc_socket* socket;
    uint32_t pid;
    const char* session_id;
    unsigned next_request;
} child_context;

static void report_status(const char* what, svipc_status status)
{
    printf("[c-child %d] %s failed: %s (errno %d: %s)\n", (int)getpid(), what, svipc_status_message(status), errno,
           strerror(errno));
}

static void print_open_descriptors(void)
{
    DIR* directory = opendir("/proc/self/fd");
    if (directory == NULL)
    {
        return; /* no /proc (macOS): nothing to show */
    }
    int own = dirfd(directory);
    printf("[c-child %d] open descriptors:", (int)getpid());
    struct dirent* item;
    while ((item = readdir(directory)) != NULL)
    {
        if (item->d_name[0] != '.' && atoi(item->d_name) != own)
        {
            printf(" %s", item->d_name);
        }
    }
    printf("\n");
    closedir(directory);
}

/* Sends payload and waits for the response to request_id; *fd gets a descriptor that came with a grant. */
static int exchange(child_context* child, const char* payload, size_t length, const char* request_id,
                    wire_response* response, int* fd)
{
    *fd = -1;
    svipc_status status = svipc_send_frame(child->socket, (const uint8_t*)payload, (uint32_t)length);
    if (status != SVIPC_OK)
    {
        report_status("send", status);
        return 0;
    }
    /* A descriptor sent before the response is kept by the frame receive, so either order works. */
    const uint8_t* reply = NULL;
    uint32_t reply_length = 0;
    status = svipc_recv_frame_borrowed(child->socket, &reply, &reply_length);
    if (status != SVIPC_OK)
    {
        report_status("receive", status);
        return 0;
    }
    if (!wire_read_response(reply, reply_length, response) || strcmp(response->request_id, request_id) != 0)
    {
        printf("[c-child %d] malformed or unexpected response\n", (int)getpid());
        return 0;
    }
    if (response->kind == WIRE_DECISION_GRANTED)
    {
        int32_t received = -1;
        status = svipc_recv_fd(child->socket, &received);
        if (status != SVIPC_OK)
        {
            report_status("receive descriptor", status);
            return 0;
        }
        *fd = received;
    }
    return 1;
}

static void print_first_line(const char* path, int fd)
{
    char line[512];
    ssize_t count = read(fd, line, sizeof(line) - 1);
    if (count < 0)
    {
        printf("[c-child %d] granted %s, but reading it failed: %s\n", (int)getpid(), path, strerror(errno));
        return;
    }
    line[count] = '\0';
    line[strcspn(line, "\n")] = '\0';
    printf("[c-child %d] granted %s, first line: %s\n", (int)getpid(), path, line);
}

static int request_file(child_context* child, const char* path, const char* reason)
{
    char request_id[64];
    char payload[MESSAGE_CAPACITY];
    snprintf(request_id, sizeof(request_id), "c-%u-%u", (unsigned)child->pid, ++child->next_request);
    size_t length = wire_write_request(payload, sizeof(payload), request_id, path, WIRE_ACCESS_READ, reason,
                                       child->pid, child->session_id);
    if (length == 0)
    {
        printf("[c-child %d] cannot encode a request for %s\n", (int)getpid(), path);
        return 0;
    }
    wire_response response;
    int fd = -1;
    if (!exchange(child, payload, length, request_id, &response, &fd))
    {
        return 0;
    }
    switch (response.kind)
    {
        case WIRE_DECISION_GRANTED:
            print_first_line(path, fd);
            close(fd);
            return 1;
        case WIRE_DECISION_DENIED:
            printf("[c-child %d] denied %s: %s\n", (int)getpid(), path, response.text);
            return 1;
        case WIRE_DECISION_TIMEOUT:
            printf("[c-child %d] no decision for %s (timeout)\n", (int)getpid(), path);
            return 1;
        case WIRE_URL_OPENED:
            break;
    }
    printf("[c-child %d] a UrlOpened answered a file request\n", (int)getpid());
    return 0;
}

static int request_url(child_context* child, const char* url)
{
    char request_id[64];
    char payload[MESSAGE_CAPACITY];
    snprintf(request_id, sizeof(request_id), "c-%u-%u", (unsigned)child->pid, ++child->next_request);
    size_t length = wire_write_open_url(payload, sizeof(payload), request_id, url, child->pid, child->session_id);
    if (length == 0)
    {
        printf("[c-child %d] cannot encode a URL request\n", (int)getpid());
        return 0;
    }
    wire_response response;
    int fd = -1;
    if (!exchange(child, payload, length, request_id, &response, &fd) || response.kind != WIRE_URL_OPENED)
    {
        if (fd >= 0)
        {
            close(fd);
        }
        return 0;
    }
    if (response.success)
    {
        printf("[c-child %d] URL opened: %s\n", (int)getpid(), url);
    }
    else
    {
        printf("[c-child %d] URL not opened: %s\n", (int)getpid(), response.text);
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
    child_context child = { NULL, (uint32_t)getpid(), getenv("SUPERVISOR_IPC_SESSION"), 0 };
    if (child.session_id == NULL)
    {
        child.session_id = "";
    }
    print_open_descriptors();
    svipc_status status = svipc_open_from_env(NULL, &child.socket);
    if (status != SVIPC_OK)
    {
        report_status("opening the inherited socket", status);
        return 1;
    }
    int ok = request_file(&child, argv[1], "show the demo file") &&
             request_file(&child, argv[2], "read a secret") &&
             request_url(&child, argv[3]);
    svipc_close(child.socket);
    return ok ? 0 : 1;
}
