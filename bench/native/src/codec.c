/*
 * The C codec alone (supervisor_ipc_messages.h): nanoseconds per encode and per
 * decode of the reference Request and Decision(Granted) frames, the numbers
 * BENCHMARKS.md sets beside the managed codec's (CodecBenchmarks). Decoding a
 * frame without escapes rewrites no byte, so the same buffer is decoded again.
 * Time is this thread's CPU time, so a busy machine that preempts the loop
 * does not count against the codec (cache and frequency effects still do).
 *
 *   svipc_bench_codec [iterations]   (default 5,000,000; best of 5 rounds)
 */
#include <supervisor_ipc.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile uint32_t sink;

static svipc_string text(const char* value)
{
    svipc_string result = { value, (uint32_t)strlen(value) };
    return result;
}

static void fail(const char* what)
{
    fprintf(stderr, "codec bench: %s failed\n", what);
    exit(1);
}

typedef void (*operation)(void);

static svipc_message request;
static svipc_response granted;
static uint8_t request_frame[256], granted_frame[256], scratch[256];
static uint32_t request_length, granted_length;

static void encode_request(void)
{
    uint32_t length;
    if (svipc_encode_message(&request, scratch, sizeof(scratch), &length) != SVIPC_OK) fail("encode Request");
    sink = length;
}

static void decode_request(void)
{
    svipc_message m;
    if (svipc_decode_message(request_frame, request_length, &m, NULL) != SVIPC_OK) fail("decode Request");
    sink = m.as.request.child_pid;
}

static void encode_granted(void)
{
    uint32_t length;
    if (svipc_encode_response(&granted, scratch, sizeof(scratch), &length) != SVIPC_OK) fail("encode Decision");
    sink = length;
}

static void decode_granted(void)
{
    svipc_response r;
    if (svipc_decode_response(granted_frame, granted_length, &r, NULL) != SVIPC_OK) fail("decode Decision");
    sink = (uint32_t)r.as.decision.decision.kind;
}

static uint64_t thread_cpu_ns(void)
{
    struct timespec now;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) != 0)
    {
        fail("clock_gettime");
    }
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static double best_ns(operation run, long iterations)
{
    double best = 1e30;
    for (int round = 0; round < 5; round++)
    {
        uint64_t start = thread_cpu_ns();
        for (long i = 0; i < iterations; i++)
        {
            run();
        }
        double ns = (double)(thread_cpu_ns() - start) / (double)iterations;
        best = ns < best ? ns : best;
    }
    return best;
}

int main(int argc, char** argv)
{
    long iterations = argc > 1 ? atol(argv[1]) : 5000000;
    memset(&request, 0, sizeof(request));
    request.kind = SVIPC_MESSAGE_REQUEST;
    request.as.request.request_id = text("req-001");
    request.as.request.path = text("/tmp/test");
    request.as.request.access = SVIPC_ACCESS_READ;
    request.as.request.reason = text("test access");
    request.as.request.child_pid = 12345;
    request.as.request.session_id = text("sess-001");
    memset(&granted, 0, sizeof(granted));
    granted.kind = SVIPC_RESPONSE_DECISION;
    granted.as.decision.request_id = text("req-001");
    granted.as.decision.decision.kind = SVIPC_DECISION_GRANTED;
    if (svipc_encode_message(&request, request_frame, sizeof(request_frame), &request_length) != SVIPC_OK ||
        svipc_encode_response(&granted, granted_frame, sizeof(granted_frame), &granted_length) != SVIPC_OK)
    {
        fail("setup");
    }
    printf("codec\tencode\tRequest\t%.1f ns\n", best_ns(encode_request, iterations));
    printf("codec\tdecode\tRequest\t%.1f ns\n", best_ns(decode_request, iterations));
    printf("codec\tencode\tDecision.Granted\t%.1f ns\n", best_ns(encode_granted, iterations));
    printf("codec\tdecode\tDecision.Granted\t%.1f ns\n", best_ns(decode_granted, iterations));
    return 0;
}
