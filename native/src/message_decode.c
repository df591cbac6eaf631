/*
 * Decoding the typed messages with serde's rules for externally tagged enums
 * and derived structs (managed/SupervisorIpc/Messages/README.md lists them):
 * a variant as {"Name": value} or, for a unit variant, "Name" (or {"Name":null});
 * structs as objects or arrays; strings unescaped in place. The nesting of the
 * types is fixed, so the readers call each other to a bounded depth; unknown
 * values of any depth go to svipc_json_skip_value, which does not recurse.
 */
#include "svipc_json.h"

#include <string.h>

static bool read_string(svipc_json* json, svipc_string* text)
{
    int c = svipc_json_peek(json);
    if (c == '"')
    {
        return svipc_json_string(json, text);
    }
    return svipc_json_fail(json, c < 0 ? SVIPC_FORMAT_UNEXPECTED_END : SVIPC_FORMAT_WRONG_TYPE, json->position);
}

static bool read_optional_string(svipc_json* json, svipc_string* text)
{
    if (svipc_json_peek(json) == 'n')
    {
        text->data = NULL;
        text->length = 0;
        return svipc_json_literal(json, "null", 4);
    }
    return read_string(json, text);
}

static bool read_bool(svipc_json* json, int32_t* value)
{
    int c = svipc_json_peek(json);
    if (c == 't')
    {
        *value = 1;
        return svipc_json_literal(json, "true", 4);
    }
    if (c == 'f')
    {
        *value = 0;
        return svipc_json_literal(json, "false", 5);
    }
    return svipc_json_fail(json, c < 0 ? SVIPC_FORMAT_UNEXPECTED_END : SVIPC_FORMAT_WRONG_TYPE, json->position);
}

/* serde_json reads a u32 only from an integer literal: a sign, fraction or exponent makes it negative or a float. */
static bool read_u32(svipc_json* json, uint32_t* value)
{
    int c = svipc_json_peek(json);
    if (c != '-' && !(c >= '0' && c <= '9'))
    {
        return svipc_json_fail(json, c < 0 ? SVIPC_FORMAT_UNEXPECTED_END : SVIPC_FORMAT_WRONG_TYPE, json->position);
    }
    uint32_t start, end;
    if (!svipc_json_number(json, &start, &end))
    {
        return false;
    }
    uint64_t result = 0;
    for (uint32_t i = start; i < end; i++)
    {
        uint8_t digit = json->bytes[i];
        if (digit < '0' || digit > '9')
        {
            return svipc_json_fail(json, SVIPC_FORMAT_OUT_OF_RANGE, start);
        }
        result = result * 10 + (uint64_t)(digit - '0');
        if (result > UINT32_MAX)
        {
            return svipc_json_fail(json, SVIPC_FORMAT_OUT_OF_RANGE, start);
        }
    }
    *value = (uint32_t)result;
    return true;
}

/*
 * Positions after the variant name: *tagged is true for {"Name": (the value follows), false for a bare
 * "Name". *index is the name's place in names.
 */
static bool enter_variant(svipc_json* json, const svipc_string* names, uint32_t count, uint32_t* index, bool* tagged)
{
    int c = svipc_json_peek(json);
    svipc_string name;
    uint32_t name_offset;
    if (c == '"')
    {
        name_offset = json->position;
        if (!svipc_json_string(json, &name))
        {
            return false;
        }
        *tagged = false;
    }
    else if (c == '{')
    {
        json->position++;
        c = svipc_json_peek(json);
        if (c == '}')
        {
            return svipc_json_fail(json, SVIPC_FORMAT_WRONG_SHAPE, json->position); /* no variant named */
        }
        if (c != '"')
        {
            return svipc_json_fail(json, c < 0 ? SVIPC_FORMAT_UNEXPECTED_END : SVIPC_FORMAT_NOT_JSON, json->position);
        }
        name_offset = json->position;
        if (!svipc_json_string(json, &name) || !svipc_json_expect(json, ':'))
        {
            return false;
        }
        *tagged = true;
    }
    else
    {
        return svipc_json_fail(json, c < 0 ? SVIPC_FORMAT_UNEXPECTED_END : SVIPC_FORMAT_WRONG_SHAPE, json->position);
    }
    for (uint32_t i = 0; i < count; i++)
    {
        if (svipc_json_name_is(name, names[i]))
        {
            *index = i;
            return true;
        }
    }
    return svipc_json_fail(json, SVIPC_FORMAT_UNKNOWN_VARIANT, name_offset);
}

