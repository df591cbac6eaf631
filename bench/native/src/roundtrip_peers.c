#include "roundtrip_peers.h"

#include "bench_payloads.h"
#include "raw_frames.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const uint8_t request_payload[] = BENCH_REQUEST_JSON;
static const uint8_t decision_payload[] = BENCH_DECISION_JSON;
#define REQUEST_LENGTH ((uint32_t)(sizeof(request_payload) - 1))
#define DECISION_LENGTH ((uint32_t)(sizeof(decision_payload) - 1))

bool roundtrip_parse_impl(const char* impl, bool* use_library, bool* one_send_call)
{
    *use_library = strcmp(impl, "c-lib") == 0;
    *one_send_call = strcmp(impl, "floor-mmsg") == 0;
    return *use_library || *one_send_call || strcmp(impl, "floor") == 0;
}

int roundtrip_connect(roundtrip_endpoint* supervisor, roundtrip_endpoint* child, const char* impl, bool with_fd)
{
    bool use_library, one_send_call;
    if (!roundtrip_parse_impl(impl, &use_library, &one_send_call))
    {
        return -1;
    }
    supervisor->use_library = child->use_library = use_library;
    supervisor->one_send_call = child->one_send_call = one_send_call;
    supervisor->with_fd = child->with_fd = with_fd;
    supervisor->fd = child->fd = -1;
    supervisor->socket = child->socket = NULL;
    if (use_library)
    {
        if (svipc_pair(&supervisor->socket, &child->socket) != SVIPC_OK)
        {
            return -1;
        }
    }
    else
    {
        int fds[2];
        if (raw_socketpair(fds) != 0)
        {
            return -1;
        }
        supervisor->fd = fds[0];
        child->fd = fds[1];
    }
    child->granted_file = -1;
    supervisor->granted_file = open(BENCH_GRANTED_FILE, O_RDONLY | O_CLOEXEC);
    return supervisor->granted_file < 0 ? -1 : 0;
}

void roundtrip_shutdown(roundtrip_endpoint* end)
{
    if (end->use_library)
    {
        (void)svipc_shutdown(end->socket);
    }
    else
    {
        (void)shutdown(end->fd, SHUT_RDWR);
    }
}

void roundtrip_close(roundtrip_endpoint* supervisor, roundtrip_endpoint* child)
{
    if (supervisor->granted_file >= 0)
    {
        close(supervisor->granted_file);
    }
    if (supervisor->use_library)
    {
        svipc_close(supervisor->socket);
        svipc_close(child->socket);
    }
    else
    {
        close(supervisor->fd);
        close(child->fd);
    }
}

const char* roundtrip_child_step(roundtrip_endpoint* self)
{
    uint32_t length = 0;
    int received_fd = -1;
    const char* failure = NULL;
    if (self->use_library)
    {
        const uint8_t* payload = NULL;
        if (svipc_send_frame(self->socket, request_payload, REQUEST_LENGTH) != SVIPC_OK)
        {
            return "child: svipc_send_frame";
        }
        if (self->with_fd && svipc_recv_fd(self->socket, &received_fd) != SVIPC_OK)
        {
            return "child: svipc_recv_fd";
        }
        if (svipc_recv_frame_borrowed(self->socket, &payload, &length) != SVIPC_OK)
        {
            failure = "child: svipc_recv_frame_borrowed";
        }
    }
    else
    {
        if (raw_send_frame(self->fd, request_payload, REQUEST_LENGTH) != 0)
        {
            return "child: raw_send_frame";
        }
        if (self->with_fd && raw_recv_fd(self->fd, &received_fd) != 0)
        {
            return "child: raw_recv_fd";
        }
        if (raw_recv_frame(self->fd, self->buffer, sizeof(self->buffer), &length) != 0)
        {
            failure = "child: raw_recv_frame";
        }
    }
    if (received_fd >= 0)
    {
        close(received_fd);
    }
    if (failure == NULL && length != DECISION_LENGTH)
    {
        failure = "child: unexpected decision length";
    }
    return failure;
}

const char* roundtrip_supervisor_step(roundtrip_endpoint* self)
{
    uint32_t length = 0;
    if (self->use_library)
    {
        const uint8_t* payload = NULL;
        if (svipc_recv_frame_borrowed(self->socket, &payload, &length) != SVIPC_OK)
        {
            return "supervisor: svipc_recv_frame_borrowed";
        }
        if (self->with_fd && svipc_send_fd(self->socket, self->granted_file) != SVIPC_OK)
        {
            return "supervisor: svipc_send_fd";
        }
        if (svipc_send_frame(self->socket, decision_payload, DECISION_LENGTH) != SVIPC_OK)
        {
            return "supervisor: svipc_send_frame";
        }
    }
    else
    {
        if (raw_recv_frame(self->fd, self->buffer, sizeof(self->buffer), &length) != 0)
        {
            return "supervisor: raw_recv_frame";
        }
        if (self->with_fd && self->one_send_call)
        {
            if (raw_send_fd_and_frame(self->fd, self->granted_file, decision_payload, DECISION_LENGTH) != 0)
            {
                return "supervisor: raw_send_fd_and_frame";
            }
        }
        else
        {
            if (self->with_fd && raw_send_fd(self->fd, self->granted_file) != 0)
            {
                return "supervisor: raw_send_fd";
            }
            if (raw_send_frame(self->fd, decision_payload, DECISION_LENGTH) != 0)
            {
                return "supervisor: raw_send_frame";
            }
        }
    }
    return length == REQUEST_LENGTH ? NULL : "supervisor: unexpected request length";
}
