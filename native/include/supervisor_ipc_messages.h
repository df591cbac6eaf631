/*
 * supervisor_ipc — typed protocol messages and the one-call grant request.
 *
 * Included by supervisor_ipc.h; include that header, not this one.
 *
 * Strings
 *   Every string is an svipc_string: UTF-8 bytes and their length, not NUL-terminated
 *   and possibly containing NUL (JSON's "\u0000"). A required string may be
 *   { NULL, 0 } for "". An optional string (CapabilityRequest.reason,
 *   UrlOpened.error) is absent (JSON null) when data is NULL; "" has a non-NULL data.
 *
 * Ownership: one rule
 *   A decoded message borrows from the bytes it was decoded from. Decoding works in
 *   place: a string written with escapes is unescaped over its own bytes (never longer
 *   than the escaped form), so the payload buffer is rewritten and must be writable.
 *   svipc_recv_message / svipc_recv_response decode the socket's own receive buffer:
 *   their strings stay valid until the next receive call on that socket or svipc_close.
 *   Copy what must outlive that. No call here allocates per message.
 *
 * Codec
 *   Exactly serde_json's behaviour for the reference's derived types: encoding is
 *   compact, fields in reference order, strings escaped as serde_json does; decoding
 *   accepts and refuses what serde_json does (see managed/SupervisorIpc/Messages/README.md;
 *   tests/conformance holds the shared cases). Unknown fields are skipped without
 *   recursion at any depth. A refused payload gives SVIPC_MALFORMED_MESSAGE and, when
 *   error is not NULL, the byte offset and kind of the first problem.
 */
#ifndef SUPERVISOR_IPC_MESSAGES_H
#define SUPERVISOR_IPC_MESSAGES_H

#ifndef SUPERVISOR_IPC_H
#error "include supervisor_ipc.h, which includes supervisor_ipc_messages.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** UTF-8 text of a given length; not NUL-terminated. */
typedef struct svipc_string
{
    /** The bytes; NULL only with length 0 (for an optional string: absent). */
    const char* data;
    /** Number of bytes. */
    uint32_t length;
} svipc_string;

/** SupervisorMessage variants (svipc_message.kind). */
#define SVIPC_MESSAGE_REQUEST 0
#define SVIPC_MESSAGE_OPEN_URL 1

/** SupervisorResponse variants (svipc_response.kind). */
#define SVIPC_RESPONSE_DECISION 0
#define SVIPC_RESPONSE_URL_OPENED 1

/** ApprovalDecision variants (svipc_decision.kind). */
#define SVIPC_DECISION_GRANTED 0
#define SVIPC_DECISION_DENIED 1
#define SVIPC_DECISION_TIMEOUT 2

/** CapabilityRequest: a child asks for path with an access (SVIPC_ACCESS_READ, _WRITE, _READ_WRITE). */
typedef struct svipc_capability_request
{
    svipc_string request_id;
    svipc_string path;
    int32_t access;
    uint32_t child_pid;
    /** Optional: data NULL is null on the wire. */
    svipc_string reason;
    svipc_string session_id;
} svipc_capability_request;

/** UrlOpenRequest: a child asks the supervisor to open a URL. */
typedef struct svipc_url_open_request
{
    svipc_string request_id;
    svipc_string url;
    uint32_t child_pid;
    svipc_string session_id;
} svipc_url_open_request;

/** SupervisorMessage (child to supervisor): kind selects the member of as. */
typedef struct svipc_message
{
    int32_t kind;
    union
    {
        svipc_capability_request request;
        svipc_url_open_request open_url;
    } as;
} svipc_message;

/** ApprovalDecision: Granted, Denied { reason } or Timeout. */
typedef struct svipc_decision
{
    int32_t kind;
    /** SVIPC_DECISION_DENIED only: the reason; { NULL, 0 } otherwise. */
    svipc_string reason;
} svipc_decision;

/** SupervisorResponse::Decision. */
typedef struct svipc_decision_response
{
    svipc_string request_id;
    svipc_decision decision;
} svipc_decision_response;

/** SupervisorResponse::UrlOpened. */
typedef struct svipc_url_opened
{
    svipc_string request_id;
    /** 1 or 0. */
    int32_t success;
    /** Optional: data NULL is null on the wire. */
    svipc_string error;
} svipc_url_opened;