/* After a tagged variant's value the enum object closes: it has exactly one key. */
static bool leave_variant(svipc_json* json)
{
    int c = svipc_json_peek(json);
    if (c == '}')
    {
        json->position++;
        return true;
    }
    return svipc_json_fail(json, c < 0 ? SVIPC_FORMAT_UNEXPECTED_END : SVIPC_FORMAT_WRONG_SHAPE, json->position);
}

/* A unit variant given as {"Name": value}: serde's unit_variant reads (), which is null. */
static bool unit_variant_value(svipc_json* json, bool tagged)
{
    if (!tagged)
    {
        return true;
    }
    int c = svipc_json_peek(json);
    if (c != 'n')
    {
        return svipc_json_fail(json, c < 0 ? SVIPC_FORMAT_UNEXPECTED_END : SVIPC_FORMAT_WRONG_SHAPE, json->position);
    }
    return svipc_json_literal(json, "null", 4) && leave_variant(json);
}

/* A data variant must be tagged: "Request" alone carries no data. */
static bool require_tagged(svipc_json* json, bool tagged, uint32_t offset)
{
    return tagged || svipc_json_fail(json, SVIPC_FORMAT_WRONG_SHAPE, offset);
}

static bool read_access(svipc_json* json, int32_t* access)
{
    static const svipc_string names[] = { SVIPC_JSON_NAME("Read"), SVIPC_JSON_NAME("Write"), SVIPC_JSON_NAME("ReadWrite") };
    uint32_t index;
    bool tagged;
    if (!enter_variant(json, names, 3, &index, &tagged))
    {
        return false;
    }
    *access = index == 0 ? SVIPC_ACCESS_READ : index == 1 ? SVIPC_ACCESS_WRITE : SVIPC_ACCESS_READ_WRITE;
    return unit_variant_value(json, tagged);
}

static bool read_capability_request(svipc_json* json, svipc_capability_request* request)
{
    static const svipc_string names[] = { SVIPC_JSON_NAME("request_id"), SVIPC_JSON_NAME("path"), SVIPC_JSON_NAME("access"), SVIPC_JSON_NAME("reason"), SVIPC_JSON_NAME("child_pid"), SVIPC_JSON_NAME("session_id") };
    svipc_json_struct fields;
    if (!svipc_json_struct_begin(json, &fields, names, 6))
    {
        return false;
    }
    memset(request, 0, sizeof(*request)); /* reason stays absent unless it comes */
    uint32_t field;
    int more;
    while ((more = svipc_json_struct_next(json, &fields, &field)) > 0)
    {
        bool ok;
        switch (field)
        {
            case 0: ok = read_string(json, &request->request_id); break;
            case 1: ok = read_string(json, &request->path); break;
            case 2: ok = read_access(json, &request->access); break;
            case 3: ok = read_optional_string(json, &request->reason); break;
            case 4: ok = read_u32(json, &request->child_pid); break;
            default: ok = read_string(json, &request->session_id); break;
        }
        if (!ok)
        {
            return false;
        }
    }
    /* Every field but reason (bit 3), an Option in the reference. */
    return more == 0 && svipc_json_struct_require(json, &fields, 0x37);
}

