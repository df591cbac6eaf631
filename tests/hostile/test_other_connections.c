/*
 * One hostile connection does not affect the others: a supervisor loop that
 * accepts several children on one bound path keeps serving the well-behaved
 * ones while others attack (descriptor on frame bytes, oversize prefix,
 * silence, death mid-frame). Per-socket state only, no global state.
 */
#define _GNU_SOURCE
#include "hostile.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

enum
{
    ROUNDS = 50,
    TIMEOUT_MS = 20,
};

static int raw_connect(const char* path)
{
    int fd = svipc_test_socket(AF_UNIX, SOCK_STREAM);
    CHECK(fd >= 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    strcpy(address.sun_path, path);
    CHECK(connect(fd, (struct sockaddr*)&address, sizeof(address)) == 0);
    return fd;
}

typedef enum behaviour
{
    GOOD,
    FD_ON_FRAME,
    OVERSIZE,
    SILENT,
    DIES_MID_FRAME,
    BEHAVIOUR_COUNT,
} behaviour;

static void misbehave(int peer, behaviour how)
{
    const char* text = hostile_reference_payloads[0];
    size_t n;
    uint8_t* frame = hostile_build_frame(text, (uint32_t)strlen(text), &n);
    switch (how)
    {
        case FD_ON_FRAME:
        {
            int fd;
            hostile_open_null_fds(&fd, 1);
            CHECK(hostile_send_with_fds(peer, frame, n, &fd, 1) == (long)n);
            close(fd);
            break;
        }
        case OVERSIZE:
            hostile_write_all(peer, "\xff\xff\xff\xff", 4);
            break;
        case DIES_MID_FRAME:
            hostile_write_all(peer, frame, n / 2);
            shutdown(peer, SHUT_WR);
            break;
        default:
            break;
    }
    free(frame);
}

static svipc_status expected_for(behaviour how)
{
    switch (how)
    {
#if SVIPC_TEST_READS_AHEAD
        case FD_ON_FRAME: return SVIPC_PROTOCOL_VIOLATION;
#else
        /* Without read-ahead the descriptor arrives with the frame's first byte alone, which reads as a legal
         * carrier; the rest of the frame, shifted, then waits for bytes that never come (test_fd_attacks.c). */
        case FD_ON_FRAME: return SVIPC_TIMEOUT;
#endif
        case OVERSIZE: return SVIPC_TOO_LARGE;
        case SILENT: return SVIPC_TIMEOUT;
        case DIES_MID_FRAME: return SVIPC_TRUNCATED;
        default: return SVIPC_OK;
    }
}

static void hostile_children_do_not_disturb_good_ones(void)
{
    int baseline = hostile_count_fds();
    char* path = hostile_temp_socket_path("others");
    svipc_socket* listener;
    CHECK_STATUS(svipc_bind(path, &listener), SVIPC_OK);
    static uint8_t buffer[SVIPC_MAX_PAYLOAD];
    for (int round = 0; round < ROUNDS; round++)
    {
        /* Every behaviour connects, in an order that changes each round. */
        int peers[BEHAVIOUR_COUNT];
        svipc_socket* good_client = NULL;
        svipc_socket* connections[BEHAVIOUR_COUNT];
        for (int k = 0; k < BEHAVIOUR_COUNT; k++)
        {
            behaviour how = (behaviour)((k + round) % BEHAVIOUR_COUNT);
            if (how == GOOD)
            {
                CHECK_STATUS(svipc_connect(path, &good_client), SVIPC_OK);
                peers[how] = -1;
            }
            else
            {
                peers[how] = raw_connect(path);
            }
            CHECK_STATUS(svipc_accept(listener, 1000, &connections[how]), SVIPC_OK);
            CHECK_STATUS(svipc_set_read_timeout(connections[how], TIMEOUT_MS), SVIPC_OK);
        }
        const char* request = hostile_reference_payloads[(size_t)round % hostile_reference_payload_count];
        CHECK_STATUS(svipc_send_frame(good_client, (const uint8_t*)request, (uint32_t)strlen(request)), SVIPC_OK);
        for (int k = 0; k < BEHAVIOUR_COUNT; k++)
        {
            if (k != GOOD)
                misbehave(peers[k], (behaviour)k);
        }
        /* Serve in the round's order: the hostile ones fail with their own status only. */
        for (int k = 0; k < BEHAVIOUR_COUNT; k++)
        {
            behaviour how = (behaviour)((k + round) % BEHAVIOUR_COUNT);
            uint32_t length = 0;
            CHECK_STATUS(svipc_recv_frame(connections[how], buffer, sizeof(buffer), &length), expected_for(how));
            if (how == GOOD)
            {
                CHECK(length == strlen(request) && memcmp(buffer, request, length) == 0);
                const char* reply = hostile_reference_payloads[3];
                CHECK_STATUS(svipc_send_frame(connections[how], (const uint8_t*)reply, (uint32_t)strlen(reply)),
                             SVIPC_OK);
                CHECK_STATUS(svipc_recv_frame(good_client, buffer, sizeof(buffer), &length), SVIPC_OK);
                CHECK(length == strlen(reply) && memcmp(buffer, reply, length) == 0);
            }
        }
        for (int k = 0; k < BEHAVIOUR_COUNT; k++)
        {
            svipc_close(connections[k]);
            if (peers[k] >= 0)
                close(peers[k]);
        }
        svipc_close(good_client);
    }
    svipc_close(listener);
    free(path);
    CHECK(hostile_count_fds() == baseline);
}

int main(int argc, char** argv)
{
    static const hostile_case cases[] = {
        {"hostile_children_do_not_disturb_good_ones", hostile_children_do_not_disturb_good_ones},
    };
    return hostile_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
