/*
 * The few JSON shapes a C child exchanges with its supervisor (PROTOCOL.md):
 * writing SupervisorMessage frames exactly as serde_json does, and reading
 * SupervisorResponse frames strictly (unknown fields skipped, anything else
 * malformed refused). No allocation: callers provide the buffers.
 */
#ifndef WIRE_JSON_H
#define WIRE_JSON_H

#include <stddef.h>
#include <stdint.h>

/* Longest string the reader keeps (request ids, reasons, errors); longer ones are refused. */
#define WIRE_MAX_TEXT 1024

typedef enum wire_access
{
    WIRE_ACCESS_READ,
    WIRE_ACCESS_WRITE,
    WIRE_ACCESS_READ_WRITE,
} wire_access;

typedef enum wire_response_kind
{
    WIRE_DECISION_GRANTED,
    WIRE_DECISION_DENIED,
    WIRE_DECISION_TIMEOUT,
    WIRE_URL_OPENED,
} wire_response_kind;

typedef struct wire_response
{
    wire_response_kind kind;
    char request_id[WIRE_MAX_TEXT + 1];
    /* Denied: the reason. UrlOpened: the error, empty when null. */
    char text[WIRE_MAX_TEXT + 1];
    /* UrlOpened only. */
    int success;
} wire_response;

/*
 * Each writer returns the payload length, or 0 when a string is not valid UTF-8
 * or the result does not fit capacity. reason may be NULL (written as null).
 */
size_t wire_write_request(char* buffer, size_t capacity, const char* request_id, const char* path,
                          wire_access access, const char* reason, uint32_t child_pid, const char* session_id);
size_t wire_write_open_url(char* buffer, size_t capacity, const char* request_id, const char* url,
                           uint32_t child_pid, const char* session_id);

/* Parses one response payload; returns 1 on success, 0 on anything malformed. */
int wire_read_response(const uint8_t* payload, size_t length, wire_response* response);

#endif /* WIRE_JSON_H */
