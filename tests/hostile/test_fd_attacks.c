/*
 * Descriptors where the protocol does not allow them: attached to frame bytes,
 * several in one carrier, more than the library's control buffer holds
 * (MSG_CTRUNC), a carrier in the middle of a frame, a carrier whose byte is not
 * 0. Each must give SVIPC_PROTOCOL_VIOLATION, close every descriptor that
 * arrived (the process's descriptor count returns to where it was), leave the
 * sending direction usable and make every later receive SVIPC_DESYNCHRONIZED.
 */
#define _GNU_SOURCE
#include "hostile.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

enum
{
    MANY_FDS = 64,
};

typedef enum receive_call
{
    CALL_FRAME,
    CALL_BORROWED,
    CALL_FD,
} receive_call;

static const char* payload_text(void)
{
    return hostile_reference_payloads[0];
}

static svipc_status receive(svipc_socket* library, receive_call call)
{
    static uint8_t buffer[SVIPC_MAX_PAYLOAD];
    uint32_t length = 0;
    const uint8_t* borrowed = NULL;
    int32_t fd = -1;
    svipc_status status;
    switch (call)
    {
        case CALL_FRAME: status = svipc_recv_frame(library, buffer, sizeof(buffer), &length); break;
        case CALL_BORROWED: status = svipc_recv_frame_borrowed(library, &borrowed, &length); break;
        default:
            status = svipc_recv_fd(library, &fd);
            if (status == SVIPC_OK)
                close(fd);
            break;
    }
    return status;
}

/* Writes a valid frame after the attack, so a library that ignored the error would misframe it. */
static void expect_desynchronized_after(svipc_socket* library, int peer)
{
    const char* text = payload_text();
    size_t frame_length;
    uint8_t* frame = hostile_build_frame(text, (uint32_t)strlen(text), &frame_length);
    hostile_write_all(peer, frame, frame_length);
    free(frame);
    for (int i = 0; i < 2; i++)
    {
        CHECK_STATUS(receive(library, CALL_FRAME), SVIPC_DESYNCHRONIZED);
        CHECK_STATUS(receive(library, CALL_BORROWED), SVIPC_DESYNCHRONIZED);
        CHECK_STATUS(receive(library, CALL_FD), SVIPC_DESYNCHRONIZED);
    }
    /* The other direction is independent and still works. */
    CHECK_STATUS(svipc_send_frame(library, (const uint8_t*)"{}", 2), SVIPC_OK);
    uint8_t echo[6];
    CHECK(recv(peer, echo, sizeof(echo), MSG_WAITALL) == (ssize_t)sizeof(echo));
    CHECK(memcmp(echo, "\0\0\0\2{}", sizeof(echo)) == 0);
}

/* The shape of one attack: what the raw peer writes, as chunks, some carrying descriptors. */
typedef struct attack
{
    const char* name;
    /* Writes the attack on peer; fds/fd_count are the descriptors to attach where the attack says. */
    void (*write)(int peer, const int* fds, int fd_count);
    int fd_count;
} attack;

static uint8_t* frame_of_payload(size_t* frame_length)
{
    const char* text = payload_text();
    return hostile_build_frame(text, (uint32_t)strlen(text), frame_length);
}

static void send_chunk(int peer, const uint8_t* bytes, size_t length, const int* fds, int fd_count)
{
    if (fd_count == 0)
    {
        hostile_write_all(peer, bytes, length);
        return;
    }
    long sent = hostile_send_with_fds(peer, bytes, length, fds, fd_count);
    if (sent != (long)length)
        HOSTILE_FAIL("sendmsg with %d fds sent %ld of %zu bytes", fd_count, sent, length);
}

static void fd_on_whole_frame(int peer, const int* fds, int fd_count)
{
    size_t n;
    uint8_t* frame = frame_of_payload(&n);
    send_chunk(peer, frame, n, fds, fd_count);
    free(frame);
}

