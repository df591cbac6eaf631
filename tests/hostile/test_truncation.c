/*
 * End of stream at every byte offset of a reference frame: before the first
 * prefix byte it is an orderly close, anywhere else a truncation; never a
 * frame, never a hang. Also across a real process that dies mid-frame.
 */
#define _GNU_SOURCE
#include "hostile.h"

#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

typedef enum eof_kind
{
    EOF_BY_CLOSE,
    EOF_BY_SHUTDOWN,
} eof_kind;

static uint8_t* reference_frame(size_t index, size_t* frame_length)
{
    const char* payload = hostile_reference_payloads[index];
    return hostile_build_frame(payload, (uint32_t)strlen(payload), frame_length);
}

static svipc_status receive_once(svipc_socket* library, int borrowed, uint32_t* length)
{
    static uint8_t buffer[SVIPC_MAX_PAYLOAD];
    if (borrowed)
    {
        const uint8_t* payload = NULL;
        return svipc_recv_frame_borrowed(library, &payload, length);
    }
    return svipc_recv_frame(library, buffer, sizeof(buffer), length);
}

/* After end of stream nothing can succeed; a truncation must never turn into an orderly close. */
static void expect_stays_failed(svipc_socket* library, svipc_status first)
{
    uint32_t length = 0;
    for (int i = 0; i < 2; i++)
    {
        svipc_status again = receive_once(library, i, &length);
        if (first == SVIPC_CLOSED)
            CHECK_STATUS(again, SVIPC_CLOSED);
        else if (again != SVIPC_TRUNCATED && again != SVIPC_DESYNCHRONIZED)
            HOSTILE_FAIL("receive after truncation returned %s", hostile_status_name(again));
    }
}

static void truncate_every_offset(int borrowed, eof_kind how, size_t leading_whole_frames)
{
    for (size_t vector = 0; vector < hostile_reference_payload_count; vector++)
    {
        size_t frame_length;
        uint8_t* frame = reference_frame(vector, &frame_length);
        for (size_t cut = 0; cut < frame_length; cut++)
        {
            svipc_socket* library;
            int peer;
            hostile_raw_pair(&library, &peer);
            for (size_t i = 0; i < leading_whole_frames; i++)
                hostile_write_all(peer, frame, frame_length);
            if (cut > 0)
                hostile_write_all(peer, frame, cut);
            if (how == EOF_BY_CLOSE)
                close(peer);
            else
                shutdown(peer, SHUT_WR);

            uint32_t length = 0;
            for (size_t i = 0; i < leading_whole_frames; i++)
            {
                CHECK_STATUS(receive_once(library, borrowed, &length), SVIPC_OK);
                CHECK(length + SVIPC_FRAME_HEADER_SIZE == frame_length);
            }
            svipc_status expected = cut == 0 ? SVIPC_CLOSED : SVIPC_TRUNCATED;
            svipc_status actual = receive_once(library, borrowed, &length);
            if (actual != expected)
                HOSTILE_FAIL("vector %zu cut at %zu/%zu: %s, expected %s", vector, cut, frame_length,
                             hostile_status_name(actual), hostile_status_name(expected));
            expect_stays_failed(library, expected);
            svipc_close(library);
            if (how == EOF_BY_SHUTDOWN)
                close(peer);
        }
        free(frame);
    }
}

static void every_offset_copy_close(void) { truncate_every_offset(0, EOF_BY_CLOSE, 0); }
static void every_offset_borrowed_close(void) { truncate_every_offset(1, EOF_BY_CLOSE, 0); }
static void every_offset_copy_shutdown(void) { truncate_every_offset(0, EOF_BY_SHUTDOWN, 0); }
static void every_offset_after_whole_frames(void) { truncate_every_offset(0, EOF_BY_CLOSE, 2); }

/* recv_fd at end of stream: an orderly close at a frame boundary, nothing else. */
static void recv_fd_at_end_of_stream(void)
{
    svipc_socket* library;
    int peer;
    hostile_raw_pair(&library, &peer);
    close(peer);
    int32_t fd = -1;
    CHECK_STATUS(svipc_recv_fd(library, &fd), SVIPC_CLOSED);
    CHECK(fd == -1);
    svipc_close(library);
}

/* A separate process writes part of a frame and exits without closing anything itself. */
static void peer_process_dies_mid_frame(void)
{
    size_t frame_length;
    uint8_t* frame = reference_frame(0, &frame_length);
    const size_t cuts[] = {1, 2, 3, 4, 5, frame_length / 2, frame_length - 1};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++)
    {
        svipc_socket* library;
        int peer;
        hostile_raw_pair(&library, &peer);
        CHECK_STATUS(svipc_set_read_timeout(library, 10000), SVIPC_OK);
        pid_t child = fork();
        CHECK(child >= 0);
        if (child == 0)
        {
            hostile_write_all(peer, frame, cuts[i]);
            _exit(0);
        }
        close(peer);
        uint32_t length = 0;
        CHECK_STATUS(receive_once(library, 0, &length), SVIPC_TRUNCATED);
        int wait_status = 0;
        CHECK(waitpid(child, &wait_status, 0) == child);
        CHECK(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0);
        svipc_close(library);
    }
    free(frame);
}

/* A peer killed by a signal mid-frame: same answer, the kernel closes its end. */
static void peer_process_killed_mid_frame(void)
{
    size_t frame_length;
    uint8_t* frame = reference_frame(2, &frame_length);
    svipc_socket* library;
    int peer;
    hostile_raw_pair(&library, &peer);
    int ready[2];
    CHECK(pipe(ready) == 0);
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0)
    {
        close(ready[0]);
        hostile_write_all(peer, frame, frame_length / 3);
        CHECK(write(ready[1], "r", 1) == 1);
        for (;;)
            pause();
    }
    close(peer);
    close(ready[1]);
    char token;
    CHECK(read(ready[0], &token, 1) == 1);
    close(ready[0]);
    CHECK(kill(child, SIGKILL) == 0);
    int wait_status = 0;
    CHECK(waitpid(child, &wait_status, 0) == child);
    uint32_t length = 0;
    CHECK_STATUS(receive_once(library, 1, &length), SVIPC_TRUNCATED);
    svipc_close(library);
    free(frame);
}

int main(int argc, char** argv)
{
    static const hostile_case cases[] = {
        {"every_offset_copy_close", every_offset_copy_close},
        {"every_offset_borrowed_close", every_offset_borrowed_close},
        {"every_offset_copy_shutdown", every_offset_copy_shutdown},
        {"every_offset_after_whole_frames", every_offset_after_whole_frames},
        {"recv_fd_at_end_of_stream", recv_fd_at_end_of_stream},
        {"peer_process_dies_mid_frame", peer_process_dies_mid_frame},
        {"peer_process_killed_mid_frame", peer_process_killed_mid_frame},
    };
    return hostile_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
