/*
 * The C child's JSON against the reference frames (PROTOCOL.md vectors) and
 * hostile responses: what serde_json accepts is read, what it rejects is refused.
 */
#include "flow_test.h"
#include "wire_json.h"

#include <string.h>

static int parse(const char* json, wire_response* response)
{
    return wire_read_response((const uint8_t*)json, strlen(json), response);
}

static int writes_the_reference_frames(void)
{
    char buffer[1024];
    size_t n = wire_write_request(buffer, sizeof(buffer), "req-001", "/tmp/test", WIRE_ACCESS_READ, "test access",
                                  12345, "sess-001");
    const char* request_read = "{\"Request\":{\"request_id\":\"req-001\",\"path\":\"/tmp/test\",\"access\":\"Read\","
                               "\"reason\":\"test access\",\"child_pid\":12345,\"session_id\":\"sess-001\"}}";
    CHECK(n == strlen(request_read) && memcmp(buffer, request_read, n) == 0);

    n = wire_write_request(buffer, sizeof(buffer), "r2", "/var/log/app.log", WIRE_ACCESS_WRITE, NULL, 1, "");
    const char* request_write = "{\"Request\":{\"request_id\":\"r2\",\"path\":\"/var/log/app.log\",\"access\":\"Write\","
                                "\"reason\":null,\"child_pid\":1,\"session_id\":\"\"}}";
    CHECK(n == strlen(request_write) && memcmp(buffer, request_write, n) == 0);

    n = wire_write_open_url(buffer, sizeof(buffer), "url-001", "https://example.com/oauth?x=1&y=<2>", 12345,
                            "sess-001");
    const char* open_url = "{\"OpenUrl\":{\"request_id\":\"url-001\",\"url\":\"https://example.com/oauth?x=1&y=<2>\","
                           "\"child_pid\":12345,\"session_id\":\"sess-001\"}}";
    CHECK(n == strlen(open_url) && memcmp(buffer, open_url, n) == 0);
    return 0;
}

static int escapes_strings_as_serde_json(void)
{
    char buffer[1024];
    size_t n = wire_write_open_url(buffer, sizeof(buffer), "a\"b\\c", "\b\f\n\r\t\x01\x1f<>&'\xc3\xa9\xf0\x9f\x98\x80",
                                   4294967295u, "s");
    const char* expected = "{\"OpenUrl\":{\"request_id\":\"a\\\"b\\\\c\",\"url\":\"\\b\\f\\n\\r\\t\\u0001\\u001f<>&'"
                           "\xc3\xa9\xf0\x9f\x98\x80\",\"child_pid\":4294967295,\"session_id\":\"s\"}}";
    CHECK(n == strlen(expected) && memcmp(buffer, expected, n) == 0);
    /* Invalid UTF-8 (a lone continuation byte, an encoded surrogate) and overflow are refused, not mangled. */
    CHECK(wire_write_open_url(buffer, sizeof(buffer), "id", "\x80", 1, "s") == 0);
    CHECK(wire_write_open_url(buffer, sizeof(buffer), "id", "\xed\xa0\x80", 1, "s") == 0);
    CHECK(wire_write_open_url(buffer, 20, "id", "https://example.com", 1, "s") == 0);
    return 0;
}

static int reads_the_reference_frames(void)
{
    wire_response r;
    CHECK(parse("{\"Decision\":{\"request_id\":\"req-001\",\"decision\":\"Granted\"}}", &r));
    CHECK(r.kind == WIRE_DECISION_GRANTED && strcmp(r.request_id, "req-001") == 0);
    CHECK(parse("{\"Decision\":{\"request_id\":\"req-002\",\"decision\":{\"Denied\":{\"reason\":\"not allowed\"}}}}", &r));
    CHECK(r.kind == WIRE_DECISION_DENIED && strcmp(r.request_id, "req-002") == 0 && strcmp(r.text, "not allowed") == 0);
    CHECK(parse("{\"Decision\":{\"request_id\":\"req-003\",\"decision\":\"Timeout\"}}", &r));
    CHECK(r.kind == WIRE_DECISION_TIMEOUT);
    CHECK(parse("{\"UrlOpened\":{\"request_id\":\"url-001\",\"success\":true,\"error\":null}}", &r));
    CHECK(r.kind == WIRE_URL_OPENED && r.success == 1 && r.text[0] == '\0');
    CHECK(parse("{\"UrlOpened\":{\"request_id\":\"url-002\",\"success\":false,\"error\":\"origin not allowed\"}}", &r));
    CHECK(r.success == 0 && strcmp(r.text, "origin not allowed") == 0);
    return 0;
}