static void fd_on_prefix_only(int peer, const int* fds, int fd_count)
{
    size_t n;
    uint8_t* frame = frame_of_payload(&n);
    send_chunk(peer, frame, SVIPC_FRAME_HEADER_SIZE, fds, fd_count);
    send_chunk(peer, frame + SVIPC_FRAME_HEADER_SIZE, n - SVIPC_FRAME_HEADER_SIZE, NULL, 0);
    free(frame);
}

static void fd_on_prefix_tail(int peer, const int* fds, int fd_count)
{
    size_t n;
    uint8_t* frame = frame_of_payload(&n);
    send_chunk(peer, frame, 1, NULL, 0);
    send_chunk(peer, frame + 1, n - 1, fds, fd_count);
    free(frame);
}

static void fd_on_payload(int peer, const int* fds, int fd_count)
{
    size_t n;
    uint8_t* frame = frame_of_payload(&n);
    send_chunk(peer, frame, SVIPC_FRAME_HEADER_SIZE, NULL, 0);
    send_chunk(peer, frame + SVIPC_FRAME_HEADER_SIZE, n - SVIPC_FRAME_HEADER_SIZE, fds, fd_count);
    free(frame);
}

static void fd_on_last_payload_byte(int peer, const int* fds, int fd_count)
{
    size_t n;
    uint8_t* frame = frame_of_payload(&n);
    send_chunk(peer, frame, n - 1, NULL, 0);
    send_chunk(peer, frame + n - 1, 1, fds, fd_count);
    free(frame);
}

static void carrier_mid_payload(int peer, const int* fds, int fd_count)
{
    size_t n;
    uint8_t* frame = frame_of_payload(&n);
    uint8_t zero = 0;
    send_chunk(peer, frame, n / 2, NULL, 0);
    send_chunk(peer, &zero, 1, fds, fd_count);
    send_chunk(peer, frame + n / 2, n - n / 2, NULL, 0);
    free(frame);
}

static void carrier_mid_prefix(int peer, const int* fds, int fd_count)
{
    size_t n;
    uint8_t* frame = frame_of_payload(&n);
    uint8_t zero = 0;
    send_chunk(peer, frame, 2, NULL, 0);
    send_chunk(peer, &zero, 1, fds, fd_count);
    send_chunk(peer, frame + 2, n - 2, NULL, 0);
    free(frame);
}

static void carrier_byte_not_zero(int peer, const int* fds, int fd_count)
{
    uint8_t one = 1;
    send_chunk(peer, &one, 1, fds, fd_count);
}

static void carrier_byte_ff(int peer, const int* fds, int fd_count)
{
    uint8_t ff = 0xFF;
    send_chunk(peer, &ff, 1, fds, fd_count);
}

static void carrier_with_fds(int peer, const int* fds, int fd_count)
{
    uint8_t zero = 0;
    send_chunk(peer, &zero, 1, fds, fd_count);
}

static void carrier_two_bytes(int peer, const int* fds, int fd_count)
{
    uint8_t zeros[2] = {0, 0};
    send_chunk(peer, zeros, sizeof(zeros), fds, fd_count);
}

static const attack attacks[] = {
    {"fd_on_whole_frame", fd_on_whole_frame, 1},
    {"fd_on_prefix_only", fd_on_prefix_only, 1},
    {"fd_on_prefix_tail", fd_on_prefix_tail, 1},
    {"fd_on_payload", fd_on_payload, 1},
    {"fd_on_last_payload_byte", fd_on_last_payload_byte, 1},
    {"three_fds_on_payload", fd_on_payload, 3},
    {"carrier_mid_payload", carrier_mid_payload, 1},
    {"carrier_mid_prefix", carrier_mid_prefix, 1},
    {"carrier_byte_not_zero", carrier_byte_not_zero, 1},
    {"carrier_byte_ff", carrier_byte_ff, 1},
    {"carrier_two_bytes", carrier_two_bytes, 1},
    {"carrier_two_fds", carrier_with_fds, 2},
    {"carrier_three_fds", carrier_with_fds, 3},
    {"carrier_64_fds_ctrunc", carrier_with_fds, MANY_FDS},
    {"carrier_253_fds_ctrunc", carrier_with_fds, 253},
};

