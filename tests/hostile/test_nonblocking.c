/*
 * Non-blocking mode against a raw peer: frames and carriers that arrive one
 * byte at a time, descriptors before, after and inside frames, a peer that
 * hangs up in the middle of a frame or while output is pending, a peer that
 * reads a few bytes at a time while the library's sends pile up, and accepts
 * with nothing queued. Nothing may be misparsed, lost, leaked or waited for.
 */
#include "hostile.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "supervisor_ipc_messages.h"

static uint8_t received[SVIPC_MAX_PAYLOAD];

static int same_file(int a, int b)
{
    struct stat first;
    struct stat second;
    return fstat(a, &first) == 0 && fstat(b, &second) == 0 && first.st_dev == second.st_dev &&
           first.st_ino == second.st_ino;
}

static void nonblocking_raw_pair(svipc_socket** library, int* raw_peer)
{
    hostile_raw_pair(library, raw_peer);
    CHECK_STATUS(svipc_set_nonblocking(*library, 1), SVIPC_OK);
    CHECK(svipc_is_nonblocking(*library) == 1);
}

static void send_carrier(int peer, int fd)
{
    uint8_t zero = 0;
    CHECK(hostile_send_with_fds(peer, &zero, 1, &fd, 1) == 1);
}

/* Writes the frame one byte at a time; after every byte but the last the receive would block. */
static void dribble_frame(svipc_socket* library, int peer, const uint8_t* payload, uint32_t length)
{
    size_t frame_length;
    uint8_t* frame = hostile_build_frame(payload, length, &frame_length);
    uint32_t got = 0;
    for (size_t i = 0; i < frame_length; i++)
    {
        CHECK_STATUS(svipc_recv_frame(library, received, sizeof(received), &got), SVIPC_WOULD_BLOCK);
        hostile_write_all(peer, frame + i, 1);
    }
    CHECK_STATUS(svipc_recv_frame(library, received, sizeof(received), &got), SVIPC_OK);
    CHECK(got == length && memcmp(received, payload, length) == 0);
    CHECK_STATUS(svipc_recv_frame(library, received, sizeof(received), &got), SVIPC_WOULD_BLOCK);
    free(frame);
}

static void frames_one_byte_at_a_time(void)
{
    int baseline = hostile_count_fds();
    svipc_socket* library;
    int peer;
    nonblocking_raw_pair(&library, &peer);
    for (size_t v = 0; v < hostile_reference_payload_count; v++)
    {
        const char* payload = hostile_reference_payloads[v];
        dribble_frame(library, peer, (const uint8_t*)payload, (uint32_t)strlen(payload));
    }
    static uint8_t large[SVIPC_MAX_PAYLOAD];
    for (size_t i = 0; i < sizeof(large); i++)
        large[i] = (uint8_t)(i * 7u + 1u);
    dribble_frame(library, peer, large, sizeof(large));
    dribble_frame(library, peer, large, 0);
    close(peer);
    uint32_t got = 0;
    CHECK_STATUS(svipc_recv_frame(library, received, sizeof(received), &got), SVIPC_CLOSED);
    svipc_close(library);
    CHECK(hostile_count_fds() == baseline);
}

/* Descriptors before and after their frames, each carrier alone; a carrier met by a frame receive is kept. */
static void descriptors_before_and_after_frames(void)
{
    int baseline = hostile_count_fds();
    svipc_socket* library;
    int peer;
    nonblocking_raw_pair(&library, &peer);
    int files[2];
    hostile_open_null_fds(files, 2);
    int32_t fd = -1;
    const char* payload = hostile_reference_payloads[0];
    uint32_t length = (uint32_t)strlen(payload);
    for (int round = 0; round < 3; round++)
    {
        /* Before: as svipc_grant sends it. The receive that meets it first keeps it and would block on the frame. */
        CHECK_STATUS(svipc_recv_fd(library, &fd), SVIPC_WOULD_BLOCK);
        send_carrier(peer, files[0]);
        uint32_t got = 0;
        CHECK_STATUS(svipc_recv_frame(library, received, sizeof(received), &got), SVIPC_WOULD_BLOCK);
        CHECK(svipc_has_buffered_input(library) == 1);
        dribble_frame(library, peer, (const uint8_t*)payload, length);
        CHECK_STATUS(svipc_recv_fd(library, &fd), SVIPC_OK);
        CHECK(same_file(fd, files[0]) && hostile_fd_is_cloexec(fd));
        close(fd);
        /* After: the frame first, then the descriptor a moment later. */
        dribble_frame(library, peer, (const uint8_t*)payload, length);
        CHECK_STATUS(svipc_recv_fd(library, &fd), SVIPC_WOULD_BLOCK);
        send_carrier(peer, files[1]);
        CHECK_STATUS(svipc_recv_fd(library, &fd), SVIPC_OK);
        CHECK(same_file(fd, files[1]) && hostile_fd_is_cloexec(fd));
        close(fd);
        /* Frame data queued where a descriptor is asked for: said so, and the frame stays whole. */
        hostile_write_all(peer, "\0\0", 2);
        CHECK_STATUS(svipc_recv_fd(library, &fd), SVIPC_NO_DESCRIPTOR);
        hostile_write_all(peer, "\0\0", 2);
        CHECK_STATUS(svipc_recv_frame(library, received, sizeof(received), &got), SVIPC_OK);
        CHECK(got == 0);
    }
    hostile_close_fds(files, 2);
    close(peer);
    svipc_close(library);
    CHECK(hostile_count_fds() == baseline);
}

