/*
 * The whole grant flow across real processes, in C: this test is the
 * supervisor, the demo's C child (samples/c-child) is the child, started with
 * svipc_spawn. It checks the child's messages byte for byte, answers a grant
 * with a real descriptor (in both orders), a denial and a URL, and reads what
 * the child printed.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "flow_test.h"
#include "wire_json.h"

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

static void expect_message(svipc_socket* supervisor, const char* expected, size_t expected_length)
{
    const uint8_t* payload = NULL;
    uint32_t length = 0;
    CHECK_STATUS(svipc_recv_frame_borrowed(supervisor, &payload, &length), SVIPC_OK);
    if (length != expected_length || memcmp(payload, expected, length) != 0)
    {
        FLOW_FAIL("child sent %.*s\nexpected   %.*s", (int)length, (const char*)payload, (int)expected_length, expected);
    }
}

static void send_json(svipc_socket* supervisor, const char* json)
{
    flow_send_text(supervisor, json);
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

    const char* argv[] = { FLOW_C_CHILD_PATH, r->allowed, r->denied, URL, NULL };
    const char* envp[] = { "SUPERVISOR_IPC_SESSION=" SESSION, NULL };
    svipc_socket* supervisor = NULL;
    svipc_status status = svipc_spawn(FLOW_C_CHILD_PATH, argv, envp, -1, NULL, &supervisor, pid);
    CHECK(dup2(saved_stdout, 1) == 1);
    close(saved_stdout);
    CHECK_STATUS(status, SVIPC_OK);
    return supervisor;
}

static void serve_child(run* r, svipc_socket* supervisor, int32_t pid, int response_first)
{
    char expected[4096];
    char request_id[64];
    char response[256];

    /* 1: the allowed file, granted with a descriptor. */
    snprintf(request_id, sizeof(request_id), "c-%d-1", (int)pid);
    size_t length = wire_write_request(expected, sizeof(expected), request_id, r->allowed, WIRE_ACCESS_READ,
                                       "show the demo file", (uint32_t)pid, SESSION);
    CHECK(length > 0);
    expect_message(supervisor, expected, length);
    int file = open(r->allowed, O_RDONLY | O_CLOEXEC);
    CHECK(file >= 0);
    snprintf(response, sizeof(response), "{\"Decision\":{\"request_id\":\"%s\",\"decision\":\"Granted\"}}", request_id);
    if (response_first)
    {
        send_json(supervisor, response);
        CHECK_STATUS(svipc_send_fd(supervisor, file), SVIPC_OK);
    }
    else
    {
        CHECK_STATUS(svipc_send_fd(supervisor, file), SVIPC_OK);
        send_json(supervisor, response);
    }
    close(file);

    /* 2: the denied file. */
    snprintf(request_id, sizeof(request_id), "c-%d-2", (int)pid);
    length = wire_write_request(expected, sizeof(expected), request_id, r->denied, WIRE_ACCESS_READ, "read a secret",
                                (uint32_t)pid, SESSION);
    expect_message(supervisor, expected, length);
    snprintf(response, sizeof(response),
             "{\"Decision\":{\"request_id\":\"%s\",\"decision\":{\"Denied\":{\"reason\":\"not in the policy\"}}}}",
             request_id);
    send_json(supervisor, response);

    /* 3: the URL. */
    snprintf(request_id, sizeof(request_id), "c-%d-3", (int)pid);
    length = wire_write_open_url(expected, sizeof(expected), request_id, URL, (uint32_t)pid, SESSION);
    expect_message(supervisor, expected, length);
    snprintf(response, sizeof(response), "{\"UrlOpened\":{\"request_id\":\"%s\",\"success\":true,\"error\":null}}",
             request_id);
    send_json(supervisor, response);

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
