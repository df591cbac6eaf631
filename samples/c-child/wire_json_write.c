/* Writing SupervisorMessage payloads byte for byte as serde_json does. */
#include "wire_json.h"

#include <stdio.h>
#include <string.h>

typedef struct writer
{
    char* buffer;
    size_t capacity;
    size_t length;
    int failed;
} writer;

static void put_bytes(writer* w, const char* bytes, size_t count)
{
    if (w->failed || count > w->capacity - w->length)
    {
        w->failed = 1;
        return;
    }
    memcpy(w->buffer + w->length, bytes, count);
    w->length += count;
}

static void put(writer* w, const char* text)
{
    put_bytes(w, text, strlen(text));
}

/* Length of the UTF-8 sequence starting at s, or 0 if it is not well formed (overlongs, surrogates included). */
static size_t utf8_sequence_length(const unsigned char* s)
{
    unsigned char c = s[0];
    if (c < 0x80)
    {
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF)
    {
        return (s[1] & 0xC0) == 0x80 ? 2 : 0;
    }
    if (c >= 0xE0 && c <= 0xEF)
    {
        unsigned char low = c == 0xE0 ? 0xA0 : 0x80;
        unsigned char high = c == 0xED ? 0x9F : 0xBF;
        return (s[1] >= low && s[1] <= high && (s[2] & 0xC0) == 0x80) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4)
    {
        unsigned char low = c == 0xF0 ? 0x90 : 0x80;
        unsigned char high = c == 0xF4 ? 0x8F : 0xBF;
        return (s[1] >= low && s[1] <= high && (s[2] & 0xC0) == 0x80 && (s[3] & 0xC0) == 0x80) ? 4 : 0;
    }
    return 0;
}

static void put_string(writer* w, const char* text)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char* s = (const unsigned char*)text;
    put(w, "\"");
    while (*s != '\0' && !w->failed)
    {
        unsigned char c = *s;
        switch (c)
        {
            case '"': put(w, "\\\""); s++; continue;
            case '\\': put(w, "\\\\"); s++; continue;
            case '\b': put(w, "\\b"); s++; continue;
            case '\f': put(w, "\\f"); s++; continue;
            case '\n': put(w, "\\n"); s++; continue;
            case '\r': put(w, "\\r"); s++; continue;
            case '\t': put(w, "\\t"); s++; continue;
            default: break;
        }
        if (c < 0x20)
        {
            char escape[7] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF], '\0' };
            put(w, escape);
            s++;
            continue;
        }
        size_t sequence = utf8_sequence_length(s);
        if (sequence == 0)
        {
            w->failed = 1;
            return;
        }
        put_bytes(w, (const char*)s, sequence);
        s += sequence;
    }
    put(w, "\"");
}

static void put_u32(writer* w, uint32_t value)
{
    char digits[11];
    snprintf(digits, sizeof(digits), "%u", (unsigned)value);
    put(w, digits);
}

static const char* access_name(wire_access access)
{
    switch (access)
    {
        case WIRE_ACCESS_READ: return "Read";
        case WIRE_ACCESS_WRITE: return "Write";
        case WIRE_ACCESS_READ_WRITE: return "ReadWrite";
    }
    return NULL;
}

size_t wire_write_request(char* buffer, size_t capacity, const char* request_id, const char* path,
                          wire_access access, const char* reason, uint32_t child_pid, const char* session_id)
{
    const char* mode = access_name(access);
    if (buffer == NULL || request_id == NULL || path == NULL || session_id == NULL || mode == NULL)
    {
        return 0;
    }
    writer w = { buffer, capacity, 0, 0 };
    put(&w, "{\"Request\":{\"request_id\":");
    put_string(&w, request_id);
    put(&w, ",\"path\":");
    put_string(&w, path);
    put(&w, ",\"access\":\"");
    put(&w, mode);
    put(&w, "\",\"reason\":");
    if (reason != NULL)
    {
        put_string(&w, reason);
    }
    else
    {
        put(&w, "null");
    }
    put(&w, ",\"child_pid\":");
    put_u32(&w, child_pid);
    put(&w, ",\"session_id\":");
    put_string(&w, session_id);
    put(&w, "}}");
    return w.failed ? 0 : w.length;
}

size_t wire_write_open_url(char* buffer, size_t capacity, const char* request_id, const char* url,
                           uint32_t child_pid, const char* session_id)
{
    if (buffer == NULL || request_id == NULL || url == NULL || session_id == NULL)
    {
        return 0;
    }
    writer w = { buffer, capacity, 0, 0 };
    put(&w, "{\"OpenUrl\":{\"request_id\":");
    put_string(&w, request_id);
    put(&w, ",\"url\":");
    put_string(&w, url);
    put(&w, ",\"child_pid\":");
    put_u32(&w, child_pid);
    put(&w, ",\"session_id\":");
    put_string(&w, session_id);
    put(&w, "}}");
    return w.failed ? 0 : w.length;
}