/* Attacks that arrive where a frame starts, so svipc_recv_fd meets them too. */
static int attack_is_at_boundary(const attack* a)
{
    return a->write == carrier_byte_not_zero || a->write == carrier_byte_ff || a->write == carrier_two_bytes
        || a->write == carrier_with_fds || a->write == fd_on_whole_frame || a->write == fd_on_prefix_only;
}

/*
 * Attacks at a boundary whose descriptors come with several frame bytes. Linux
 * pins descriptors to the last byte of the read that brought them, so where the
 * receive buffer reads ahead, those bytes are frame data in front of the
 * descriptors and svipc_recv_fd answers SVIPC_NO_DESCRIPTOR.
 */
static int attack_glues_fds_to_frame_bytes(const attack* a)
{
    return a->write == fd_on_whole_frame || a->write == fd_on_prefix_only || a->write == carrier_two_bytes;
}

#if !SVIPC_TEST_READS_AHEAD
/*
 * Without read-ahead (macOS's policy) a frame's first byte is read alone, and a descriptor glued to it arrives
 * with exactly that one zero byte: the bytes the library sees are those of the legal sequence "a carrier, then
 * the rest of the frame". No receiver can tell the two apart on such a kernel, and the peer gains nothing it
 * could not send legally; what must hold is that the library reads it as that sequence: svipc_recv_fd takes
 * the descriptor, a frame receive keeps it and reads the shifted rest as a frame (here: waits for bytes that
 * never come), and nothing leaks.
 */
static void expect_read_as_carrier_then_rest(const attack* a, svipc_socket* library, receive_call call)
{
    CHECK_STATUS(svipc_set_read_timeout(library, 50), SVIPC_OK);
    svipc_status status = receive(library, call);
    svipc_status expected = call == CALL_FD ? SVIPC_OK : SVIPC_TIMEOUT;
    if (status != expected)
        HOSTILE_FAIL("%s via call %d without read-ahead: %s, expected %s (a carrier, then the shifted rest)", a->name,
                     (int)call, hostile_status_name(status), hostile_status_name(expected));
}
#endif

static void run_attack(const attack* a, receive_call call)
{
    int baseline = hostile_count_fds();
    svipc_socket* library;
    int peer;
    hostile_raw_pair(&library, &peer);
    int* fds = calloc((size_t)a->fd_count, sizeof(int));
    CHECK(fds != NULL);
    hostile_open_null_fds(fds, a->fd_count);
    a->write(peer, fds, a->fd_count);
    /* Only the copies in flight remain; the library must close whatever it receives. */
    hostile_close_fds(fds, a->fd_count);
    free(fds);
    int before_receive = hostile_count_fds();

#if !SVIPC_TEST_READS_AHEAD
    if (attack_glues_fds_to_frame_bytes(a) && a->fd_count == 1)
    {
        expect_read_as_carrier_then_rest(a, library, call);
        svipc_close(library);
        close(peer);
        CHECK(hostile_count_fds() == baseline);
        return;
    }
#endif
    svipc_status status = receive(library, call);
    if (call == CALL_FD && (!attack_is_at_boundary(a) || attack_glues_fds_to_frame_bytes(a)) &&
        status == SVIPC_NO_DESCRIPTOR)
    {
        /* Frame data comes first: nothing lost, the frame receive then meets the attack. (A read
         * that already reached the attack inside the prefix reports it at once, also correct.) */
        status = receive(library, CALL_FRAME);
    }
    if (status != SVIPC_PROTOCOL_VIOLATION)
        HOSTILE_FAIL("%s via call %d: %s, expected SVIPC_PROTOCOL_VIOLATION", a->name, (int)call,
                     hostile_status_name(status));
    if (hostile_count_fds() != before_receive)
        HOSTILE_FAIL("%s via call %d: %d descriptors open after the violation, %d before", a->name, (int)call,
                     hostile_count_fds(), before_receive);
    expect_desynchronized_after(library, peer);
    svipc_close(library);
    close(peer);
    CHECK(hostile_count_fds() == baseline);
}

