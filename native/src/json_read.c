/*
 * Reading JSON tokens of one payload as serde_json's deserializer does: its
 * whitespace, its string escapes and Unicode checks, its number grammar.
 * Strings are unescaped in place: the unescaped form is never longer than the
 * escaped one, so the write position never passes the read position.
 */
#include "svipc_json.h"

bool svipc_json_fail(svipc_json* json, int32_t kind, uint32_t offset)
{
    if (json->error.kind == 0)
    {
        json->error.kind = kind;
        json->error.offset = offset;
    }
    return false;
}

int svipc_json_peek(svipc_json* json)
{
    while (json->position < json->length)
    {
        uint8_t c = json->bytes[json->position];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        {
            return c;
        }
        json->position++;
    }
    return -1;
}

bool svipc_json_expect(svipc_json* json, uint8_t c)
{
    int next = svipc_json_peek(json);
    if (next < 0)
    {
        return svipc_json_fail(json, SVIPC_FORMAT_UNEXPECTED_END, json->length);
    }
    if (next != c)
    {
        return svipc_json_fail(json, SVIPC_FORMAT_NOT_JSON, json->position);
    }
    json->position++;
    return true;
}

bool svipc_json_literal(svipc_json* json, const char* literal, uint32_t length)
{
    uint32_t start = json->position;
    for (uint32_t i = 0; i < length; i++)
    {
        if (start + i >= json->length)
        {
            return svipc_json_fail(json, SVIPC_FORMAT_UNEXPECTED_END, json->length);
        }
        if (json->bytes[start + i] != (uint8_t)literal[i])
        {
            return svipc_json_fail(json, SVIPC_FORMAT_NOT_JSON, start);
        }
    }
    json->position = start + length;
    return true;
}

