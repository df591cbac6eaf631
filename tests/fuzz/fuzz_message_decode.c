/*
 * libFuzzer harness over the typed-message decoder (svipc_decode_message and
 * svipc_decode_response) on arbitrary payloads, each decoded in both
 * directions from an exact-size heap copy (so ASan sees any read past the end).
 * Invariants: the only statuses are SVIPC_OK and SVIPC_MALFORMED_MESSAGE; a
 * refusal names a known error kind at an offset inside the payload; an accepted
 * payload's strings lie inside the payload and are valid UTF-8, its values are
 * in range, it re-encodes, and that encoding decodes and re-encodes to itself.
 * The differential check against the managed codec is
 * tests/managed/SupervisorIpc.Tests/Messages/NativeCodecDifferentialTests.cs.
 */
#include "fuzz_script.h"
#include "supervisor_ipc.h"

#include <stdlib.h>
#include <string.h>

static uint8_t encoded[SVIPC_MAX_PAYLOAD];
static uint8_t again[SVIPC_MAX_PAYLOAD];

static int valid_utf8(const uint8_t* s, uint32_t n)
{
    /* Independent of the library's validator: decode each sequence and check its range. */
    uint32_t i = 0;
    while (i < n)
    {
        uint32_t c = s[i], need, min;
        if (c < 0x80) { i++; continue; }
        if ((c & 0xE0) == 0xC0) { need = 1; min = 0x80; c &= 0x1F; }
        else if ((c & 0xF0) == 0xE0) { need = 2; min = 0x800; c &= 0x0F; }
        else if ((c & 0xF8) == 0xF0) { need = 3; min = 0x10000; c &= 0x07; }
        else return 0;
        if (n - i <= need) return 0;
        for (uint32_t k = 1; k <= need; k++)
        {
            if ((s[i + k] & 0xC0) != 0x80) return 0;
            c = (c << 6) | (s[i + k] & 0x3Fu);
        }
        if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
        i += need + 1;
    }
    return 1;
}

static void check_string(const uint8_t* payload, uint32_t size, svipc_string text, int optional)
{
    if (text.data == NULL)
    {
        FUZZ_CHECK(optional && text.length == 0, "a required string is NULL");
        return;
    }
    const uint8_t* start = (const uint8_t*)text.data;
    FUZZ_CHECK(start >= payload && start + text.length <= payload + size, "a string lies outside the payload");
    FUZZ_CHECK(valid_utf8(start, text.length), "a decoded string is not UTF-8");
}

static void check_direction(const uint8_t* data, size_t size, int is_message)
{
    uint8_t* payload = malloc(size == 0 ? 1 : size);
    FUZZ_CHECK(payload != NULL, "malloc");
    memcpy(payload, data, size);
    uint32_t length = (uint32_t)size;
    svipc_format_error error = { 0, 0 };
    svipc_message message;
    svipc_response response;
    svipc_status status = is_message ? svipc_decode_message(payload, length, &message, &error)
                                     : svipc_decode_response(payload, length, &response, &error);
    FUZZ_CHECK(status == SVIPC_OK || status == SVIPC_MALFORMED_MESSAGE, "status %d", (int)status);
    if (status == SVIPC_MALFORMED_MESSAGE)
    {
        FUZZ_CHECK(error.kind >= SVIPC_FORMAT_NOT_JSON && error.kind <= SVIPC_FORMAT_TOO_MANY_FIELDS, "kind %d", error.kind);
        FUZZ_CHECK(error.offset <= length, "offset %u of %u", error.offset, length);
        free(payload);
        return;
    }
    uint32_t encoded_length = 0;
    if (is_message)
    {
        FUZZ_CHECK(message.kind == SVIPC_MESSAGE_REQUEST || message.kind == SVIPC_MESSAGE_OPEN_URL, "message kind");
        if (message.kind == SVIPC_MESSAGE_REQUEST)
        {
            const svipc_capability_request* r = &message.as.request;
            FUZZ_CHECK(r->access >= SVIPC_ACCESS_READ && r->access <= SVIPC_ACCESS_READ_WRITE, "access");
            check_string(payload, length, r->request_id, 0);
            check_string(payload, length, r->path, 0);
            check_string(payload, length, r->reason, 1);
            check_string(payload, length, r->session_id, 0);
        }
        else
        {
            check_string(payload, length, message.as.open_url.request_id, 0);
            check_string(payload, length, message.as.open_url.url, 0);
            check_string(payload, length, message.as.open_url.session_id, 0);
        }
        FUZZ_CHECK(svipc_encode_message(&message, encoded, sizeof(encoded), &encoded_length) == SVIPC_OK, "encode");
    }
    else
    {
        if (response.kind == SVIPC_RESPONSE_DECISION)
        {
            const svipc_decision* d = &response.as.decision.decision;
            FUZZ_CHECK(d->kind >= SVIPC_DECISION_GRANTED && d->kind <= SVIPC_DECISION_TIMEOUT, "decision kind");
            check_string(payload, length, response.as.decision.request_id, 0);
            check_string(payload, length, d->reason, d->kind != SVIPC_DECISION_DENIED);
        }
        else
        {
            FUZZ_CHECK(response.kind == SVIPC_RESPONSE_URL_OPENED, "response kind");
            FUZZ_CHECK(response.as.url_opened.success == 0 || response.as.url_opened.success == 1, "success");
            check_string(payload, length, response.as.url_opened.request_id, 0);
            check_string(payload, length, response.as.url_opened.error, 1);
        }
        FUZZ_CHECK(svipc_encode_response(&response, encoded, sizeof(encoded), &encoded_length) == SVIPC_OK, "encode");
    }
    free(payload);

    /* The encoding is a fixed point: decoding it (in a copy) and encoding again gives the same bytes. */
    uint8_t* copy = malloc(encoded_length);
    FUZZ_CHECK(copy != NULL, "malloc");
    memcpy(copy, encoded, encoded_length);
    uint32_t again_length = 0;
    if (is_message)
    {
        FUZZ_CHECK(svipc_decode_message(copy, encoded_length, &message, NULL) == SVIPC_OK, "re-decode");
        FUZZ_CHECK(svipc_encode_message(&message, again, sizeof(again), &again_length) == SVIPC_OK, "re-encode");
    }
    else
    {
        FUZZ_CHECK(svipc_decode_response(copy, encoded_length, &response, NULL) == SVIPC_OK, "re-decode");
        FUZZ_CHECK(svipc_encode_response(&response, again, sizeof(again), &again_length) == SVIPC_OK, "re-encode");
    }
    FUZZ_CHECK(again_length == encoded_length && memcmp(again, encoded, encoded_length) == 0, "not a fixed point");
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    if (size > SVIPC_MAX_PAYLOAD)
    {
        return 0; /* no frame carries more; the decoder refuses it with SVIPC_TOO_LARGE */
    }
    check_direction(data, size, 1);
    check_direction(data, size, 0);
    return 0;
}
