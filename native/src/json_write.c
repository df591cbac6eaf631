/*
 * Writing JSON exactly as serde_json's compact formatter does: strings escape
 * '"' and '\\', use \b \f \n \r \t, write the other control characters as
 * \u00xx (lowercase hex), and everything else (DEL, '/', non-ASCII) raw.
 * The writer counts every byte, so a too-small buffer still yields the size.
 */
#include "svipc_json.h"

#include <string.h>

void svipc_json_write_raw(svipc_json_writer* writer, const char* bytes, size_t length)
{
    if (length == 0)
    {
        return;
    }
    if (writer->length + length <= writer->capacity)
    {
        memcpy(writer->buffer + writer->length, bytes, length);
    }
    writer->length += length;
}

void svipc_json_write_string(svipc_json_writer* writer, svipc_string text)
{
    if (text.data == NULL && text.length != 0)
    {
        writer->invalid = true;
        return;
    }
    if (text.length == 0)
    {
        svipc_json_write_raw(writer, "\"\"", 2);
        return;
    }
    const uint8_t* bytes = (const uint8_t*)text.data;
    if (!svipc_utf8_valid(bytes, text.length))
    {
        writer->invalid = true; /* a Rust String is UTF-8: there is nothing faithful to send */
        return;
    }
    static const char hex[] = "0123456789abcdef";
    svipc_json_write_raw(writer, "\"", 1);
    size_t run = 0; /* bytes written raw since the last escape */
    for (size_t i = 0; i < text.length; i++)
    {
        uint8_t c = bytes[i];
        if (c >= 0x20 && c != '"' && c != '\\')
        {
            run++;
            continue;
        }
        svipc_json_write_raw(writer, text.data + i - run, run);
        run = 0;
        char escape[6] = { '\\', 0, 0, 0, 0, 0 };
        size_t escape_length = 2;
        switch (c)
        {
            case '"': escape[1] = '"'; break;
            case '\\': escape[1] = '\\'; break;
            case '\b': escape[1] = 'b'; break;
            case '\f': escape[1] = 'f'; break;
            case '\n': escape[1] = 'n'; break;
            case '\r': escape[1] = 'r'; break;
            case '\t': escape[1] = 't'; break;
            default:
                escape[1] = 'u';
                escape[2] = '0';
                escape[3] = '0';
                escape[4] = hex[c >> 4];
                escape[5] = hex[c & 0xF];
                escape_length = 6;
                break;
        }
        svipc_json_write_raw(writer, escape, escape_length);
    }
    svipc_json_write_raw(writer, text.data + text.length - run, run);
    svipc_json_write_raw(writer, "\"", 1);
}

void svipc_json_write_optional_string(svipc_json_writer* writer, svipc_string text)
{
    if (text.data == NULL)
    {
        svipc_json_write_raw(writer, "null", 4);
    }
    else
    {
        svipc_json_write_string(writer, text);
    }
}

void svipc_json_write_u32(svipc_json_writer* writer, uint32_t value)
{
    char digits[10];
    size_t count = 0;
    do
    {
        digits[sizeof(digits) - 1 - count++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    svipc_json_write_raw(writer, digits + sizeof(digits) - count, count);
}

svipc_status svipc_json_writer_finish(const svipc_json_writer* writer, uint32_t* length)
{
    if (writer->invalid)
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    if (writer->length > SVIPC_MAX_PAYLOAD)
    {
        return SVIPC_TOO_LARGE;
    }
    *length = (uint32_t)writer->length;
    return writer->length > writer->capacity ? SVIPC_BUFFER_TOO_SMALL : SVIPC_OK;
}
