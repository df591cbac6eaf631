/*
 * The whole grant flow across real processes, in C: this test is the
 * supervisor, the demo's C child (samples/c-child) is the child, started with
 * svipc_spawn. It checks the child's messages (their values, and that their
 * bytes are the canonical encoding), answers a grant with a real descriptor (in
 * both orders), a denial and a URL with the library's answer helpers, and reads
 * what the child printed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "flow_test.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#ifndef FLOW_C_CHILD_PATH
#error "FLOW_C_CHILD_PATH must name the c-child executable"
#endif

#define SESSION "flow-session"
#define URL "https://example.com/callback?code=1&state=<x>"

typedef struct run
{
    char directory[256];
    char allowed[320];
    char denied[320];
    char output[320];
} run;

static int text_is(svipc_string text, const char* expected)
{
    return text.data != NULL && text.length == strlen(expected) && memcmp(text.data, expected, text.length) == 0;
}

/*
 * Receives the child's next message. Its bytes must be exactly what the codec writes for the value they
 * decode to (the child sends serde_json's canonical form); *message borrows from storage.
 */
static void receive_canonical(svipc_socket* supervisor, svipc_message* message, uint8_t* storage)
{
    const uint8_t* payload = NULL;
    uint32_t length = 0;
    CHECK_STATUS(svipc_recv_frame_borrowed(supervisor, &payload, &length), SVIPC_OK);
    static uint8_t raw[SVIPC_MAX_PAYLOAD];
    memcpy(raw, payload, length);
    memcpy(storage, payload, length);
    CHECK_STATUS(svipc_decode_message(storage, length, message, NULL), SVIPC_OK);
    static uint8_t encoded[SVIPC_MAX_PAYLOAD];
    uint32_t encoded_length = 0;
    CHECK_STATUS(svipc_encode_message(message, encoded, sizeof(encoded), &encoded_length), SVIPC_OK);
    if (encoded_length != length || memcmp(encoded, raw, length) != 0)
    {
        FLOW_FAIL("child sent %.*s\nnot the canonical %.*s", (int)length, (const char*)raw, (int)encoded_length,
                  (const char*)encoded);
    }
}

static void expect_request(const svipc_message* m, const char* path, const char* reason, int32_t pid)
{
    CHECK(m->kind == SVIPC_MESSAGE_REQUEST);
    CHECK(text_is(m->as.request.path, path) && text_is(m->as.request.reason, reason));
    CHECK(m->as.request.access == SVIPC_ACCESS_READ && m->as.request.child_pid == (uint32_t)pid);
    CHECK(text_is(m->as.request.session_id, SESSION) && m->as.request.request_id.length > 0);
}

