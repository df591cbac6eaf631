/*
 * Typed messages on sockets: the codec's API contract (size query, refusals),
 * svipc_send_message / svipc_recv_message, the child's svipc_request_access and
 * svipc_open_url against a supervisor thread using svipc_recv_message and the
 * answer helpers (svipc_grant, svipc_deny, svipc_answer_url), both orders of
 * descriptor and decision, skipped stale answers, wrong answers, timeouts, and
 * descriptor accounting.
 *
 *   test_message_socket [case]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "../support/svipc_test_check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int text_is(svipc_string text, const char* expected)
{
    return text.data != NULL && text.length == strlen(expected) && memcmp(text.data, expected, text.length) == 0;
}

static int count_fds(void)
{
    int count = 0;
    for (int fd = 0; fd < 1024; fd++)
    {
        if (fcntl(fd, F_GETFD) >= 0)
        {
            count++;
        }
    }
    return count;
}

/* A scratch directory with allowed/secret.txt inside and outside.txt next to it. */
typedef struct scratch
{
    char root[128];
    char allowed_dir[160];
    char inside[192];
    char outside[192];
} scratch;

static void make_scratch(scratch* s)
{
    /* Under TMPDIR (./build.sh test gives each run its own and fails it on leftovers), kept short for sun_path. */
    const char* base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0' || strlen(base) > 40)
    {
        base = "/tmp";
    }
    CHECK(snprintf(s->root, sizeof(s->root), "%s/svipc-messages-XXXXXX", base) < (int)sizeof(s->root));
    CHECK(mkdtemp(s->root) != NULL);
    snprintf(s->allowed_dir, sizeof(s->allowed_dir), "%s/allowed", s->root);
    CHECK(mkdir(s->allowed_dir, 0700) == 0);
    snprintf(s->inside, sizeof(s->inside), "%s/file.txt", s->allowed_dir);
    snprintf(s->outside, sizeof(s->outside), "%s/outside.txt", s->root);
    FILE* f = fopen(s->inside, "w");
    CHECK(f != NULL && fputs("granted content\n", f) >= 0 && fclose(f) == 0);
    f = fopen(s->outside, "w");
    CHECK(f != NULL && fputs("secret\n", f) >= 0 && fclose(f) == 0);
}

static void remove_scratch(const scratch* s)
{
    unlink(s->inside);
    unlink(s->outside);
    rmdir(s->allowed_dir);
    rmdir(s->root);
}

/* ---- codec API ----------------------------------------------------------------------------- */

static svipc_string str(const char* text)
{
    svipc_string s = { text, (uint32_t)strlen(text) };
    return s;
}

static svipc_message sample_request(void)
{
    svipc_message m;
    memset(&m, 0, sizeof(m));
    m.kind = SVIPC_MESSAGE_REQUEST;
    m.as.request.request_id = str("req-001");
    m.as.request.path = str("/tmp/test");
    m.as.request.access = SVIPC_ACCESS_READ;
    m.as.request.reason = str("test access");
    m.as.request.child_pid = 12345;
    m.as.request.session_id = str("sess-001");
    return m;
}

