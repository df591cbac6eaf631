/*
 * Skipping a value nobody reads, as serde's IgnoredAny does in serde_json:
 * iteratively, at any depth, checking the JSON grammar but not decoding
 * strings (so invalid UTF-8 and unpaired surrogate escapes pass there, as in
 * the reference). Open containers are one bit each on a fixed stack: a payload
 * of at most SVIPC_MAX_PAYLOAD bytes cannot nest deeper than that.
 */
#include "svipc_json.h"

#include <string.h>

#define MAX_DEPTH ((uint32_t)SVIPC_MAX_PAYLOAD)

static bool skip_string(svipc_json* json)
{
    uint32_t r = json->position + 1;
    for (;;)
    {
        if (r >= json->length)
        {
            return svipc_json_fail(json, SVIPC_FORMAT_UNEXPECTED_END, json->length);
        }
        uint8_t c = json->bytes[r];
        if (c == '"')
        {
            json->position = r + 1;
            return true;
        }
        if (c < 0x20)
        {
            return svipc_json_fail(json, SVIPC_FORMAT_NOT_JSON, r);
        }
        if (c != '\\')
        {
            r++;
            continue;
        }
        if (r + 1 >= json->length)
        {
            return svipc_json_fail(json, SVIPC_FORMAT_UNEXPECTED_END, json->length);
        }
        uint8_t e = json->bytes[r + 1];
        if (e == 'u')
        {
            if (json->length - r < 6)
            {
                return svipc_json_fail(json, SVIPC_FORMAT_UNEXPECTED_END, json->length);
            }
            for (uint32_t i = 2; i < 6; i++)
            {
                uint8_t h = json->bytes[r + i];
                if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
                {
                    return svipc_json_fail(json, SVIPC_FORMAT_NOT_JSON, r);
                }
            }
            r += 6;
        }
        else if (memchr("\"\\/bfnrt", e, 8) != NULL)
        {
            r += 2;
        }
        else
        {
            return svipc_json_fail(json, SVIPC_FORMAT_NOT_JSON, r);
        }
    }
}

/* After "{" or ",": a key string and its colon. */
static bool skip_key(svipc_json* json)
{
    int c = svipc_json_peek(json);
    if (c != '"')
    {
        return svipc_json_fail(json, c < 0 ? SVIPC_FORMAT_UNEXPECTED_END : SVIPC_FORMAT_NOT_JSON, json->position);
    }
    return skip_string(json) && svipc_json_expect(json, ':');
}

static bool top_is_object(const uint8_t* is_object, uint32_t depth)
{
    return ((unsigned)is_object[(depth - 1) / 8] >> ((depth - 1) % 8)) & 1u;
}

bool svipc_json_skip_value(svipc_json* json)
{
    uint8_t is_object[MAX_DEPTH / 8];
    uint32_t depth = 0;
    for (;;)
    {
        /* A value starts here. */
        int c = svipc_json_peek(json);
        bool ok;
        bool opened = false;
        switch (c)
        {
            case -1:
                return svipc_json_fail(json, SVIPC_FORMAT_UNEXPECTED_END, json->length);
            case '{':
            case '[':
                if (depth == MAX_DEPTH)
                {
                    return svipc_json_fail(json, SVIPC_FORMAT_NOT_JSON, json->position);
                }
                json->position++;
                if (c == '{')
                {
                    is_object[depth / 8] = (uint8_t)(is_object[depth / 8] | (1u << (depth % 8)));
                }
                else
                {
                    is_object[depth / 8] = (uint8_t)(is_object[depth / 8] & ~(1u << (depth % 8)));
                }
                depth++;
                opened = true;
                ok = true;
                break;
            case '"':
                ok = skip_string(json);
                break;
            case 't':
                ok = svipc_json_literal(json, "true", 4);
                break;
            case 'f':
                ok = svipc_json_literal(json, "false", 5);
                break;
            case 'n':
                ok = svipc_json_literal(json, "null", 4);
                break;
            default:
            {
                uint32_t start, end;
                ok = (c == '-' || (c >= '0' && c <= '9')) ? svipc_json_number(json, &start, &end)
                                                         : svipc_json_fail(json, SVIPC_FORMAT_NOT_JSON, json->position);
                break;
            }
        }
        if (!ok)
        {
            return false;
        }
        if (opened)
        {
            bool object = top_is_object(is_object, depth);
            int next = svipc_json_peek(json);
            if (next == (object ? '}' : ']'))
            {
                json->position++;
                depth--;
            }
            else
            {
                if (object && !skip_key(json))
                {
                    return false;
                }
                continue; /* the first element's value */
            }
        }
        /* A value ended: close containers or move to the next element. */
        for (;;)
        {
            if (depth == 0)
            {
                return true;
            }
            bool object = top_is_object(is_object, depth);
            int next = svipc_json_peek(json);
            if (next == ',')
            {
                json->position++;
                if (object && !skip_key(json))
                {
                    return false;
                }
                break;
            }
            if (next == (object ? '}' : ']'))
            {
                json->position++;
                depth--;
                continue;
            }
            return svipc_json_fail(json, next < 0 ? SVIPC_FORMAT_UNEXPECTED_END : SVIPC_FORMAT_NOT_JSON, json->position);
        }
    }
}
