/*
 * What an idle connection keeps on the heap: after a request and its answer, or
 * with a few bytes of a frame received, a connection waiting in a non-blocking
 * receive holds no frame-sized buffer (the socket object and at most the bytes
 * it was sent). Heap bytes in use come from the allocator itself (ASan's under
 * the sanitizer build, glibc's mallinfo2 otherwise); elsewhere the test reports
 * itself skipped.
 */
#include "test_support.h"
#include "supervisor_ipc_messages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SVIPC_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define SVIPC_TEST_ASAN 1
#endif

#if defined(SVIPC_TEST_ASAN)
/* From the sanitizer runtime (<sanitizer/allocator_interface.h>, which not every compiler package installs). */
size_t __sanitizer_get_current_allocated_bytes(void);
#elif defined(__GLIBC__)
#include <malloc.h>
#endif

enum { PAIRS = 500, SKIPPED = 77 };

/* Far below one frame-sized buffer (65,540 bytes) per connection, above the object and a short remainder. */
#define IDLE_BYTES_PER_CONNECTION_LIMIT 1024

static long heap_in_use(void)
{
#if defined(SVIPC_TEST_ASAN)
    return (long)__sanitizer_get_current_allocated_bytes();
#elif defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
    return (long)mallinfo2().uordblks;
#else
    return -1;
#endif
}

static svipc_socket* supervisors[PAIRS];
static svipc_socket* children[PAIRS];

static void open_pairs(void)
{
    for (int i = 0; i < PAIRS; i++)
    {
        CHECK_STATUS(SVIPC_OK, svipc_pair(&supervisors[i], &children[i]));
        CHECK_STATUS(SVIPC_OK, svipc_set_nonblocking(supervisors[i], 1));
    }
}

static void close_pairs(void)
{
    for (int i = 0; i < PAIRS; i++)
    {
        svipc_close(supervisors[i]);
        svipc_close(children[i]);
    }
}

static void check_growth(const char* what, long before, long after, long connections)
{
    long per_connection = (after - before) / connections;
    printf("   %s: %ld heap bytes per connection\n", what, per_connection);
    CHECK(per_connection < IDLE_BYTES_PER_CONNECTION_LIMIT);
}

static svipc_string text(const char* value)
{
    svipc_string result = { value, (uint32_t)strlen(value) };
    return result;
}

static void idle_after_a_request_and_its_answer(void)
{
    open_pairs();
    svipc_message request;
    memset(&request, 0, sizeof(request));
    request.kind = SVIPC_MESSAGE_REQUEST;
    request.as.request.request_id = text("c-1");
    request.as.request.path = text("/tmp/notes.txt");
    request.as.request.session_id = text("s");
    long before = heap_in_use();
    for (int i = 0; i < PAIRS; i++)
    {
        CHECK_STATUS(SVIPC_OK, svipc_send_message(children[i], &request));
        svipc_message received;
        CHECK_STATUS(SVIPC_OK, svipc_recv_message(supervisors[i], &received, NULL));
        CHECK_STATUS(SVIPC_OK, svipc_deny(supervisors[i], received.as.request.request_id, "no"));
        CHECK_STATUS(SVIPC_WOULD_BLOCK, svipc_recv_message(supervisors[i], &received, NULL));
        svipc_response response;
        CHECK_STATUS(SVIPC_OK, svipc_recv_response(children[i], &response, NULL));
        CHECK(response.as.decision.decision.kind == SVIPC_DECISION_DENIED);
        /* A blocking copy receive that times out leaves nothing either. */
        CHECK_STATUS(SVIPC_OK, svipc_set_read_timeout(children[i], 1));
        uint8_t buffer[8];
        uint32_t length = 0;
        CHECK_STATUS(SVIPC_TIMEOUT, svipc_recv_frame(children[i], buffer, sizeof(buffer), &length));
    }
    check_growth("after a request and its answer", before, heap_in_use(), 2 * PAIRS);
    close_pairs();
}

static void idle_with_part_of_a_frame(void)
{
    open_pairs();
    static const uint8_t start[] = { 0, 0, 0, 100, 'a', 'b', 'c', 'd', 'e', 'f' };
    long before = heap_in_use();
    for (int i = 0; i < PAIRS; i++)
    {
        test_write_all(svipc_fd(children[i]), start, sizeof(start));
        uint8_t buffer[100];
        uint32_t length = 0;
        CHECK_STATUS(SVIPC_WOULD_BLOCK, svipc_recv_frame(supervisors[i], buffer, sizeof(buffer), &length));
        CHECK(svipc_has_buffered_input(supervisors[i]) == 1);
    }
    check_growth("holding 10 bytes of a frame", before, heap_in_use(), PAIRS);
    /* The rest completes every frame from what was kept. */
    static uint8_t rest[96];
    memset(rest, 'z', sizeof(rest));
    for (int i = 0; i < PAIRS; i++)
    {
        test_write_all(svipc_fd(children[i]), rest, sizeof(rest));
        uint8_t buffer[100];
        uint32_t length = 0;
        CHECK_STATUS(SVIPC_OK, svipc_recv_frame(supervisors[i], buffer, sizeof(buffer), &length));
        CHECK(length == 100 && memcmp(buffer, "abcdef", 6) == 0 && buffer[6] == 'z' && buffer[99] == 'z');
    }
    close_pairs();
}

/*
 * A borrowed payload stays valid until the next receive on its socket: its buffer is not given back to the pool
 * when the call returns, so another socket's receive on the same thread cannot take it and write over the payload.
 */
static void a_borrowed_payload_keeps_its_buffer_until_the_next_receive(void)
{
    svipc_socket* a;
    svipc_socket* b;
    svipc_socket* c;
    svipc_socket* d;
    CHECK_STATUS(SVIPC_OK, svipc_pair(&a, &b));
    CHECK_STATUS(SVIPC_OK, svipc_pair(&c, &d));
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(a, (const uint8_t*)"lent by b", 9));
    CHECK_STATUS(SVIPC_OK, svipc_send_frame(c, (const uint8_t*)"read by d", 9));
    const uint8_t* payload = NULL;
    uint32_t length = 0;
    CHECK_STATUS(SVIPC_OK, svipc_recv_frame_borrowed(b, &payload, &length));
    for (int i = 0; i < 3; i++)
    {
        uint8_t other[16];
        uint32_t other_length = 0;
        CHECK_STATUS(SVIPC_OK, svipc_recv_frame(d, other, sizeof(other), &other_length));
        CHECK(other_length == 9 && memcmp(other, "read by d", 9) == 0);
        CHECK_STATUS(SVIPC_OK, svipc_send_frame(c, (const uint8_t*)"read by d", 9));
    }
    CHECK(length == 9 && memcmp(payload, "lent by b", 9) == 0);
    svipc_close(a);
    svipc_close(b);
    svipc_close(c);
    svipc_close(d);
}

int main(void)
{
    if (heap_in_use() < 0)
    {
        printf("skipped: this C library gives no count of heap bytes in use\n");
        return SKIPPED;
    }
    RUN(idle_after_a_request_and_its_answer);
    RUN(idle_with_part_of_a_frame);
    RUN(a_borrowed_payload_keeps_its_buffer_until_the_next_receive);
    return test_finish();
}