static int hex_value(uint8_t c)
{
    if (c >= '0' && c <= '9')
    {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f')
    {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F')
    {
        return c - 'A' + 10;
    }
    return -1;
}

/* The four hex digits after "\u" at at (the backslash); -1 with the error recorded. */
static int32_t hex_escape(svipc_json* json, uint32_t at)
{
    if (json->length - at < 6)
    {
        svipc_json_fail(json, SVIPC_FORMAT_UNEXPECTED_END, json->length);
        return -1;
    }
    int32_t value = 0;
    for (uint32_t i = 2; i < 6; i++)
    {
        int digit = hex_value(json->bytes[at + i]);
        if (digit < 0)
        {
            svipc_json_fail(json, SVIPC_FORMAT_NOT_JSON, at);
            return -1;
        }
        value = (value << 4) | digit;
    }
    return value;
}

static uint32_t put_utf8(uint8_t* out, uint32_t code_point)
{
    if (code_point < 0x80)
    {
        out[0] = (uint8_t)code_point;
        return 1;
    }
    if (code_point < 0x800)
    {
        out[0] = (uint8_t)(0xC0 | (code_point >> 6));
        out[1] = (uint8_t)(0x80 | (code_point & 0x3F));
        return 2;
    }
    if (code_point < 0x10000)
    {
        out[0] = (uint8_t)(0xE0 | (code_point >> 12));
        out[1] = (uint8_t)(0x80 | ((code_point >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (code_point & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (code_point >> 18));
    out[1] = (uint8_t)(0x80 | ((code_point >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((code_point >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (code_point & 0x3F));
    return 4;
}

/* A \u escape at r (decoded to UTF-8 at *w); a surrogate must be a high one followed by a low one. */
static bool unicode_escape(svipc_json* json, uint32_t* r, uint32_t* w, uint32_t string_start)
{
    int32_t unit = hex_escape(json, *r);
    if (unit < 0)
    {
        return false;
    }
    uint32_t code_point = (uint32_t)unit;
    *r += 6;
    if (unit >= 0xDC00 && unit <= 0xDFFF)
    {
        return svipc_json_fail(json, SVIPC_FORMAT_INVALID_TEXT, string_start);
    }
    if (unit >= 0xD800 && unit <= 0xDBFF)
    {
        if (json->length - *r < 2 || json->bytes[*r] != '\\' || json->bytes[*r + 1] != 'u')
        {
            return svipc_json_fail(json, SVIPC_FORMAT_INVALID_TEXT, string_start);
        }
        int32_t low = hex_escape(json, *r);
        if (low < 0)
        {
            return false;
        }
        if (low < 0xDC00 || low > 0xDFFF)
        {
            return svipc_json_fail(json, SVIPC_FORMAT_INVALID_TEXT, string_start);
        }
        *r += 6;
        code_point = 0x10000 + (((uint32_t)unit - 0xD800) << 10) + ((uint32_t)low - 0xDC00);
    }
    *w += put_utf8(json->bytes + *w, code_point);
    return true;
}

bool svipc_json_string(svipc_json* json, svipc_string* text)
{
    uint32_t start = json->position;
    uint32_t r = start + 1;
    uint8_t* b = json->bytes;
    /* Most strings have no escape: find the end without copying anything. */
    while (r < json->length && b[r] != '"' && b[r] != '\\' && b[r] >= 0x20)
    {
        r++;
    }
    uint32_t w = r;
    for (;;)
    {
        if (r >= json->length)
        {
            return svipc_json_fail(json, SVIPC_FORMAT_UNEXPECTED_END, json->length);
        }
        uint8_t c = b[r];
        if (c == '"')
        {
            break;
        }
        if (c < 0x20)
        {
            return svipc_json_fail(json, SVIPC_FORMAT_NOT_JSON, r);
        }
        if (c != '\\')
        {
            b[w++] = c;
            r++;
            continue;
        }
        if (r + 1 >= json->length)
        {
            return svipc_json_fail(json, SVIPC_FORMAT_UNEXPECTED_END, json->length);
        }
        uint8_t out;
        switch (b[r + 1])
        {
            case '"': out = '"'; break;
            case '\\': out = '\\'; break;
            case '/': out = '/'; break;
            case 'b': out = '\b'; break;
            case 'f': out = '\f'; break;
            case 'n': out = '\n'; break;
            case 'r': out = '\r'; break;
            case 't': out = '\t'; break;
            case 'u':
                if (!unicode_escape(json, &r, &w, start))
                {
                    return false;
                }
                continue;
            default:
                return svipc_json_fail(json, SVIPC_FORMAT_NOT_JSON, r);
        }
        b[w++] = out;
        r += 2;
    }
    /* Escapes only produce whole, valid sequences, so checking the result checks the raw stretches too. */
    if (!svipc_utf8_valid(b + start + 1, w - (start + 1)))
    {
        return svipc_json_fail(json, SVIPC_FORMAT_INVALID_TEXT, start);
    }
    text->data = (const char*)(b + start + 1);
    text->length = w - (start + 1);
    json->position = r + 1;
    return true;
}

static uint32_t skip_digits(const svipc_json* json, uint32_t at)
{
    while (at < json->length && json->bytes[at] >= '0' && json->bytes[at] <= '9')
    {
        at++;
    }
    return at;
}

bool svipc_json_number(svipc_json* json, uint32_t* start, uint32_t* end)
{
    uint32_t at = json->position;
    *start = at;
    if (at < json->length && json->bytes[at] == '-')
    {
        at++;
    }
    if (at >= json->length)
    {
        return svipc_json_fail(json, SVIPC_FORMAT_UNEXPECTED_END, json->length);
    }
    if (json->bytes[at] == '0')
    {
        at++; /* a leading zero stands alone: "01" ends the number after 0, and the 1 is refused next */
    }
    else if (json->bytes[at] >= '1' && json->bytes[at] <= '9')
    {
        at = skip_digits(json, at);
    }
    else
    {
        return svipc_json_fail(json, SVIPC_FORMAT_NOT_JSON, at);
    }
    if (at < json->length && json->bytes[at] == '.')
    {
        uint32_t digits = at + 1;
        at = skip_digits(json, digits);
        if (at == digits)
        {
            return svipc_json_fail(json, at >= json->length ? SVIPC_FORMAT_UNEXPECTED_END : SVIPC_FORMAT_NOT_JSON, at);
        }
    }
    if (at < json->length && (json->bytes[at] == 'e' || json->bytes[at] == 'E'))
    {
        at++;
        if (at < json->length && (json->bytes[at] == '+' || json->bytes[at] == '-'))
        {
            at++;
        }
        uint32_t digits = at;
        at = skip_digits(json, digits);
        if (at == digits)
        {
            return svipc_json_fail(json, at >= json->length ? SVIPC_FORMAT_UNEXPECTED_END : SVIPC_FORMAT_NOT_JSON, at);
        }
    }
    *end = at;
    json->position = at;
    return true;
}