static void encode_api(void)
{
    static const char expected[] = "{\"Request\":{\"request_id\":\"req-001\",\"path\":\"/tmp/test\",\"access\":\"Read\","
                                   "\"reason\":\"test access\",\"child_pid\":12345,\"session_id\":\"sess-001\"}}";
    svipc_message m = sample_request();
    uint32_t length = 0;
    /* Size query: no buffer, the size comes back. */
    CHECK_STATUS(svipc_encode_message(&m, NULL, 0, &length), SVIPC_BUFFER_TOO_SMALL);
    CHECK(length == sizeof(expected) - 1);
    uint8_t buffer[512];
    CHECK_STATUS(svipc_encode_message(&m, buffer, 10, &length), SVIPC_BUFFER_TOO_SMALL);
    CHECK(length == sizeof(expected) - 1);
    CHECK_STATUS(svipc_encode_message(&m, buffer, length, &length), SVIPC_OK);
    CHECK(memcmp(buffer, expected, length) == 0);

    /* Strings with NUL, quotes and control bytes are escaped as serde_json does; NUL-containing strings are fine. */
    svipc_string nul = { "a\0b\"\x01\x7f", 6 };
    m.as.request.path = nul;
    m.as.request.reason.data = NULL;
    CHECK_STATUS(svipc_encode_message(&m, buffer, sizeof(buffer), &length), SVIPC_OK);
    CHECK(strstr((const char*)buffer, "\"path\":\"a\\u0000b\\\"\\u0001\x7f\",\"access\":\"Read\",\"reason\":null") != NULL);

    /* Refusals: invalid UTF-8, NULL with a length, bad access, bad kind, too large for a frame. */
    svipc_string invalid = { "\xed\xa0\x80", 3 };
    m.as.request.path = invalid;
    CHECK_STATUS(svipc_encode_message(&m, buffer, sizeof(buffer), &length), SVIPC_INVALID_ARGUMENT);
    svipc_string dangling = { NULL, 3 };
    m.as.request.path = dangling;
    CHECK_STATUS(svipc_encode_message(&m, buffer, sizeof(buffer), &length), SVIPC_INVALID_ARGUMENT);
    m = sample_request();
    m.as.request.access = 3;
    CHECK_STATUS(svipc_encode_message(&m, buffer, sizeof(buffer), &length), SVIPC_INVALID_ARGUMENT);
    m = sample_request();
    m.kind = 2;
    CHECK_STATUS(svipc_encode_message(&m, buffer, sizeof(buffer), &length), SVIPC_INVALID_ARGUMENT);
    m = sample_request();
    static char big[SVIPC_MAX_PAYLOAD];
    memset(big, 'a', sizeof(big));
    svipc_string huge = { big, sizeof(big) };
    m.as.request.path = huge;
    CHECK_STATUS(svipc_encode_message(&m, NULL, 0, &length), SVIPC_TOO_LARGE);
    /* Control bytes grow sixfold when escaped: still refused, never overflowing the count. */
    memset(big, 1, sizeof(big));
    CHECK_STATUS(svipc_encode_message(&m, NULL, 0, &length), SVIPC_TOO_LARGE);

    svipc_response r;
    memset(&r, 0, sizeof(r));
    r.kind = SVIPC_RESPONSE_URL_OPENED;
    r.as.url_opened.request_id = str("u");
    r.as.url_opened.success = 2;
    CHECK_STATUS(svipc_encode_response(&r, buffer, sizeof(buffer), &length), SVIPC_INVALID_ARGUMENT);
    r.as.url_opened.success = 1;
    CHECK_STATUS(svipc_encode_response(&r, buffer, sizeof(buffer), &length), SVIPC_OK);
    CHECK(length == strlen("{\"UrlOpened\":{\"request_id\":\"u\",\"success\":true,\"error\":null}}"));
    CHECK_STATUS(svipc_encode_response(NULL, buffer, sizeof(buffer), &length), SVIPC_INVALID_ARGUMENT);
}