static bool read_url_open_request(svipc_json* json, svipc_url_open_request* request)
{
    static const svipc_string names[] = { SVIPC_JSON_NAME("request_id"), SVIPC_JSON_NAME("url"), SVIPC_JSON_NAME("child_pid"), SVIPC_JSON_NAME("session_id") };
    svipc_json_struct fields;
    if (!svipc_json_struct_begin(json, &fields, names, 4))
    {
        return false;
    }
    uint32_t field;
    int more;
    while ((more = svipc_json_struct_next(json, &fields, &field)) > 0)
    {
        bool ok;
        switch (field)
        {
            case 0: ok = read_string(json, &request->request_id); break;
            case 1: ok = read_string(json, &request->url); break;
            case 2: ok = read_u32(json, &request->child_pid); break;
            default: ok = read_string(json, &request->session_id); break;
        }
        if (!ok)
        {
            return false;
        }
    }
    return more == 0 && svipc_json_struct_require(json, &fields, 0xF);
}

static bool read_denied(svipc_json* json, svipc_string* reason)
{
    static const svipc_string names[] = { SVIPC_JSON_NAME("reason") };
    svipc_json_struct fields;
    if (!svipc_json_struct_begin(json, &fields, names, 1))
    {
        return false;
    }
    uint32_t field;
    int more;
    while ((more = svipc_json_struct_next(json, &fields, &field)) > 0)
    {
        if (!read_string(json, reason))
        {
            return false;
        }
    }
    return more == 0 && svipc_json_struct_require(json, &fields, 0x1);
}

static bool read_approval(svipc_json* json, svipc_decision* decision)
{
    static const svipc_string names[] = { SVIPC_JSON_NAME("Granted"), SVIPC_JSON_NAME("Denied"), SVIPC_JSON_NAME("Timeout") };
    uint32_t offset = (uint32_t)(svipc_json_peek(json) < 0 ? json->length : json->position);
    uint32_t index;
    bool tagged;
    if (!enter_variant(json, names, 3, &index, &tagged))
    {
        return false;
    }
    decision->reason.data = NULL;
    decision->reason.length = 0;
    if (index == 1)
    {
        decision->kind = SVIPC_DECISION_DENIED;
        return require_tagged(json, tagged, offset) && read_denied(json, &decision->reason) && leave_variant(json);
    }
    decision->kind = index == 0 ? SVIPC_DECISION_GRANTED : SVIPC_DECISION_TIMEOUT;
    return unit_variant_value(json, tagged);
}

static bool read_decision(svipc_json* json, svipc_decision_response* response)
{
    static const svipc_string names[] = { SVIPC_JSON_NAME("request_id"), SVIPC_JSON_NAME("decision") };
    svipc_json_struct fields;
    if (!svipc_json_struct_begin(json, &fields, names, 2))
    {
        return false;
    }
    uint32_t field;
    int more;
    while ((more = svipc_json_struct_next(json, &fields, &field)) > 0)
    {
        if (!(field == 0 ? read_string(json, &response->request_id) : read_approval(json, &response->decision)))
        {
            return false;
        }
    }
    return more == 0 && svipc_json_struct_require(json, &fields, 0x3);
}

static bool read_url_opened(svipc_json* json, svipc_url_opened* response)
{
    static const svipc_string names[] = { SVIPC_JSON_NAME("request_id"), SVIPC_JSON_NAME("success"), SVIPC_JSON_NAME("error") };
    svipc_json_struct fields;
    if (!svipc_json_struct_begin(json, &fields, names, 3))
    {
        return false;
    }
    response->error.data = NULL;
    response->error.length = 0;
    uint32_t field;
    int more;
    while ((more = svipc_json_struct_next(json, &fields, &field)) > 0)
    {
        bool ok;
        switch (field)
        {
            case 0: ok = read_string(json, &response->request_id); break;
            case 1: ok = read_bool(json, &response->success); break;
            default: ok = read_optional_string(json, &response->error); break;
        }
        if (!ok)
        {
            return false;
        }
    }
    /* error (bit 2) is an Option in the reference. */
    return more == 0 && svipc_json_struct_require(json, &fields, 0x3);
}

/* Only whitespace may follow the value. */
static bool end_of_payload(svipc_json* json)
{
    return svipc_json_peek(json) < 0 || svipc_json_fail(json, SVIPC_FORMAT_TRAILING_DATA, json->position);
}

