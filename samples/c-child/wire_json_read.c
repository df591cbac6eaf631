/*
 * Reading SupervisorResponse payloads as serde_json would: one externally
 * tagged variant, unknown fields ignored, duplicate or missing required fields,
 * wrong types, bad escapes and invalid UTF-8 refused. Nesting of skipped values
 * is bounded so hostile input cannot exhaust the stack.
 */
#include "wire_json.h"

#include <string.h>

#define MAX_SKIP_DEPTH 64

typedef struct reader
{
    const uint8_t* p;
    const uint8_t* end;
} reader;

static void skip_ws(reader* r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
    {
        r->p++;
    }
}

static int expect(reader* r, char c)
{
    skip_ws(r);
    if (r->p < r->end && *r->p == (uint8_t)c)
    {
        r->p++;
        return 1;
    }
    return 0;
}

static int peek(reader* r, char c)
{
    skip_ws(r);
    return r->p < r->end && *r->p == (uint8_t)c;
}

static int literal(reader* r, const char* word)
{
    skip_ws(r);
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
    {
        return 0;
    }
    r->p += n;
    return 1;
}

static int hex_value(const uint8_t* s, uint32_t* value)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
    {
        uint8_t c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
        else return 0;
    }
    *value = v;
    return 1;
}

/* Appends bytes to out (capacity WIRE_MAX_TEXT + 1 with terminator); out == NULL only validates. */
static int append(char* out, size_t* used, const void* bytes, size_t count)
{
    if (out != NULL)
    {
        if (*used + count > WIRE_MAX_TEXT)
        {
            return 0;
        }
        memcpy(out + *used, bytes, count);
    }
    *used += count;
    return 1;
}

static int append_code_point(char* out, size_t* used, uint32_t cp)
{
    uint8_t b[4];
    size_t n;
    if (cp < 0x80) { b[0] = (uint8_t)cp; n = 1; }
    else if (cp < 0x800) { b[0] = (uint8_t)(0xC0 | (cp >> 6)); b[1] = (uint8_t)(0x80 | (cp & 0x3F)); n = 2; }
    else if (cp < 0x10000)
    {
        b[0] = (uint8_t)(0xE0 | (cp >> 12)); b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        b[2] = (uint8_t)(0x80 | (cp & 0x3F)); n = 3;
    }
    else
    {
        b[0] = (uint8_t)(0xF0 | (cp >> 18)); b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
        b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F)); b[3] = (uint8_t)(0x80 | (cp & 0x3F)); n = 4;
    }
    return append(out, used, b, n);
}

/* A raw UTF-8 sequence at p (bounded by end): its length, or 0 if malformed. */
static size_t utf8_length(const uint8_t* p, const uint8_t* end)
{
    size_t available = (size_t)(end - p);
    uint8_t c = p[0];
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return available >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF)
    {
        uint8_t low = c == 0xE0 ? 0xA0 : 0x80, high = c == 0xED ? 0x9F : 0xBF;
        return available >= 3 && p[1] >= low && p[1] <= high && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4)
    {
        uint8_t low = c == 0xF0 ? 0x90 : 0x80, high = c == 0xF4 ? 0x8F : 0xBF;
        return available >= 4 && p[1] >= low && p[1] <= high && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80 ? 4 : 0;
    }
    return 0;
}

/* Parses a JSON string; out (WIRE_MAX_TEXT + 1 bytes) receives it NUL-terminated, or NULL to skip it. */
static int parse_string(reader* r, char* out)
{
    size_t used = 0;
    if (!expect(r, '"'))
    {
        return 0;
    }
    while (r->p < r->end)
    {
        uint8_t c = *r->p;
        if (c == '"')
        {
            r->p++;
            if (out != NULL)
            {
                out[used] = '\0';
            }
            return 1;
        }
        if (c < 0x20)
        {
            return 0;
        }
        if (c != '\\')
        {
            size_t n = utf8_length(r->p, r->end);
            if (n == 0 || !append(out, &used, r->p, n))
            {
                return 0;
            }
            r->p += n;
            continue;
        }
        if (r->end - r->p < 2)
        {
            return 0;
        }
        uint8_t e = r->p[1];
        r->p += 2;
        char simple = 0;
        switch (e)
        {
            case '"': simple = '"'; break;
            case '\\': simple = '\\'; break;
            case '/': simple = '/'; break;
            case 'b': simple = '\b'; break;
            case 'f': simple = '\f'; break;
            case 'n': simple = '\n'; break;
            case 'r': simple = '\r'; break;
            case 't': simple = '\t'; break;
            case 'u': break;
            default: return 0;
        }
        if (simple != 0)
        {
            if (!append(out, &used, &simple, 1))
            {
                return 0;
            }
            continue;
        }
        uint32_t cp;
        if (r->end - r->p < 4 || !hex_value(r->p, &cp))
        {
            return 0;
        }
        r->p += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
        {
            return 0; /* lone low surrogate */
        }
        if (cp >= 0xD800 && cp <= 0xDBFF)
        {
            uint32_t low;
            if (r->end - r->p < 6 || r->p[0] != '\\' || r->p[1] != 'u' || !hex_value(r->p + 2, &low) ||
                low < 0xDC00 || low > 0xDFFF)
            {
                return 0; /* lone high surrogate */
            }
            r->p += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        }
        if (cp == 0 || !append_code_point(out, &used, cp))
        {
            return 0; /* an embedded NUL cannot be represented in a C string */
        }
    }
    return 0;
}

static int skip_value(reader* r, int depth);

