/* The typed messages as serde_json writes the reference's derived types: compact, fields in declaration order. */
#include "svipc_json.h"

static const svipc_string* access_name(int32_t access)
{
    static const svipc_string names[] = { SVIPC_JSON_NAME("\"Read\""), SVIPC_JSON_NAME("\"Write\""),
                                          SVIPC_JSON_NAME("\"ReadWrite\"") };
    return access >= SVIPC_ACCESS_READ && access <= SVIPC_ACCESS_READ_WRITE ? &names[access] : NULL;
}

static void write_request(svipc_json_writer* w, const svipc_capability_request* r)
{
    const svipc_string* access = access_name(r->access);
    if (access == NULL)
    {
        w->invalid = true;
        return;
    }
    svipc_json_write_text(w, "{\"Request\":{\"request_id\":");
    svipc_json_write_string(w, r->request_id);
    svipc_json_write_text(w, ",\"path\":");
    svipc_json_write_string(w, r->path);
    svipc_json_write_text(w, ",\"access\":");
    svipc_json_write_raw(w, access->data, access->length);
    svipc_json_write_text(w, ",\"reason\":");
    svipc_json_write_optional_string(w, r->reason);
    svipc_json_write_text(w, ",\"child_pid\":");
    svipc_json_write_u32(w, r->child_pid);
    svipc_json_write_text(w, ",\"session_id\":");
    svipc_json_write_string(w, r->session_id);
    svipc_json_write_text(w, "}}");
}

static void write_open_url(svipc_json_writer* w, const svipc_url_open_request* r)
{
    svipc_json_write_text(w, "{\"OpenUrl\":{\"request_id\":");
    svipc_json_write_string(w, r->request_id);
    svipc_json_write_text(w, ",\"url\":");
    svipc_json_write_string(w, r->url);
    svipc_json_write_text(w, ",\"child_pid\":");
    svipc_json_write_u32(w, r->child_pid);
    svipc_json_write_text(w, ",\"session_id\":");
    svipc_json_write_string(w, r->session_id);
    svipc_json_write_text(w, "}}");
}

static void write_decision(svipc_json_writer* w, const svipc_decision_response* d)
{
    svipc_json_write_text(w, "{\"Decision\":{\"request_id\":");
    svipc_json_write_string(w, d->request_id);
    switch (d->decision.kind)
    {
        case SVIPC_DECISION_GRANTED:
            svipc_json_write_text(w, ",\"decision\":\"Granted\"}}");
            break;
        case SVIPC_DECISION_TIMEOUT:
            svipc_json_write_text(w, ",\"decision\":\"Timeout\"}}");
            break;
        case SVIPC_DECISION_DENIED:
            svipc_json_write_text(w, ",\"decision\":{\"Denied\":{\"reason\":");
            /* Denied's reason is a String, not an Option: absent is written as "". */
            svipc_json_write_string(w, d->decision.reason);
            svipc_json_write_text(w, "}}}}");
            break;
        default:
            w->invalid = true;
            break;
    }
}

static void write_url_opened(svipc_json_writer* w, const svipc_url_opened* u)
{
    if (u->success != 0 && u->success != 1)
    {
        w->invalid = true;
        return;
    }
    svipc_json_write_text(w, "{\"UrlOpened\":{\"request_id\":");
    svipc_json_write_string(w, u->request_id);
    if (u->success)
    {
        svipc_json_write_text(w, ",\"success\":true,\"error\":");
    }
    else
    {
        svipc_json_write_text(w, ",\"success\":false,\"error\":");
    }
    svipc_json_write_optional_string(w, u->error);
    svipc_json_write_text(w, "}}");
}

svipc_status svipc_encode_message(const svipc_message* message, void* buffer, uint32_t capacity, uint32_t* length)
{
    if (message == NULL || length == NULL || (buffer == NULL && capacity != 0))
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    svipc_json_writer writer = { buffer, capacity, 0, false };
    switch (message->kind)
    {
        case SVIPC_MESSAGE_REQUEST: write_request(&writer, &message->as.request); break;
        case SVIPC_MESSAGE_OPEN_URL: write_open_url(&writer, &message->as.open_url); break;
        default: return SVIPC_INVALID_ARGUMENT;
    }
    return svipc_json_writer_finish(&writer, length);
}

svipc_status svipc_encode_response(const svipc_response* response, void* buffer, uint32_t capacity,
                                   uint32_t* length)
{
    if (response == NULL || length == NULL || (buffer == NULL && capacity != 0))
    {
        return SVIPC_INVALID_ARGUMENT;
    }
    svipc_json_writer writer = { buffer, capacity, 0, false };
    switch (response->kind)
    {
        case SVIPC_RESPONSE_DECISION: write_decision(&writer, &response->as.decision); break;
        case SVIPC_RESPONSE_URL_OPENED: write_url_opened(&writer, &response->as.url_opened); break;
        default: return SVIPC_INVALID_ARGUMENT;
    }
    return svipc_json_writer_finish(&writer, length);
}