/** SupervisorResponse (supervisor to child): kind selects the member of as. */
typedef struct svipc_response
{
    int32_t kind;
    union
    {
        svipc_decision_response decision;
        svipc_url_opened url_opened;
    } as;
} svipc_response;

/** What was wrong with a refused payload (svipc_format_error.kind). */
#define SVIPC_FORMAT_NOT_JSON 1          /* not JSON: bad token, bad escape, control byte in a string, ... */
#define SVIPC_FORMAT_UNEXPECTED_END 2    /* the payload ends inside the value */
#define SVIPC_FORMAT_TRAILING_DATA 3     /* something other than whitespace after the value */
#define SVIPC_FORMAT_UNKNOWN_VARIANT 4   /* an enum variant name that the type does not have */
#define SVIPC_FORMAT_WRONG_SHAPE 5       /* an enum or struct written in a shape serde refuses */
#define SVIPC_FORMAT_WRONG_TYPE 6        /* a field of the wrong JSON type */
#define SVIPC_FORMAT_MISSING_FIELD 7     /* a required field is absent, or an array struct is short */
#define SVIPC_FORMAT_DUPLICATE_FIELD 8   /* a known field appears twice */
#define SVIPC_FORMAT_INVALID_TEXT 9      /* invalid UTF-8 or an unpaired surrogate escape in a key or string */
#define SVIPC_FORMAT_OUT_OF_RANGE 10     /* child_pid is not an integer in 0..4294967295 */
#define SVIPC_FORMAT_TOO_MANY_FIELDS 11  /* a struct written as an array has more elements than fields */

/** Where and why a payload was refused. */
typedef struct svipc_format_error
{
    /** Byte offset in the payload of the token where decoding stopped. */
    uint32_t offset;
    /** SVIPC_FORMAT_* */
    int32_t kind;
} svipc_format_error;

/** Static, English, never-null description of an SVIPC_FORMAT_* value. */
SVIPC_API const char* svipc_format_error_message(int32_t kind);

/* ---- Codec --------------------------------------------------------------------------------- */

/**
 * Encodes a message as serde_json does. *length gets the payload size. When capacity is
 * smaller (buffer may then be NULL), returns SVIPC_BUFFER_TOO_SMALL with *length set to
 * the size needed: call once with capacity 0 to ask. A string that is not valid UTF-8,
 * a NULL string with a length, or a kind or access out of range gives
 * SVIPC_INVALID_ARGUMENT; an encoding longer than SVIPC_MAX_PAYLOAD gives SVIPC_TOO_LARGE
 * (no frame could carry it).
 */
SVIPC_API svipc_status svipc_encode_message(const svipc_message* message, void* buffer, uint32_t capacity,
                                            uint32_t* length);

/** Encodes a response; as svipc_encode_message. */
SVIPC_API svipc_status svipc_encode_response(const svipc_response* response, void* buffer, uint32_t capacity,
                                             uint32_t* length);

/**
 * Decodes a SupervisorMessage in place (see "Ownership" above: payload is rewritten and
 * *message borrows from it). SVIPC_MALFORMED_MESSAGE when serde_json would refuse the
 * payload; then *error (if not NULL) says where and why. A length above
 * SVIPC_MAX_PAYLOAD gives SVIPC_TOO_LARGE: no frame carries it.
 */
SVIPC_API svipc_status svipc_decode_message(void* payload, uint32_t length, svipc_message* message,
                                            svipc_format_error* error);

/** Decodes a SupervisorResponse in place; as svipc_decode_message. */
SVIPC_API svipc_status svipc_decode_response(void* payload, uint32_t length, svipc_response* response,
                                             svipc_format_error* error);

/* ---- On a socket --------------------------------------------------------------------------- */

/**
 * Encodes and sends one message as one frame. The encoding goes to a buffer the socket
 * allocates on its first typed send and keeps until svipc_close. Encoding errors as
 * svipc_encode_message (nothing is sent), sending errors as svipc_send_frame.
 */
SVIPC_API svipc_status svipc_send_message(svipc_socket* socket, const svipc_message* message);