static int skip_container(reader* r, char close, int is_object, int depth)
{
    if (depth >= MAX_SKIP_DEPTH)
    {
        return 0;
    }
    if (expect(r, close))
    {
        return 1;
    }
    do
    {
        if (is_object && (!parse_string(r, NULL) || !expect(r, ':')))
        {
            return 0;
        }
        if (!skip_value(r, depth + 1))
        {
            return 0;
        }
    } while (expect(r, ','));
    return expect(r, close);
}

static int skip_number(reader* r)
{
    const uint8_t* start = r->p;
    if (r->p < r->end && *r->p == '-') r->p++;
    const uint8_t* digits = r->p;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
    if (r->p == digits || (*digits == '0' && r->p - digits > 1)) return 0;
    if (r->p < r->end && *r->p == '.')
    {
        r->p++;
        const uint8_t* fraction = r->p;
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
        if (r->p == fraction) return 0;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E'))
    {
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-')) r->p++;
        const uint8_t* exponent = r->p;
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9') r->p++;
        if (r->p == exponent) return 0;
    }
    return r->p > start;
}

static int skip_value(reader* r, int depth)
{
    skip_ws(r);
    if (r->p >= r->end) return 0;
    switch (*r->p)
    {
        case '"': return parse_string(r, NULL);
        case '{': r->p++; return skip_container(r, '}', 1, depth);
        case '[': r->p++; return skip_container(r, ']', 0, depth);
        case 't': return literal(r, "true");
        case 'f': return literal(r, "false");
        case 'n': return literal(r, "null");
        default: return skip_number(r);
    }
}

/* {"Denied":{"reason":"..."}} or a bare "Granted" / "Timeout". */
static int parse_decision_value(reader* r, wire_response* response)
{
    char name[WIRE_MAX_TEXT + 1];
    if (peek(r, '"'))
    {
        if (!parse_string(r, name)) return 0;
        if (strcmp(name, "Granted") == 0) { response->kind = WIRE_DECISION_GRANTED; return 1; }
        if (strcmp(name, "Timeout") == 0) { response->kind = WIRE_DECISION_TIMEOUT; return 1; }
        return 0;
    }
    if (!expect(r, '{') || !parse_string(r, name) || strcmp(name, "Denied") != 0 || !expect(r, ':') || !expect(r, '{'))
    {
        return 0;
    }
    int have_reason = 0;
    if (!expect(r, '}'))
    {
        do
        {
            char key[WIRE_MAX_TEXT + 1];
            if (!parse_string(r, key) || !expect(r, ':')) return 0;
            if (strcmp(key, "reason") == 0)
            {
                if (have_reason || !parse_string(r, response->text)) return 0;
                have_reason = 1;
            }
            else if (!skip_value(r, 1))
            {
                return 0;
            }
        } while (expect(r, ','));
        if (!expect(r, '}')) return 0;
    }
    response->kind = WIRE_DECISION_DENIED;
    return have_reason && expect(r, '}');
}

static int parse_decision(reader* r, wire_response* response)
{
    int have_id = 0, have_decision = 0;
    if (!expect(r, '{')) return 0;
    if (!expect(r, '}'))
    {
        do
        {
            char key[WIRE_MAX_TEXT + 1];
            if (!parse_string(r, key) || !expect(r, ':')) return 0;
            if (strcmp(key, "request_id") == 0)
            {
                if (have_id || !parse_string(r, response->request_id)) return 0;
                have_id = 1;
            }
            else if (strcmp(key, "decision") == 0)
            {
                if (have_decision || !parse_decision_value(r, response)) return 0;
                have_decision = 1;
            }
            else if (!skip_value(r, 1))
            {
                return 0;
            }
        } while (expect(r, ','));
        if (!expect(r, '}')) return 0;
    }
    return have_id && have_decision;
}

static int parse_url_opened(reader* r, wire_response* response)
{
    int have_id = 0, have_success = 0, have_error = 0;
    if (!expect(r, '{')) return 0;
    response->kind = WIRE_URL_OPENED;
    response->text[0] = '\0';
    if (!expect(r, '}'))
    {
        do
        {
            char key[WIRE_MAX_TEXT + 1];
            if (!parse_string(r, key) || !expect(r, ':')) return 0;
            if (strcmp(key, "request_id") == 0)
            {
                if (have_id || !parse_string(r, response->request_id)) return 0;
                have_id = 1;
            }
            else if (strcmp(key, "success") == 0)
            {
                if (have_success) return 0;
                if (literal(r, "true")) response->success = 1;
                else if (literal(r, "false")) response->success = 0;
                else return 0;
                have_success = 1;
            }
            else if (strcmp(key, "error") == 0)
            {
                if (have_error) return 0;
                if (!literal(r, "null") && !parse_string(r, response->text)) return 0;
                have_error = 1;
            }
            else if (!skip_value(r, 1))
            {
                return 0;
            }
        } while (expect(r, ','));
        if (!expect(r, '}')) return 0;
    }
    return have_id && have_success;
}

int wire_read_response(const uint8_t* payload, size_t length, wire_response* response)
{
    if (payload == NULL || response == NULL)
    {
        return 0;
    }
    memset(response, 0, sizeof(*response));
    reader r = { payload, payload + length };
    char variant[WIRE_MAX_TEXT + 1];
    if (!expect(&r, '{') || !parse_string(&r, variant) || !expect(&r, ':'))
    {
        return 0;
    }
    int ok;
    if (strcmp(variant, "Decision") == 0) ok = parse_decision(&r, response);
    else if (strcmp(variant, "UrlOpened") == 0) ok = parse_url_opened(&r, response);
    else ok = 0;
    if (!ok || !expect(&r, '}'))
    {
        return 0;
    }
    skip_ws(&r);
    return r.p == r.end;
}