static void decode_api(void)
{
    char payload[] = "{\"Decision\":{\"request_id\":\"r\\u00e9\",\"decision\":{\"Denied\":{\"reason\":\"no\\nway\"}}}}";
    svipc_response r;
    svipc_format_error error = { 99, 99 };
    CHECK_STATUS(svipc_decode_response((uint8_t*)payload, (uint32_t)strlen(payload), &r, &error), SVIPC_OK);
    CHECK(r.kind == SVIPC_RESPONSE_DECISION && text_is(r.as.decision.request_id, "r\xc3\xa9"));
    CHECK(r.as.decision.decision.kind == SVIPC_DECISION_DENIED && text_is(r.as.decision.decision.reason, "no\nway"));
    /* Decoded in place: the strings point into the payload. */
    CHECK(r.as.decision.request_id.data > payload && r.as.decision.request_id.data < payload + sizeof(payload));

    char bad[] = "{\"Decision\":{\"request_id\":\"r\",\"decision\":\"Maybe\"}}";
    CHECK_STATUS(svipc_decode_response((uint8_t*)bad, (uint32_t)strlen(bad), &r, &error), SVIPC_MALFORMED_MESSAGE);
    CHECK(error.kind == SVIPC_FORMAT_UNKNOWN_VARIANT && error.offset == 41);
    CHECK(strcmp(svipc_format_error_message(error.kind), "unknown enum variant") == 0);
    char pid[] = "{\"OpenUrl\":{\"request_id\":\"u\",\"url\":\"x\",\"child_pid\":-5,\"session_id\":\"s\"}}";
    svipc_message m;
    CHECK_STATUS(svipc_decode_message((uint8_t*)pid, (uint32_t)strlen(pid), &m, &error), SVIPC_MALFORMED_MESSAGE);
    CHECK(error.kind == SVIPC_FORMAT_OUT_OF_RANGE && error.offset == 51);
    char trailing[] = "{\"Decision\":{\"request_id\":\"r\",\"decision\":\"Granted\"}} x";
    CHECK_STATUS(svipc_decode_response((uint8_t*)trailing, (uint32_t)strlen(trailing), &r, &error), SVIPC_MALFORMED_MESSAGE);
    CHECK(error.kind == SVIPC_FORMAT_TRAILING_DATA && error.offset == 53);
    /* A refused payload leaves the output alone; the error may be NULL. */
    r.kind = 42;
    CHECK_STATUS(svipc_decode_response((uint8_t*)bad, 3, &r, NULL), SVIPC_MALFORMED_MESSAGE);
    CHECK(r.kind == 42);
    static uint8_t too_long[SVIPC_MAX_PAYLOAD + 1];
    CHECK_STATUS(svipc_decode_response(too_long, sizeof(too_long), &r, NULL), SVIPC_TOO_LARGE);
    CHECK_STATUS(svipc_decode_response(NULL, 1, &r, NULL), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_decode_response(NULL, 0, &r, &error), SVIPC_MALFORMED_MESSAGE);
    CHECK(error.kind == SVIPC_FORMAT_UNEXPECTED_END && error.offset == 0);
}

/* ---- messages on a pair -------------------------------------------------------------------- */

static void send_and_receive(void)
{
    svipc_socket *supervisor, *child;
    CHECK_STATUS(svipc_pair(&supervisor, &child), SVIPC_OK);
    svipc_message m = sample_request();
    CHECK_STATUS(svipc_send_message(child, &m), SVIPC_OK);
    /* A malformed frame in between is refused and the stream stays in step. */
    CHECK_STATUS(svipc_send_frame(child, (const uint8_t*)"{\"Request\":1}", 13), SVIPC_OK);
    m.kind = SVIPC_MESSAGE_OPEN_URL;
    memset(&m.as, 0, sizeof(m.as));
    m.as.open_url.request_id = str("u");
    m.as.open_url.url = str("https://example.com/?a=\"b\"");
    m.as.open_url.child_pid = 1;
    CHECK_STATUS(svipc_send_message(child, &m), SVIPC_OK);

    svipc_message got;
    CHECK_STATUS(svipc_recv_message(supervisor, &got, NULL), SVIPC_OK);
    CHECK(got.kind == SVIPC_MESSAGE_REQUEST && text_is(got.as.request.path, "/tmp/test") &&
          text_is(got.as.request.reason, "test access") && got.as.request.child_pid == 12345);
    svipc_format_error error;
    CHECK_STATUS(svipc_recv_message(supervisor, &got, &error), SVIPC_MALFORMED_MESSAGE);
    CHECK(error.kind == SVIPC_FORMAT_WRONG_SHAPE && error.offset == 11);
    CHECK_STATUS(svipc_recv_message(supervisor, &got, NULL), SVIPC_OK);
    CHECK(got.kind == SVIPC_MESSAGE_OPEN_URL && text_is(got.as.open_url.url, "https://example.com/?a=\"b\"") &&
          got.as.open_url.session_id.length == 0);

    /* Responses, and the end of the stream. */
    CHECK_STATUS(svipc_deny(supervisor, str("r1"), "not \"there\""), SVIPC_OK);
    CHECK_STATUS(svipc_answer_timeout(supervisor, str("r2")), SVIPC_OK);
    CHECK_STATUS(svipc_answer_url(supervisor, str("r3"), 0, "blocked"), SVIPC_OK);
    svipc_close(supervisor);
    svipc_response r;
    CHECK_STATUS(svipc_recv_response(child, &r, NULL), SVIPC_OK);
    CHECK(r.kind == SVIPC_RESPONSE_DECISION && r.as.decision.decision.kind == SVIPC_DECISION_DENIED &&
          text_is(r.as.decision.decision.reason, "not \"there\""));
    CHECK_STATUS(svipc_recv_response(child, &r, NULL), SVIPC_OK);
    CHECK(r.as.decision.decision.kind == SVIPC_DECISION_TIMEOUT && text_is(r.as.decision.request_id, "r2"));
    CHECK_STATUS(svipc_recv_response(child, &r, NULL), SVIPC_OK);
    CHECK(r.kind == SVIPC_RESPONSE_URL_OPENED && r.as.url_opened.success == 0 && text_is(r.as.url_opened.error, "blocked"));
    CHECK_STATUS(svipc_recv_response(child, &r, NULL), SVIPC_CLOSED);
    svipc_close(child);
}

