#include "roundtrip_peers.h"

#include "bench_payloads.h"
#include "raw_frames.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const uint8_t request_payload[] = BENCH_REQUEST_JSON;
static const uint8_t decision_payload[] = BENCH_DECISION_JSON;
#define REQUEST_LENGTH ((uint32_t)(sizeof(request_payload) - 1))
#define DECISION_LENGTH ((uint32_t)(sizeof(decision_payload) - 1))

bool roundtrip_known_impl(const char* impl)
{
    return strcmp(impl, "c-lib") == 0 || strcmp(impl, "c-lib-poll") == 0 || strcmp(impl, "c-lib-typed") == 0 ||
           strcmp(impl, "floor") == 0 ||
           strcmp(impl, "floor-mmsg") == 0 || strcmp(impl, "floor-poll") == 0 || strcmp(impl, "floor-readahead") == 0 ||
           strcmp(impl, "floor-readahead-poll") == 0;
}

/*
 * floor-poll's wait. A reader blocked in recvmsg sleeps on the socket's one wait
 * queue, so it is also woken each time its peer frees one of the reader's earlier
 * sends (unix_write_space), only to find no data and sleep again; poll(POLLIN)
 * filters those wake-ups by event. One system call more per wait.
 */
static int wait_readable(int fd)
{
    struct pollfd entry = { .fd = fd, .events = POLLIN, .revents = 0 };
    while (poll(&entry, 1, -1) < 0)
    {
        if (errno != EINTR)
        {
            return -1;
        }
    }
    return 0;
}

int roundtrip_connect(roundtrip_endpoint* supervisor, roundtrip_endpoint* child, const char* impl, bool with_fd)
{
    if (!roundtrip_known_impl(impl))
    {
        return -1;
    }
    supervisor->use_library = child->use_library = strncmp(impl, "c-lib", 5) == 0;
    supervisor->typed = child->typed = strcmp(impl, "c-lib-typed") == 0;
    supervisor->one_send_call = child->one_send_call = strcmp(impl, "floor-mmsg") == 0;
    supervisor->wait_with_poll = child->wait_with_poll =
        strcmp(impl, "floor-poll") == 0 || strcmp(impl, "floor-readahead-poll") == 0;
    supervisor->read_ahead = child->read_ahead = strncmp(impl, "floor-readahead", 15) == 0;
    raw_reader_init(&supervisor->reader);
    raw_reader_init(&child->reader);
    supervisor->with_fd = child->with_fd = with_fd;
    supervisor->fd = child->fd = -1;
    supervisor->socket = child->socket = NULL;
    if (supervisor->use_library)
    {
        if (svipc_pair(&supervisor->socket, &child->socket) != SVIPC_OK)
        {
            return -1;
        }
        /* c-lib-poll: the library's own wait in poll (svipc_set_wait_in_poll). */
        int32_t wait_in_poll = strcmp(impl, "c-lib-poll") == 0 ? 1 : 0;
        if (svipc_set_wait_in_poll(supervisor->socket, wait_in_poll) != SVIPC_OK ||
            svipc_set_wait_in_poll(child->socket, wait_in_poll) != SVIPC_OK)
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

/* c-lib-typed, child: the Request of BENCH_REQUEST_JSON as a typed message out, a typed Decision back. */
static const char* typed_child_step(roundtrip_endpoint* self)
{
    static const svipc_message request = {
        .kind = SVIPC_MESSAGE_REQUEST,
        .as.request = { .request_id = { "req-001", 7 }, .path = { "/tmp/test", 9 }, .access = SVIPC_ACCESS_READ,
                        .child_pid = 12345, .reason = { "test access", 11 }, .session_id = { "sess-001", 8 } },
    };
    if (svipc_send_message(self->socket, &request) != SVIPC_OK)
    {
        return "child: svipc_send_message";
    }
    int32_t received_fd = -1;
    if (self->with_fd && svipc_recv_fd(self->socket, &received_fd) != SVIPC_OK)
    {
        return "child: svipc_recv_fd";
    }
    if (received_fd >= 0)
    {
        close(received_fd);
    }
    svipc_response response;
    if (svipc_recv_response(self->socket, &response, NULL) != SVIPC_OK)
    {
        return "child: svipc_recv_response";
    }
    return response.kind == SVIPC_RESPONSE_DECISION && response.as.decision.decision.kind == SVIPC_DECISION_GRANTED
               ? NULL
               : "child: not a grant";
}

/* c-lib-typed, supervisor: a typed Request in, the descriptor and a typed Decision(Granted) for its id out. */
static const char* typed_supervisor_step(roundtrip_endpoint* self)
{
    svipc_message message;
    if (svipc_recv_message(self->socket, &message, NULL) != SVIPC_OK || message.kind != SVIPC_MESSAGE_REQUEST)
    {
        return "supervisor: svipc_recv_message";
    }
    if (self->with_fd && svipc_send_fd(self->socket, self->granted_file) != SVIPC_OK)
    {
        return "supervisor: svipc_send_fd";
    }
    svipc_response granted;
    memset(&granted, 0, sizeof(granted));
    granted.kind = SVIPC_RESPONSE_DECISION;
    granted.as.decision.request_id = message.as.request.request_id;
    granted.as.decision.decision.kind = SVIPC_DECISION_GRANTED;
    return svipc_send_response(self->socket, &granted) == SVIPC_OK ? NULL : "supervisor: svipc_send_response";
}

const char* roundtrip_child_step(roundtrip_endpoint* self)
{
    if (self->typed)
    {
        return typed_child_step(self);
    }
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
        if (self->wait_with_poll && wait_readable(self->fd) != 0)
        {
            return "child: poll";
        }
        if (self->read_ahead)
        {
            const uint8_t* payload = NULL;
            if (self->with_fd && raw_reader_recv_fd(&self->reader, self->fd, &received_fd) != 0)
            {
                return "child: raw_reader_recv_fd";
            }
            if (raw_reader_recv_frame(&self->reader, self->fd, &payload, &length) != 0)
            {
                failure = "child: raw_reader_recv_frame";
            }
        }
        else
        {
            if (self->with_fd && raw_recv_fd(self->fd, &received_fd) != 0)
            {
                return "child: raw_recv_fd";
            }
            if (raw_recv_frame(self->fd, self->buffer, sizeof(self->buffer), &length) != 0)
            {
                failure = "child: raw_recv_frame";
            }
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
    if (self->typed)
    {
        return typed_supervisor_step(self);
    }
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
        if (self->wait_with_poll && wait_readable(self->fd) != 0)
        {
            return "supervisor: poll";
        }
        if (self->read_ahead)
        {
            const uint8_t* payload = NULL;
            if (raw_reader_recv_frame(&self->reader, self->fd, &payload, &length) != 0)
            {
                return "supervisor: raw_reader_recv_frame";
            }
        }
        else if (raw_recv_frame(self->fd, self->buffer, sizeof(self->buffer), &length) != 0)
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