/* A carrier inside a frame (after part of its prefix or payload) is a violation, never a misparsed frame. */
static void carrier_inside_a_frame(void)
{
    static const size_t cut_at[] = { 1, 3, 4, 6 };
    for (size_t c = 0; c < sizeof(cut_at) / sizeof(cut_at[0]); c++)
    {
        int baseline = hostile_count_fds();
        svipc_socket* library;
        int peer;
        nonblocking_raw_pair(&library, &peer);
        size_t frame_length;
        uint8_t* frame = hostile_build_frame("abcdef", 6, &frame_length);
        hostile_write_all(peer, frame, cut_at[c]);
        uint32_t got = 0;
        CHECK_STATUS(svipc_recv_frame(library, received, sizeof(received), &got), SVIPC_WOULD_BLOCK);
        int file;
        hostile_open_null_fds(&file, 1);
        send_carrier(peer, file);
        close(file);
        hostile_write_all(peer, frame + cut_at[c], frame_length - cut_at[c]);
        CHECK_STATUS(svipc_recv_frame(library, received, sizeof(received), &got), SVIPC_PROTOCOL_VIOLATION);
        CHECK_STATUS(svipc_recv_frame(library, received, sizeof(received), &got), SVIPC_DESYNCHRONIZED);
        free(frame);
        close(peer);
        svipc_close(library);
        CHECK(hostile_count_fds() == baseline);
    }
}

/* The peer hangs up in the middle of a frame (prefix or payload) or after a carrier: a typed end, no wait. */
static void peer_hangs_up_mid_frame(void)
{
    static const size_t cut_at[] = { 1, 2, 4, 5, 9 };
    for (size_t c = 0; c < sizeof(cut_at) / sizeof(cut_at[0]); c++)
    {
        svipc_socket* library;
        int peer;
        nonblocking_raw_pair(&library, &peer);
        size_t frame_length;
        uint8_t* frame = hostile_build_frame("0123456789", 10, &frame_length);
        hostile_write_all(peer, frame, cut_at[c]);
        uint32_t got = 0;
        CHECK_STATUS(svipc_recv_frame(library, received, sizeof(received), &got), SVIPC_WOULD_BLOCK);
        close(peer);
        CHECK_STATUS(svipc_recv_frame(library, received, sizeof(received), &got), SVIPC_TRUNCATED);
        free(frame);
        svipc_close(library);
    }
    int baseline = hostile_count_fds();
    svipc_socket* library;
    int peer;
    nonblocking_raw_pair(&library, &peer);
    int file;
    hostile_open_null_fds(&file, 1);
    send_carrier(peer, file);
    close(file);
    close(peer);
    uint32_t got = 0;
    CHECK_STATUS(svipc_recv_frame(library, received, sizeof(received), &got), SVIPC_CLOSED);
    /* The descriptor that came before the end is still the caller's to take (or svipc_close's to close). */
    CHECK(svipc_has_buffered_input(library) == 1);
    svipc_close(library);
    CHECK(hostile_count_fds() == baseline);
}

/*
 * The library sends frames of many sizes while the peer reads a few bytes at a time, in one loop: every send
 * is accepted or refused whole, pending output is finished by svipc_flush, and the peer's stream is exactly the
 * accepted frames in order.
 */