static int reads_what_serde_json_accepts(void)
{
    wire_response r;
    /* Whitespace, unknown fields (of any shape), field order, a missing optional error, escapes. */
    CHECK(parse(" { \"Decision\" : { \"extra\" : [1, {\"a\": null}, -2.5e3], \"decision\" : \"Granted\" ,"
                " \"request_id\" : \"r\\u00e9\\ud83d\\ude00\" } } ", &r));
    CHECK(strcmp(r.request_id, "r\xc3\xa9\xf0\x9f\x98\x80") == 0);
    CHECK(parse("{\"UrlOpened\":{\"request_id\":\"u\",\"success\":false}}", &r));
    CHECK(r.success == 0 && r.text[0] == '\0');
    CHECK(parse("{\"Decision\":{\"request_id\":\"d\",\"decision\":{\"Denied\":{\"reason\":\"a\\nb\",\"x\":1}}}}", &r));
    CHECK(strcmp(r.text, "a\nb") == 0);
    return 0;
}

static int refuses_what_serde_json_rejects(void)
{
    static const char* bad[] = {
        "",
        "{}",
        "{\"Unknown\":{\"request_id\":\"x\"}}",
        "{\"Decision\":{\"request_id\":\"x\"}}",
        "{\"Decision\":{\"decision\":\"Granted\"}}",
        "{\"Decision\":{\"request_id\":\"x\",\"request_id\":\"y\",\"decision\":\"Granted\"}}",
        "{\"Decision\":{\"request_id\":\"x\",\"decision\":\"Maybe\"}}",
        "{\"Decision\":{\"request_id\":\"x\",\"decision\":\"Denied\"}}",
        "{\"Decision\":{\"request_id\":\"x\",\"decision\":{\"Denied\":{}}}}",
        "{\"Decision\":{\"request_id\":\"x\",\"decision\":{\"Denied\":{\"reason\":1}}}}",
        "{\"Decision\":{\"request_id\":7,\"decision\":\"Granted\"}}",
        "{\"Decision\":{\"request_id\":\"x\",\"decision\":\"Granted\"}} x",
        "{\"Decision\":{\"request_id\":\"x\",\"decision\":\"Granted\"},\"UrlOpened\":{}}",
        "{\"UrlOpened\":{\"request_id\":\"u\",\"success\":\"yes\"}}",
        "{\"UrlOpened\":{\"request_id\":\"u\",\"error\":null}}",
        "{\"Decision\":{\"request_id\":\"\\ud800\",\"decision\":\"Granted\"}}",
        "{\"Decision\":{\"request_id\":\"\\udc00\",\"decision\":\"Granted\"}}",
        "{\"Decision\":{\"request_id\":\"\xff\",\"decision\":\"Granted\"}}",
        "{\"Decision\":{\"request_id\":\"\xc0\xaf\",\"decision\":\"Granted\"}}",
        "{\"Decision\":{\"request_id\":\"a\nb\",\"decision\":\"Granted\"}}",
        "{\"Decision\":{\"request_id\":\"\\x\",\"decision\":\"Granted\"}}",
        "{\"Decision\":{\"request_id\":\"x\",\"decision\":\"Granted\",\"n\":01}}",
        "{\"Decision\":{\"request_id\":\"x\",\"decision\":\"Granted\"",
    };
    wire_response r;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    {
        if (parse(bad[i], &r))
        {
            FLOW_FAIL("accepted %s", bad[i]);
        }
    }
    return 0;
}

static int bounds_nesting_and_length(void)
{
    /* 10,000 nested arrays in an unknown field: refused, without recursing that deep. */
    static char deep[20100];
    const char* head = "{\"Decision\":{\"request_id\":\"x\",\"decision\":\"Granted\",\"n\":";
    size_t used = strlen(head);
    memcpy(deep, head, used);
    for (int i = 0; i < 10000; i++) deep[used++] = '[';
    for (int i = 0; i < 10000; i++) deep[used++] = ']';
    memcpy(deep + used, "}}", 3);
    wire_response r;
    CHECK(!parse(deep, &r));

    /* A reason longer than the reader keeps is refused rather than cut. */
    static char longer[WIRE_MAX_TEXT + 200];
    int n = snprintf(longer, sizeof(longer), "{\"Decision\":{\"request_id\":\"x\",\"decision\":{\"Denied\":{\"reason\":\"");
    memset(longer + n, 'a', WIRE_MAX_TEXT + 1);
    strcpy(longer + n + WIRE_MAX_TEXT + 1, "\"}}}}");
    CHECK(!parse(longer, &r));
    return 0;
}

int main(int argc, char** argv)
{
    static const flow_case cases[] = {
        { "writes_the_reference_frames", writes_the_reference_frames },
        { "escapes_strings_as_serde_json", escapes_strings_as_serde_json },
        { "reads_the_reference_frames", reads_the_reference_frames },
        { "reads_what_serde_json_accepts", reads_what_serde_json_accepts },
        { "refuses_what_serde_json_rejects", refuses_what_serde_json_rejects },
        { "bounds_nesting_and_length", bounds_nesting_and_length },
    };
    return flow_run_cases(argc, argv, cases, sizeof(cases) / sizeof(cases[0]));
}