static void every_attack_every_call(void)
{
    for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
    {
        for (int call = CALL_FRAME; call <= CALL_FD; call++)
            run_attack(&attacks[i], (receive_call)call);
    }
}

/* A legitimate carrier followed by the attack: the kept descriptor is still
 * delivered or closed, never leaked, and the attack still is a violation. */
static void kept_carrier_then_attack(void)
{
    int baseline = hostile_count_fds();
    svipc_socket* library;
    int peer;
    hostile_raw_pair(&library, &peer);
    int fds[2];
    hostile_open_null_fds(fds, 2);
    carrier_with_fds(peer, &fds[0], 1);
    fd_on_payload(peer, &fds[1], 1);
    hostile_close_fds(fds, 2);
    CHECK_STATUS(receive(library, CALL_FRAME), SVIPC_PROTOCOL_VIOLATION);
    svipc_close(library);
    close(peer);
    CHECK(hostile_count_fds() == baseline);
}

/* The attack comes from another process, which exits right after writing it. */
static void attack_from_child_process(void)
{
    int baseline = hostile_count_fds();
    for (size_t i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
    {
        svipc_socket* library;
        int peer;
        hostile_raw_pair(&library, &peer);
        pid_t child = fork();
        CHECK(child >= 0);
        if (child == 0)
        {
            int* fds = calloc((size_t)attacks[i].fd_count, sizeof(int));
            CHECK(fds != NULL);
            hostile_open_null_fds(fds, attacks[i].fd_count);
            attacks[i].write(peer, fds, attacks[i].fd_count);
            _exit(0);
        }
        close(peer);
        int wait_status = 0;
        CHECK(waitpid(child, &wait_status, 0) == child);
        CHECK(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0);
        int before_receive = hostile_count_fds();
#if !SVIPC_TEST_READS_AHEAD
        if (attack_glues_fds_to_frame_bytes(&attacks[i]))
        {
            /* Read as a carrier, then the shifted rest of a frame, which the exit cuts short (see above). */
            CHECK_STATUS(receive(library, CALL_FRAME), SVIPC_TRUNCATED);
            svipc_close(library);
            continue;
        }
#endif
        CHECK_STATUS(receive(library, CALL_FRAME), SVIPC_PROTOCOL_VIOLATION);
        CHECK(hostile_count_fds() == before_receive);
        CHECK_STATUS(receive(library, CALL_FRAME), SVIPC_DESYNCHRONIZED);
        svipc_close(library);
    }
    CHECK(hostile_count_fds() == baseline);
}

/* Descriptors left unreceived in the socket when it is closed are released, not leaked. */
static void close_with_descriptors_in_flight(void)
{
    int baseline = hostile_count_fds();
    svipc_socket* library;
    int peer;
    hostile_raw_pair(&library, &peer);
    int fds[MANY_FDS];
    hostile_open_null_fds(fds, MANY_FDS);
    for (int i = 0; i < 4; i++)
        carrier_with_fds(peer, &fds[i], 1);
    carrier_with_fds(peer, fds, MANY_FDS);
    hostile_close_fds(fds, MANY_FDS);
    /* The frame receive keeps carriers ahead of the frame, then meets the oversized one. */
    shutdown(peer, SHUT_WR);
    CHECK_STATUS(receive(library, CALL_FRAME), SVIPC_PROTOCOL_VIOLATION);
    svipc_close(library);
    close(peer);
    CHECK(hostile_count_fds() == baseline);
}

int main(int argc, char** argv)
{
    static const hostile_case cases[] = {
        {"every_attack_every_call", every_attack_every_call},
        {"attack_from_child_process", attack_from_child_process},
        {"kept_carrier_then_attack", kept_carrier_then_attack},
        {"close_with_descriptors_in_flight", close_with_descriptors_in_flight},
    };
    return hostile_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