static void slow_reader_gets_every_accepted_frame(void)
{
    enum { FRAMES = 400 };
    svipc_socket* library;
    int peer;
    nonblocking_raw_pair(&library, &peer);
    static uint8_t expected[16u * 1024u * 1024u];
    static uint8_t payload[SVIPC_MAX_PAYLOAD];
    size_t expected_length = 0;
    size_t checked = 0;
    unsigned seed = 12345;
    int accepted = 0;
    int refused = 0;
    int pending_seen = 0;
    while (accepted < FRAMES || svipc_has_pending_output(library) || checked < expected_length)
    {
        if (accepted < FRAMES)
        {
            seed = seed * 1103515245u + 12345u;
            uint32_t length = (seed >> 8) % 3 == 0 ? (seed >> 4) % SVIPC_MAX_PAYLOAD : (seed >> 4) % 64;
            for (uint32_t i = 0; i < length; i++)
                payload[i] = (uint8_t)(i + (uint32_t)accepted);
            svipc_status status = svipc_send_frame(library, payload, length);
            if (status == SVIPC_OK)
            {
                uint8_t prefix[SVIPC_FRAME_HEADER_SIZE];
                hostile_encode_prefix(length, prefix);
                CHECK(expected_length + sizeof(prefix) + length <= sizeof(expected));
                memcpy(expected + expected_length, prefix, sizeof(prefix));
                memcpy(expected + expected_length + sizeof(prefix), payload, length);
                expected_length += sizeof(prefix) + length;
                accepted++;
                pending_seen += svipc_has_pending_output(library);
            }
            else
            {
                CHECK_STATUS(status, SVIPC_WOULD_BLOCK);
                refused++;
            }
        }
        else
        {
            svipc_status status = svipc_flush(library);
            CHECK(status == SVIPC_OK || status == SVIPC_WOULD_BLOCK);
        }
        /* The peer reads 1 to 4096 bytes when it gets to run. */
        seed = seed * 1103515245u + 12345u;
        uint8_t chunk[4096];
        size_t want = 1 + (seed >> 8) % sizeof(chunk);
        ssize_t got = recv(peer, chunk, want, MSG_DONTWAIT);
        if (got > 0)
        {
            CHECK(checked + (size_t)got <= expected_length);
            CHECK(memcmp(chunk, expected + checked, (size_t)got) == 0);
            checked += (size_t)got;
        }
        else
        {
            CHECK(got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
        }
    }
    CHECK(checked == expected_length);
    /* The loop must have gone through both cases it is about. */
    CHECK(refused > 0 && pending_seen > 0);
    printf("   %d frames, %zu bytes, %d refused, %d left partly unsent\n", accepted, expected_length, refused,
           pending_seen);
    close(peer);
    svipc_close(library);
}

/* Output is pending when the peer goes away: the flush says so, the rest is dropped, the direction is done. */
static void peer_hangs_up_with_output_pending(void)
{
    int baseline = hostile_count_fds();
    svipc_socket* library;
    int peer;
    nonblocking_raw_pair(&library, &peer);
    static uint8_t payload[SVIPC_MAX_PAYLOAD];
    int sends = 0;
    while (!svipc_has_pending_output(library))
    {
        svipc_status status = svipc_send_frame(library, payload, sizeof(payload));
        CHECK(status == SVIPC_OK || status == SVIPC_WOULD_BLOCK);
        if (status == SVIPC_WOULD_BLOCK)
        {
            /* The kernel took no byte of it: a smaller frame fits where the big one did not. */
            CHECK_STATUS(svipc_send_frame(library, payload, 1 + (uint32_t)sends % 4000), SVIPC_OK);
        }
        CHECK(++sends < 100000);
    }
    CHECK_STATUS(svipc_send_frame(library, payload, 1), SVIPC_WOULD_BLOCK);
    CHECK_STATUS(svipc_flush(library), SVIPC_WOULD_BLOCK);
    close(peer);
    CHECK_STATUS(svipc_flush(library), SVIPC_CLOSED);
    CHECK(svipc_has_pending_output(library) == 0);
    CHECK_STATUS(svipc_send_frame(library, payload, 1), SVIPC_DESYNCHRONIZED);
    CHECK_STATUS(svipc_send_fd(library, 0), SVIPC_DESYNCHRONIZED);
    svipc_close(library);
    CHECK(hostile_count_fds() == baseline);
}

/* The caller's loop owns time: a read timeout does not turn into SVIPC_TIMEOUT or a wait. */
static void timeouts_do_not_apply(void)
{
    svipc_socket* library;
    int peer;
    nonblocking_raw_pair(&library, &peer);
    CHECK_STATUS(svipc_set_read_timeout(library, 1), SVIPC_OK);
    CHECK_STATUS(svipc_set_send_timeout(library, 1), SVIPC_OK);
    hostile_write_all(peer, "\0\0\0\5ab", 6);
    uint32_t got = 0;
    for (int i = 0; i < 20; i++)
    {
        CHECK_STATUS(svipc_recv_frame(library, received, sizeof(received), &got), SVIPC_WOULD_BLOCK);
    }
    hostile_write_all(peer, "cde", 3);
    CHECK_STATUS(svipc_recv_frame(library, received, sizeof(received), &got), SVIPC_OK);
    CHECK(got == 5 && memcmp(received, "abcde", 5) == 0);
    CHECK_STATUS(svipc_shutdown(library), SVIPC_OK);
    CHECK_STATUS(svipc_recv_frame(library, received, sizeof(received), &got), SVIPC_SHUT_DOWN);
    close(peer);
    svipc_close(library);
}

/* The one-call child helpers wait for their answer, so they refuse a non-blocking socket and send nothing. */
static void waiting_helpers_refuse_nonblocking_sockets(void)
{
    svipc_socket* library;
    int peer;
    nonblocking_raw_pair(&library, &peer);
    int32_t fd = -1;
    svipc_decision decision;
    CHECK_STATUS(svipc_request_access(library, "/etc/hostname", SVIPC_ACCESS_READ, NULL, NULL, 1000, &fd, &decision),
                 SVIPC_INVALID_ARGUMENT);
    int32_t success = 0;
    CHECK_STATUS(svipc_open_url(library, "https://example.org", NULL, 1000, &success, NULL), SVIPC_INVALID_ARGUMENT);
    CHECK(hostile_unread_bytes(peer) == 0);
    close(peer);
    svipc_close(library);
}

static void wait_readable(int fd)
{
    struct pollfd entry = { .fd = fd, .events = POLLIN, .revents = 0 };
    CHECK(poll(&entry, 1, 10000) == 1);
}

static void accept_with_nothing_queued(void)
{
    int baseline = hostile_count_fds();
    char* path = hostile_temp_socket_path("nb-accept");
    svipc_socket* listener = NULL;
    CHECK_STATUS(svipc_bind(path, &listener), SVIPC_OK);
    svipc_socket* accepted = NULL;
    /* Blocking mode, timeout 0: one look, SVIPC_TIMEOUT when nothing is queued (unchanged). */
    CHECK_STATUS(svipc_accept(listener, 0, &accepted), SVIPC_TIMEOUT);
    CHECK_STATUS(svipc_set_nonblocking(listener, 1), SVIPC_OK);
    CHECK_STATUS(svipc_accept(listener, 0, &accepted), SVIPC_WOULD_BLOCK);
    CHECK_STATUS(svipc_accept(listener, SVIPC_INFINITE_TIMEOUT, &accepted), SVIPC_WOULD_BLOCK);
    svipc_socket* client = NULL;
    CHECK_STATUS(svipc_connect(path, &client), SVIPC_OK);
    wait_readable(svipc_fd(listener));
    CHECK_STATUS(svipc_accept(listener, SVIPC_INFINITE_TIMEOUT, &accepted), SVIPC_OK);
    CHECK(svipc_is_nonblocking(accepted) == 0);
    CHECK_STATUS(svipc_accept(listener, 1000, &accepted), SVIPC_WOULD_BLOCK);
    svipc_close(accepted);
    svipc_close(client);
    svipc_close(listener);

    svipc_listener* authenticated = NULL;
    CHECK_STATUS(svipc_listener_bind(path, &authenticated), SVIPC_OK);
    CHECK_STATUS(svipc_listener_set_nonblocking(authenticated, 1), SVIPC_OK);
    CHECK_STATUS(svipc_listener_accept(authenticated, 0, &accepted, NULL), SVIPC_WOULD_BLOCK);
    CHECK_STATUS(svipc_connect(path, &client), SVIPC_OK);
    wait_readable(svipc_listener_fd(authenticated));
    CHECK_STATUS(svipc_listener_accept(authenticated, SVIPC_INFINITE_TIMEOUT, &accepted, NULL), SVIPC_OK);
    CHECK(svipc_is_nonblocking(accepted) == 0);
    svipc_close(accepted);
    svipc_close(client);
    svipc_listener_close(authenticated);
    free(path);
    CHECK(hostile_count_fds() == baseline);
}

int main(int argc, char** argv)
{
    static const hostile_case cases[] = {
        {"frames_one_byte_at_a_time", frames_one_byte_at_a_time},
        {"descriptors_before_and_after_frames", descriptors_before_and_after_frames},
        {"carrier_inside_a_frame", carrier_inside_a_frame},
        {"peer_hangs_up_mid_frame", peer_hangs_up_mid_frame},
        {"slow_reader_gets_every_accepted_frame", slow_reader_gets_every_accepted_frame},
        {"peer_hangs_up_with_output_pending", peer_hangs_up_with_output_pending},
        {"timeouts_do_not_apply", timeouts_do_not_apply},
        {"waiting_helpers_refuse_nonblocking_sockets", waiting_helpers_refuse_nonblocking_sockets},
        {"accept_with_nothing_queued", accept_with_nothing_queued},
    };
    return hostile_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
