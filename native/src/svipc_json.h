/*
 * Private: the JSON reading and writing behind the typed-message codec
 * (json_read.c, json_skip.c, json_write.c, utf8.c). Every reader works on one
 * payload through an svipc_json cursor and stops at the first error, which it
 * records with its offset; callers just return false up the chain.
 */
#ifndef SVIPC_JSON_H
#define SVIPC_JSON_H

#include "supervisor_ipc.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* utf8.c: strict UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF), as Rust's str. */
bool svipc_utf8_valid(const uint8_t* bytes, size_t length);

typedef struct svipc_json
{
    uint8_t* bytes;  /* the payload; decoded strings are unescaped in place */
    uint32_t length;
    uint32_t position;
    svipc_format_error error; /* kind 0 until the first failure */
} svipc_json;

/* Records the first failure at offset and returns false. */
bool svipc_json_fail(svipc_json* json, int32_t kind, uint32_t offset);

/* Skips JSON whitespace (space, tab, LF, CR; not form feed); returns the next byte or -1 at the end. */
int svipc_json_peek(svipc_json* json);

/* Consumes byte c after whitespace; a different byte is SVIPC_FORMAT_NOT_JSON, the end UNEXPECTED_END. */
bool svipc_json_expect(svipc_json* json, uint8_t c);

/* Consumes the literal (null, true, false) at the position; anything else is NOT_JSON. */
bool svipc_json_literal(svipc_json* json, const char* literal, uint32_t length);

/*
 * At a '"': reads the string, unescaping it over its own bytes, and checks that the result is
 * valid Unicode text (no invalid UTF-8, no unpaired surrogate escape): INVALID_TEXT otherwise.
 */
bool svipc_json_string(svipc_json* json, svipc_string* text);

/* At the start of a number: checks the grammar and gives its literal span. */
bool svipc_json_number(svipc_json* json, uint32_t* start, uint32_t* end);

/*
 * Skips one value of any shape and depth, without recursion and without decoding its strings
 * (serde's IgnoredAny: escapes and control bytes are checked, UTF-8 is not).
 */
bool svipc_json_skip_value(svipc_json* json);

/*
 * json_struct.c: the fields of a serde-derived struct, written as an object (any order, unknown keys
 * skipped, duplicates refused) or as an array of exactly its fields in declaration order.
 */
/* A field or variant name with its length, for tables of static names. */
#define SVIPC_JSON_NAME(text) { text, (uint32_t)(sizeof(text) - 1) }

/* Whether text is exactly name. */
bool svipc_json_name_is(svipc_string text, svipc_string name);

typedef struct svipc_json_struct
{
    const svipc_string* names;
    uint32_t count;
    bool positional;
    bool first;
    uint32_t next; /* positional: index of the next element */
    uint32_t seen; /* bit i: field i was read */
} svipc_json_struct;

/* At '{' or '[' (anything else is WRONG_SHAPE), starts reading a struct with count (<= 32) fields. */
bool svipc_json_struct_begin(svipc_json* json, svipc_json_struct* fields, const svipc_string* names, uint32_t count);
/* 1: *field is the next known field, the position is at its value; 0: the struct ended; -1: refused. */
int svipc_json_struct_next(svipc_json* json, svipc_json_struct* fields, uint32_t* field);
/* Refuses (MISSING_FIELD) if a field of required_mask was not read. */
bool svipc_json_struct_require(svipc_json* json, const svipc_json_struct* fields, uint32_t required_mask);

/* json_write.c: a writer that counts every byte and stores those that fit. */
typedef struct svipc_json_writer
{
    uint8_t* buffer;
    uint32_t capacity;
    uint64_t length;
    bool invalid; /* a string was not UTF-8, or was NULL with a length */
} svipc_json_writer;

void svipc_json_write_raw(svipc_json_writer* writer, const char* bytes, size_t length);
/* Writes a string literal (keys, punctuation) without measuring it at run time. */
#define svipc_json_write_text(writer, literal) svipc_json_write_raw((writer), (literal), sizeof(literal) - 1)
/* Writes a quoted string with serde_json's escapes; marks the writer invalid if it is not UTF-8. */
void svipc_json_write_string(svipc_json_writer* writer, svipc_string text);
/* Writes a string, or null when data is NULL. */
void svipc_json_write_optional_string(svipc_json_writer* writer, svipc_string text);
void svipc_json_write_u32(svipc_json_writer* writer, uint32_t value);
/* The status for a finished writer: OK, INVALID_ARGUMENT, TOO_LARGE or BUFFER_TOO_SMALL; *length is set unless invalid. */
svipc_status svipc_json_writer_finish(const svipc_json_writer* writer, uint32_t* length);

#endif /* SVIPC_JSON_H */
