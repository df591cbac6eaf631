/*
 * The C codec against the conformance corpus (tests/conformance): every case is
 * decoded in its direction and must get the corpus's verdict; an accepted one
 * must re-encode to the corpus's bytes, and that encoding must decode and
 * re-encode to itself. The reference frames (wire-vectors.tsv) must decode and
 * re-encode to themselves, and be refused in the other direction.
 *
 *   test_conformance <decode-cases.tsv> <wire-vectors.tsv>
 */
#include "../support/svipc_test_check.h"
#include "corpus_file.h"

#include <string.h>

static int failures;

/* Decodes payload (a private copy: decoding rewrites it) and, if accepted, re-encodes it into out. */
static svipc_status decode_and_encode(int is_message, const uint8_t* payload, uint32_t length, uint8_t* out,
                                      uint32_t* out_length, svipc_format_error* error)
{
    uint8_t* copy = malloc(length + 1u);
    CHECK(copy != NULL);
    if (length != 0)
    {
        memcpy(copy, payload, length);
    }
    svipc_status status;
    if (is_message)
    {
        svipc_message message;
        status = svipc_decode_message(copy, length, &message, error);
        if (status == SVIPC_OK)
        {
            CHECK_STATUS(svipc_encode_message(&message, out, SVIPC_MAX_PAYLOAD, out_length), SVIPC_OK);
        }
    }
    else
    {
        svipc_response response;
        status = svipc_decode_response(copy, length, &response, error);
        if (status == SVIPC_OK)
        {
            CHECK_STATUS(svipc_encode_response(&response, out, SVIPC_MAX_PAYLOAD, out_length), SVIPC_OK);
        }
    }
    free(copy);
    return status;
}

static void report(const char* name, const char* what)
{
    fprintf(stderr, "MISMATCH %s: %s\n", name, what);
    failures++;
}

static void run_case(const char* direction, const char* verdict, const char* name, const char* payload_column,
                     const char* encoding_column)
{
    int is_message = strcmp(direction, "message") == 0;
    CHECK(is_message || strcmp(direction, "response") == 0);
    uint32_t length;
    uint8_t* payload = corpus_unescape(payload_column, &length);
    static uint8_t encoded[SVIPC_MAX_PAYLOAD];
    uint32_t encoded_length = 0;
    svipc_format_error error = { 0, 0 };
    svipc_status status = decode_and_encode(is_message, payload, length, encoded, &encoded_length, &error);
    if (strcmp(verdict, "reject") == 0)
    {
        if (status != SVIPC_MALFORMED_MESSAGE)
        {
            report(name, "accepted, the corpus says reject");
        }
        else if (error.kind < SVIPC_FORMAT_NOT_JSON || error.kind > SVIPC_FORMAT_TOO_MANY_FIELDS || error.offset > length)
        {
            report(name, "refused without a valid error kind and offset");
        }
    }
    else
    {
        CHECK(strcmp(verdict, "accept") == 0);
        uint32_t expected_length;
        uint8_t* expected = corpus_unescape(encoding_column, &expected_length);
        if (status != SVIPC_OK)
        {
            fprintf(stderr, "  (%s at offset %u)\n", svipc_format_error_message(error.kind), error.offset);
            report(name, "refused, the corpus says accept");
        }
        else if (encoded_length != expected_length || memcmp(encoded, expected, expected_length) != 0)
        {
            fprintf(stderr, "  got      %.*s\n  expected %.*s\n", (int)encoded_length, (const char*)encoded,
                    (int)expected_length, (const char*)expected);
            report(name, "re-encoding differs");
        }
        else
        {
            static uint8_t again[SVIPC_MAX_PAYLOAD];
            uint32_t again_length = 0;
            if (decode_and_encode(is_message, encoded, encoded_length, again, &again_length, NULL) != SVIPC_OK ||
                again_length != encoded_length || memcmp(again, encoded, encoded_length) != 0)
            {
                report(name, "the re-encoding does not round-trip");
            }
        }
        free(expected);
    }
    free(payload);
}

int main(int argc, char** argv)
{
    if (argc != 3)
    {
        fprintf(stderr, "usage: %s <decode-cases.tsv> <wire-vectors.tsv>\n", argv[0]);
        return 2;
    }
    corpus_file cases;
    corpus_open(&cases, argv[1]);
    char* columns[CORPUS_MAX_COLUMNS];
    int count, total = 0;
    while ((count = corpus_next_line(&cases, columns)) != 0)
    {
        CHECK(count == 5);
        run_case(columns[0], columns[1], columns[2], columns[3], columns[4]);
        total++;
    }
    corpus_close(&cases);
    CHECK(total >= 200);

    corpus_file vectors;
    corpus_open(&vectors, argv[2]);
    int vector_count = 0;
    while ((count = corpus_next_line(&vectors, columns)) != 0)
    {
        CHECK(count == 3);
        /* The reference's frames are raw UTF-8 JSON without tabs, newlines or '%': nothing to unescape. */
        CHECK(strchr(columns[2], '%') == NULL);
        run_case(columns[0], "accept", columns[1], columns[2], columns[2]);
        run_case(strcmp(columns[0], "message") == 0 ? "response" : "message", "reject", columns[1], columns[2], "-");
        vector_count++;
    }
    corpus_close(&vectors);
    CHECK(vector_count == 8);
    printf("%d corpus cases and %d reference frames checked, %d mismatches\n", total, vector_count, failures);
    return failures == 0 ? 0 : 1;
}