/* ---- the child's calls against a supervisor thread ----------------------------------------- */

typedef enum behaviour
{
    GRANT,              /* svipc_grant: descriptor, then decision */
    DECISION_FIRST,     /* Decision Granted, then the descriptor */
    DENY,
    STALE_THEN_GRANT,   /* a granted answer to another id (with a descriptor), then the real grant */
    ANSWER_WITH_URL,    /* a UrlOpened answers a file request */
    GRANT_NO_FD,        /* Decision Granted without a descriptor, then close */
    SILENT,             /* never answers */
    URL_OK,
    URL_FAILED,
} behaviour;

typedef struct supervisor_run
{
    svipc_socket* socket;
    behaviour how;
    const scratch* files;
    svipc_message received; /* copied fields checked by the test */
    char path[256];
    char reason[64];
    char session[64];
    int had_reason;
    svipc_status open_status;
} supervisor_run;

static void copy_text(char* out, size_t capacity, svipc_string text)
{
    size_t n = text.length < capacity - 1 ? text.length : capacity - 1;
    if (n != 0)
    {
        memcpy(out, text.data, n);
    }
    out[n] = '\0';
}

static void* supervise(void* argument)
{
    supervisor_run* run = argument;
    svipc_message m;
    CHECK_STATUS(svipc_recv_message(run->socket, &m, NULL), SVIPC_OK);
    run->received = m;
    svipc_string id;
    if (m.kind == SVIPC_MESSAGE_REQUEST)
    {
        id = m.as.request.request_id;
        copy_text(run->path, sizeof(run->path), m.as.request.path);
        copy_text(run->session, sizeof(run->session), m.as.request.session_id);
        run->had_reason = m.as.request.reason.data != NULL;
        copy_text(run->reason, sizeof(run->reason), m.as.request.reason);
    }
    else
    {
        id = m.as.open_url.request_id;
        copy_text(run->path, sizeof(run->path), m.as.open_url.url);
        copy_text(run->session, sizeof(run->session), m.as.open_url.session_id);
    }
    const char* roots[] = { run->files != NULL ? run->files->allowed_dir : "/" };
    svipc_response r;
    memset(&r, 0, sizeof(r));
    int fd;
    switch (run->how)
    {
        case GRANT:
            CHECK_STATUS(svipc_grant(run->socket, &m.as.request, roots, 1, &run->open_status), SVIPC_OK);
            break;
        case DECISION_FIRST:
            fd = open(run->files->inside, O_RDONLY | O_CLOEXEC);
            CHECK(fd >= 0);
            r.kind = SVIPC_RESPONSE_DECISION;
            r.as.decision.request_id = id;
            r.as.decision.decision.kind = SVIPC_DECISION_GRANTED;
            CHECK_STATUS(svipc_send_response(run->socket, &r), SVIPC_OK);
            CHECK_STATUS(svipc_send_fd(run->socket, fd), SVIPC_OK);
            close(fd);
            break;
        case DENY:
            CHECK_STATUS(svipc_deny(run->socket, id, "policy says no"), SVIPC_OK);
            break;
        case STALE_THEN_GRANT:
            fd = open(run->files->outside, O_RDONLY | O_CLOEXEC);
            CHECK(fd >= 0);
            CHECK_STATUS(svipc_send_fd(run->socket, fd), SVIPC_OK);
            close(fd);
            r.kind = SVIPC_RESPONSE_DECISION;
            r.as.decision.request_id = str("c-abandoned");
            r.as.decision.decision.kind = SVIPC_DECISION_GRANTED;
            CHECK_STATUS(svipc_send_response(run->socket, &r), SVIPC_OK);
            CHECK_STATUS(svipc_answer_url(run->socket, str("c-other"), 1, NULL), SVIPC_OK);
            CHECK_STATUS(svipc_grant(run->socket, &m.as.request, roots, 1, &run->open_status), SVIPC_OK);
            break;
        case ANSWER_WITH_URL:
        case URL_OK:
            CHECK_STATUS(svipc_answer_url(run->socket, id, 1, NULL), SVIPC_OK);
            break;
        case URL_FAILED:
            CHECK_STATUS(svipc_answer_url(run->socket, id, 0, "no browser"), SVIPC_OK);
            break;
        case GRANT_NO_FD:
            r.kind = SVIPC_RESPONSE_DECISION;
            r.as.decision.request_id = id;
            r.as.decision.decision.kind = SVIPC_DECISION_GRANTED;
            CHECK_STATUS(svipc_send_response(run->socket, &r), SVIPC_OK);
            CHECK_STATUS(svipc_shutdown(run->socket), SVIPC_OK);
            break;
        case SILENT:
            break;
    }
    return NULL;
}