/** Encodes and sends one response; as svipc_send_message. */
SVIPC_API svipc_status svipc_send_response(svipc_socket* socket, const svipc_response* response);

/**
 * Receives the next frame and decodes it in the socket's buffer: *message borrows from
 * the socket until its next receive call or svipc_close. Receiving errors as
 * svipc_recv_frame_borrowed; a malformed payload gives SVIPC_MALFORMED_MESSAGE (with
 * *error, if not NULL) and the stream stays in step for the next receive.
 */
SVIPC_API svipc_status svipc_recv_message(svipc_socket* socket, svipc_message* message, svipc_format_error* error);

/** Receives and decodes the next response; as svipc_recv_message. */
SVIPC_API svipc_status svipc_recv_response(svipc_socket* socket, svipc_response* response,
                                           svipc_format_error* error);

/* ---- The child's calls --------------------------------------------------------------------- */

/**
 * Asks the supervisor for path with access (SVIPC_ACCESS_*), and waits for its answer.
 * Generates a fresh random request id, sends a Request with this process's pid, the
 * optional reason (NULL: none) and session_id (NULL: ""), then receives the Decision
 * and, for a grant, its descriptor, in either order. Responses to other request ids
 * (answers to requests abandoned after a timeout) are skipped, a descriptor sent with one
 * is closed. timeout_ms (> 0, or SVIPC_INFINITE_TIMEOUT) bounds each wait, for the
 * decision and for its descriptor; the socket's own read timeout is restored afterwards.
 *
 * On SVIPC_OK, *decision holds the decision (a Denied reason borrows from the socket
 * until its next receive call) and *fd the granted descriptor (close-on-exec, the
 * caller's) or -1 when not granted. A UrlOpened answer, or a grant without a descriptor,
 * gives SVIPC_PROTOCOL_VIOLATION; a malformed answer SVIPC_MALFORMED_MESSAGE.
 * Strings must be NUL-terminated UTF-8. It waits for the answer itself, so a socket in
 * non-blocking mode (svipc_set_nonblocking) gives SVIPC_INVALID_ARGUMENT and nothing is sent.
 */
SVIPC_API svipc_status svipc_request_access(svipc_socket* socket, const char* path, int32_t access,
                                            const char* reason, const char* session_id, int32_t timeout_ms,
                                            int32_t* fd, svipc_decision* decision);

/**
 * Asks the supervisor to open url, as svipc_request_access asks for a file. On SVIPC_OK
 * *success is 1 or 0 and *error the supervisor's error text (data NULL when none; it
 * borrows from the socket until its next receive call). A Decision answer gives
 * SVIPC_PROTOCOL_VIOLATION. error may be NULL.
 */
SVIPC_API svipc_status svipc_open_url(svipc_socket* socket, const char* url, const char* session_id,
                                      int32_t timeout_ms, int32_t* success, svipc_string* error);

/* ---- The supervisor's answers -------------------------------------------------------------- */

/**
 * Answers a request the supervisor decided to grant, as the reference does: opens
 * request->path with svipc_open_confined (request->access, within roots), sends the
 * descriptor, then Decision Granted, and closes its copy of the descriptor. When the
 * open fails, sends Decision Denied with a reason naming the failure instead.
 * *open_status (may be NULL) gets svipc_open_confined's status (SVIPC_OK when granted);
 * the return value is that of sending the answer.
 */
SVIPC_API svipc_status svipc_grant(svipc_socket* socket, const svipc_capability_request* request,
                                   const char* const* roots, uint32_t root_count, svipc_status* open_status);

/** Sends Decision Denied { reason } (NUL-terminated UTF-8) for request_id. */
SVIPC_API svipc_status svipc_deny(svipc_socket* socket, svipc_string request_id, const char* reason);

/** Sends Decision Timeout for request_id (no decision came in time). */
SVIPC_API svipc_status svipc_answer_timeout(svipc_socket* socket, svipc_string request_id);

/** Sends UrlOpened for request_id: success 1 or 0, error NULL (null) or NUL-terminated UTF-8. */
SVIPC_API svipc_status svipc_answer_url(svipc_socket* socket, svipc_string request_id, int32_t success,
                                        const char* error);

#ifdef __cplusplus
}
#endif

#endif /* SUPERVISOR_IPC_MESSAGES_H */