/* Starts the child with its stdout in run->output; returns the supervisor end. */
static svipc_socket* start_child(run* r, int32_t* pid)
{
    int output = open(r->output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    CHECK(output >= 0);
    fflush(stdout);
    int saved_stdout = fcntl(1, F_DUPFD_CLOEXEC, 10);
    CHECK(saved_stdout >= 0 && dup2(output, 1) == 1);
    close(output);

    char* argv[] = { FLOW_C_CHILD_PATH, r->allowed, r->denied, URL, NULL };
    char* envp[] = { "SUPERVISOR_IPC_SESSION=" SESSION, NULL };
    svipc_socket* supervisor = NULL;
    svipc_status status = svipc_spawn(FLOW_C_CHILD_PATH, argv, envp, -1, NULL, &supervisor, pid);
    CHECK(dup2(saved_stdout, 1) == 1);
    close(saved_stdout);
    CHECK_STATUS(status, SVIPC_OK);
    return supervisor;
}

static void serve_child(run* r, svipc_socket* supervisor, int32_t pid, int response_first)
{
    static uint8_t storage[SVIPC_MAX_PAYLOAD];
    svipc_message m;
    const char* roots[] = { r->directory };

    /* 1: the allowed file, granted with a descriptor: svipc_grant sends it first, as the reference does. */
    receive_canonical(supervisor, &m, storage);
    expect_request(&m, r->allowed, "show the demo file", pid);
    if (!response_first)
    {
        svipc_status opened = SVIPC_SYSTEM_ERROR;
        CHECK_STATUS(svipc_grant(supervisor, &m.as.request, roots, 1, &opened), SVIPC_OK);
        CHECK_STATUS(opened, SVIPC_OK);
    }
    else
    {
        int file = open(r->allowed, O_RDONLY | O_CLOEXEC);
        CHECK(file >= 0);
        svipc_response granted;
        memset(&granted, 0, sizeof(granted));
        granted.kind = SVIPC_RESPONSE_DECISION;
        granted.as.decision.request_id = m.as.request.request_id;
        granted.as.decision.decision.kind = SVIPC_DECISION_GRANTED;
        CHECK_STATUS(svipc_send_response(supervisor, &granted), SVIPC_OK);
        CHECK_STATUS(svipc_send_fd(supervisor, file), SVIPC_OK);
        close(file);
    }

    /* 2: the denied file. */
    receive_canonical(supervisor, &m, storage);
    expect_request(&m, r->denied, "read a secret", pid);
    CHECK_STATUS(svipc_deny(supervisor, m.as.request.request_id, "not in the policy"), SVIPC_OK);

    /* 3: the URL. */
    receive_canonical(supervisor, &m, storage);
    CHECK(m.kind == SVIPC_MESSAGE_OPEN_URL && text_is(m.as.open_url.url, URL));
    CHECK(m.as.open_url.child_pid == (uint32_t)pid && text_is(m.as.open_url.session_id, SESSION));
    CHECK_STATUS(svipc_answer_url(supervisor, m.as.open_url.request_id, 1, NULL), SVIPC_OK);

    uint8_t buffer[16];
    uint32_t received = 0;
    CHECK_STATUS(svipc_recv_frame(supervisor, buffer, sizeof(buffer), &received), SVIPC_CLOSED);
}

static void check_output(const run* r, int32_t pid)
{
    char text[4096];
    int fd = open(r->output, O_RDONLY | O_CLOEXEC);
    CHECK(fd >= 0);
    ssize_t count = read(fd, text, sizeof(text) - 1);
    close(fd);
    CHECK(count > 0);
    text[count] = '\0';
    printf("child output:\n%s", text);
    char line[1024];
    snprintf(line, sizeof(line), "[c-child %d] open descriptors: 0 1 2 3\n", (int)pid);
    CHECK(strstr(text, line) != NULL);
    snprintf(line, sizeof(line), "[c-child %d] granted %s, first line: the first line of the allowed file\n", (int)pid,
             r->allowed);
    CHECK(strstr(text, line) != NULL);
    snprintf(line, sizeof(line), "[c-child %d] denied %s: not in the policy\n", (int)pid, r->denied);
    CHECK(strstr(text, line) != NULL);
    snprintf(line, sizeof(line), "[c-child %d] URL opened: %s\n", (int)pid, URL);
    CHECK(strstr(text, line) != NULL);
}

static int whole_flow(int response_first)
{
    run r;
    flow_make_temp_dir(r.directory, sizeof(r.directory));
    snprintf(r.allowed, sizeof(r.allowed), "%s/allowed.txt", r.directory);
    snprintf(r.denied, sizeof(r.denied), "%s/secret.txt", r.directory);
    snprintf(r.output, sizeof(r.output), "%s/child-output.txt", r.directory);
    flow_write_file(r.allowed, "the first line of the allowed file\nthe second line\n");
    flow_write_file(r.denied, "secret\n");

    int before = flow_count_fds();
    int32_t pid = -1;
    svipc_socket* supervisor = start_child(&r, &pid);
    serve_child(&r, supervisor, pid, response_first);
    svipc_child_exit exit_status;
    CHECK_STATUS(svipc_wait_child(pid, 10000, &exit_status), SVIPC_OK);
    CHECK(exit_status.exit_code == 0);
    svipc_close(supervisor);
    CHECK(flow_count_fds() == before);
    check_output(&r, pid);
    flow_remove_temp_dir(r.directory);
    return 0;
}

static int descriptor_then_response(void)
{
    return whole_flow(0);
}

static int response_then_descriptor(void)
{
    return whole_flow(1);
}

int main(int argc, char** argv)
{
    static const flow_case cases[] = {
        { "descriptor_then_response", descriptor_then_response },
        { "response_then_descriptor", response_then_descriptor },
    };
    return flow_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