static void start(supervisor_run* run, pthread_t* thread, svipc_socket** child, behaviour how, const scratch* files)
{
    memset(run, 0, sizeof(*run));
    run->how = how;
    run->files = files;
    CHECK_STATUS(svipc_pair(&run->socket, child), SVIPC_OK);
    CHECK(pthread_create(thread, NULL, supervise, run) == 0);
}

static void finish(supervisor_run* run, pthread_t thread, svipc_socket* child)
{
    CHECK(pthread_join(thread, NULL) == 0);
    svipc_close(run->socket);
    svipc_close(child);
}

static void read_granted(int32_t fd, const char* expected)
{
    char text[64] = { 0 };
    CHECK(fd >= 0 && (fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0);
    CHECK(read(fd, text, sizeof(text) - 1) == (ssize_t)strlen(expected) && strcmp(text, expected) == 0);
    close(fd);
}

static void request_access_grants(void)
{
    scratch files;
    make_scratch(&files);
    int before = count_fds();
    static const behaviour orders[] = { GRANT, DECISION_FIRST, STALE_THEN_GRANT };
    for (size_t i = 0; i < sizeof(orders) / sizeof(orders[0]); i++)
    {
        supervisor_run run;
        pthread_t thread;
        svipc_socket* child;
        start(&run, &thread, &child, orders[i], &files);
        int32_t fd = -1;
        svipc_decision decision;
        CHECK_STATUS(svipc_request_access(child, files.inside, SVIPC_ACCESS_READ, "show it", "sess-1", 5000, &fd, &decision),
                     SVIPC_OK);
        CHECK(decision.kind == SVIPC_DECISION_GRANTED);
        read_granted(fd, "granted content\n");
        finish(&run, thread, child);
        CHECK(strcmp(run.path, files.inside) == 0 && strcmp(run.session, "sess-1") == 0);
        CHECK(run.had_reason && strcmp(run.reason, "show it") == 0);
        CHECK(run.received.as.request.child_pid == (uint32_t)getpid());
        CHECK(run.received.as.request.access == SVIPC_ACCESS_READ);
        CHECK(run.open_status == SVIPC_OK);
    }
    /* The stale grant's descriptor was closed, the supervisor's copies too. */
    CHECK(count_fds() == before);
    remove_scratch(&files);
}

static void request_access_denials(void)
{
    scratch files;
    make_scratch(&files);
    int before = count_fds();
    supervisor_run run;
    pthread_t thread;
    svipc_socket* child;
    int32_t fd = 77;
    svipc_decision decision;

    start(&run, &thread, &child, DENY, &files);
    CHECK_STATUS(svipc_request_access(child, files.inside, SVIPC_ACCESS_WRITE, NULL, NULL, SVIPC_INFINITE_TIMEOUT, &fd, &decision),
                 SVIPC_OK);
    CHECK(fd == -1 && decision.kind == SVIPC_DECISION_DENIED && text_is(decision.reason, "policy says no"));
    finish(&run, thread, child);
    CHECK(!run.had_reason && run.session[0] == '\0' && run.received.as.request.access == SVIPC_ACCESS_WRITE);

    /* svipc_grant on a path outside the roots denies, naming why, and reports the open's status. */
    start(&run, &thread, &child, GRANT, &files);
    CHECK_STATUS(svipc_request_access(child, files.outside, SVIPC_ACCESS_READ, NULL, "s", 5000, &fd, &decision), SVIPC_OK);
    CHECK(fd == -1 && decision.kind == SVIPC_DECISION_DENIED && decision.reason.length > 0);
    finish(&run, thread, child);
    CHECK(run.open_status == SVIPC_NOT_CONFINED);

    /* A missing file: the open's errno becomes the reason. */
    char missing[256];
    snprintf(missing, sizeof(missing), "%s/none", files.allowed_dir);
    start(&run, &thread, &child, GRANT, &files);
    CHECK_STATUS(svipc_request_access(child, missing, SVIPC_ACCESS_READ, NULL, "s", 5000, &fd, &decision), SVIPC_OK);
    CHECK(decision.kind == SVIPC_DECISION_DENIED && memmem(decision.reason.data, decision.reason.length, "No such file", 12) != NULL);
    finish(&run, thread, child);
    CHECK(run.open_status == SVIPC_SYSTEM_ERROR);
    CHECK(count_fds() == before);
    remove_scratch(&files);
}

static void request_access_wrong_answers(void)
{
    supervisor_run run;
    pthread_t thread;
    svipc_socket* child;
    int32_t fd = 77;
    svipc_decision decision;

    start(&run, &thread, &child, ANSWER_WITH_URL, NULL);
    CHECK_STATUS(svipc_request_access(child, "/x", SVIPC_ACCESS_READ, NULL, "s", 5000, &fd, &decision), SVIPC_PROTOCOL_VIOLATION);
    CHECK(fd == 77);
    finish(&run, thread, child);

    start(&run, &thread, &child, GRANT_NO_FD, NULL);
    svipc_status status = svipc_request_access(child, "/x", SVIPC_ACCESS_READ, NULL, "s", 5000, &fd, &decision);
    CHECK(status == SVIPC_PROTOCOL_VIOLATION || status == SVIPC_CLOSED);
    finish(&run, thread, child);

    /* Silence: the timeout ends the wait and the socket's own timeout is back. */
    start(&run, &thread, &child, SILENT, NULL);
    CHECK_STATUS(svipc_set_read_timeout(child, 3000), SVIPC_OK);
    CHECK_STATUS(svipc_request_access(child, "/x", SVIPC_ACCESS_READ, NULL, "s", 50, &fd, &decision), SVIPC_TIMEOUT);
    CHECK(errno == EAGAIN || errno == EWOULDBLOCK);
    int32_t timeout = 0;
    CHECK_STATUS(svipc_get_read_timeout(child, &timeout), SVIPC_OK);
    CHECK(timeout >= 3000 && timeout < 3100);
    finish(&run, thread, child);

    /* Arguments. */
    CHECK_STATUS(svipc_request_access(NULL, "/x", SVIPC_ACCESS_READ, NULL, NULL, 10, &fd, &decision), SVIPC_INVALID_ARGUMENT);
    svipc_socket *a, *b;
    CHECK_STATUS(svipc_pair(&a, &b), SVIPC_OK);
    CHECK_STATUS(svipc_request_access(a, NULL, SVIPC_ACCESS_READ, NULL, NULL, 10, &fd, &decision), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_request_access(a, "/x", 3, NULL, NULL, 10, &fd, &decision), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_request_access(a, "/x", SVIPC_ACCESS_READ, NULL, NULL, 0, &fd, &decision), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_request_access(a, "\xff", SVIPC_ACCESS_READ, NULL, NULL, 10, &fd, &decision), SVIPC_INVALID_ARGUMENT);
    CHECK_STATUS(svipc_open_url(a, "https://x", NULL, -2, &fd, NULL), SVIPC_INVALID_ARGUMENT);
    svipc_close(a);
    svipc_close(b);
}

static void open_url_answers(void)
{
    supervisor_run run;
    pthread_t thread;
    svipc_socket* child;
    int32_t success = -1;
    svipc_string error = { "x", 1 };

    start(&run, &thread, &child, URL_OK, NULL);
    CHECK_STATUS(svipc_open_url(child, "https://example.com/cb?x=<1>", "sess", 5000, &success, &error), SVIPC_OK);
    CHECK(success == 1 && error.data == NULL);
    finish(&run, thread, child);
    CHECK(strcmp(run.path, "https://example.com/cb?x=<1>") == 0 && run.received.kind == SVIPC_MESSAGE_OPEN_URL);
    CHECK(run.received.as.open_url.child_pid == (uint32_t)getpid());

    start(&run, &thread, &child, URL_FAILED, NULL);
    CHECK_STATUS(svipc_open_url(child, "https://example.com", NULL, SVIPC_INFINITE_TIMEOUT, &success, &error), SVIPC_OK);
    CHECK(success == 0 && text_is(error, "no browser"));
    finish(&run, thread, child);

    start(&run, &thread, &child, DENY, NULL);
    CHECK_STATUS(svipc_open_url(child, "https://example.com", NULL, 5000, &success, NULL), SVIPC_PROTOCOL_VIOLATION);
    finish(&run, thread, child);
}

static void request_ids_are_fresh(void)
{
    /* Two requests from one process never share an id (a late answer must not match a new request). */
    svipc_socket *supervisor, *child;
    CHECK_STATUS(svipc_pair(&supervisor, &child), SVIPC_OK);
    CHECK_STATUS(svipc_set_read_timeout(child, 20), SVIPC_OK);
    int32_t fd;
    svipc_decision decision;
    char first[64];
    for (int i = 0; i < 2; i++)
    {
        CHECK_STATUS(svipc_request_access(child, "/x", SVIPC_ACCESS_READ, NULL, NULL, 20, &fd, &decision), SVIPC_TIMEOUT);
        svipc_message m;
        CHECK_STATUS(svipc_recv_message(supervisor, &m, NULL), SVIPC_OK);
        CHECK(m.as.request.request_id.length == 34 && memcmp(m.as.request.request_id.data, "c-", 2) == 0);
        if (i == 0)
        {
            copy_text(first, sizeof(first), m.as.request.request_id);
        }
        else
        {
            CHECK(!text_is(m.as.request.request_id, first));
        }
    }
    svipc_close(supervisor);
    svipc_close(child);
}

int main(int argc, char** argv)
{
    static const struct
    {
        const char* name;
        void (*run)(void);
    } cases[] = {
        { "encode_api", encode_api },
        { "decode_api", decode_api },
        { "send_and_receive", send_and_receive },
        { "request_access_grants", request_access_grants },
        { "request_access_denials", request_access_denials },
        { "request_access_wrong_answers", request_access_wrong_answers },
        { "open_url_answers", open_url_answers },
        { "request_ids_are_fresh", request_ids_are_fresh },
    };
    int ran = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    {
        if (argc < 2 || strcmp(argv[1], cases[i].name) == 0)
        {
            cases[i].run();
            printf("ok %s\n", cases[i].name);
            ran++;
        }
    }
    CHECK(ran > 0);
    return 0;
}