static svipc_status finish(const svipc_json* json, bool ok, svipc_format_error* error)
{
    if (ok)
    {
        return SVIPC_OK;
    }
    if (error != NULL)
    {
        *error = json->error;
    }
    return SVIPC_MALFORMED_MESSAGE;
}

svipc_status svipc_decode_message(void* payload, uint32_t length, svipc_message* message, svipc_format_error* error)
{
    if ((payload == NULL && length != 0) || message == NULL)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    if (length > SVIPC_MAX_PAYLOAD)
    {
        return SVIPC_TOO_LARGE;
    }
    static const svipc_string names[] = { SVIPC_JSON_NAME("Request"), SVIPC_JSON_NAME("OpenUrl") };
    svipc_json json = { payload, length, 0, { 0, 0 } };
    svipc_message decoded;
    memset(&decoded, 0, sizeof(decoded));
    uint32_t offset = (uint32_t)(svipc_json_peek(&json) < 0 ? length : json.position);
    uint32_t index;
    bool tagged;
    bool ok = enter_variant(&json, names, 2, &index, &tagged) && require_tagged(&json, tagged, offset);
    if (ok)
    {
        decoded.kind = index == 0 ? SVIPC_MESSAGE_REQUEST : SVIPC_MESSAGE_OPEN_URL;
        ok = (index == 0 ? read_capability_request(&json, &decoded.as.request)
                         : read_url_open_request(&json, &decoded.as.open_url)) &&
             leave_variant(&json) && end_of_payload(&json);
    }
    if (ok)
    {
        *message = decoded;
    }
    return finish(&json, ok, error);
}

svipc_status svipc_decode_response(void* payload, uint32_t length, svipc_response* response,
                                   svipc_format_error* error)
{
    if ((payload == NULL && length != 0) || response == NULL)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    if (length > SVIPC_MAX_PAYLOAD)
    {
        return SVIPC_TOO_LARGE;
    }
    static const svipc_string names[] = { SVIPC_JSON_NAME("Decision"), SVIPC_JSON_NAME("UrlOpened") };
    svipc_json json = { payload, length, 0, { 0, 0 } };
    svipc_response decoded;
    memset(&decoded, 0, sizeof(decoded));
    uint32_t offset = (uint32_t)(svipc_json_peek(&json) < 0 ? length : json.position);
    uint32_t index;
    bool tagged;
    bool ok = enter_variant(&json, names, 2, &index, &tagged) && require_tagged(&json, tagged, offset);
    if (ok)
    {
        decoded.kind = index == 0 ? SVIPC_RESPONSE_DECISION : SVIPC_RESPONSE_URL_OPENED;
        ok = (index == 0 ? read_decision(&json, &decoded.as.decision) : read_url_opened(&json, &decoded.as.url_opened)) &&
             leave_variant(&json) && end_of_payload(&json);
    }
    if (ok)
    {
        *response = decoded;
    }
    return finish(&json, ok, error);
}

const char* svipc_format_error_message(int32_t kind)
{
    switch (kind)
    {
        case SVIPC_FORMAT_NOT_JSON: return "the payload is not valid JSON";
        case SVIPC_FORMAT_UNEXPECTED_END: return "the payload ends before the value is complete";
        case SVIPC_FORMAT_TRAILING_DATA: return "unexpected data after the value";
        case SVIPC_FORMAT_UNKNOWN_VARIANT: return "unknown enum variant";
        case SVIPC_FORMAT_WRONG_SHAPE: return "an enum or struct is written in a shape the protocol does not allow";
        case SVIPC_FORMAT_WRONG_TYPE: return "a field has the wrong type";
        case SVIPC_FORMAT_MISSING_FIELD: return "a required field is missing";
        case SVIPC_FORMAT_DUPLICATE_FIELD: return "a field appears more than once";
        case SVIPC_FORMAT_INVALID_TEXT: return "a key or string is not valid Unicode text";
        case SVIPC_FORMAT_OUT_OF_RANGE: return "child_pid is not an integer in 0..4294967295";
        case SVIPC_FORMAT_TOO_MANY_FIELDS: return "a struct written as an array has more elements than fields";
        default: return "unknown format error";
    }
}
