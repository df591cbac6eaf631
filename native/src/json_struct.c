/* Walking the fields of a serde-derived struct, as its derived visit_map / visit_seq do. */
#include "svipc_json.h"

#include <string.h>

bool svipc_json_name_is(svipc_string text, svipc_string name)
{
    return text.length == name.length && memcmp(text.data, name.data, name.length) == 0;
}

bool svipc_json_struct_begin(svipc_json* json, svipc_json_struct* fields, const svipc_string* names, uint32_t count)
{
    int c = svipc_json_peek(json);
    if (c != '{' && c != '[')
    {
        return svipc_json_fail(json, c < 0 ? SVIPC_FORMAT_UNEXPECTED_END : SVIPC_FORMAT_WRONG_SHAPE, json->position);
    }
    json->position++;
    fields->names = names;
    fields->count = count;
    fields->positional = c == '[';
    fields->first = true;
    fields->next = 0;
    fields->seen = 0;
    return true;
}

static int fail_token(svipc_json* json, int c)
{
    svipc_json_fail(json, c < 0 ? SVIPC_FORMAT_UNEXPECTED_END : SVIPC_FORMAT_NOT_JSON, json->position);
    return -1;
}

static int next_element(svipc_json* json, svipc_json_struct* fields, uint32_t* field)
{
    int c = svipc_json_peek(json);
    if (c == ']')
    {
        if (fields->next != fields->count)
        {
            svipc_json_fail(json, SVIPC_FORMAT_MISSING_FIELD, json->position);
            return -1;
        }
        json->position++;
        return 0;
    }
    if (!fields->first)
    {
        if (c != ',')
        {
            return fail_token(json, c);
        }
        json->position++;
        svipc_json_peek(json);
    }
    fields->first = false;
    if (fields->next == fields->count)
    {
        svipc_json_fail(json, SVIPC_FORMAT_TOO_MANY_FIELDS, json->position);
        return -1;
    }
    *field = fields->next++;
    fields->seen |= 1u << *field;
    return 1;
}

static int next_member(svipc_json* json, svipc_json_struct* fields, uint32_t* field)
{
    for (;;)
    {
        int c = svipc_json_peek(json);
        if (c == '}')
        {
            json->position++;
            return 0;
        }
        if (!fields->first)
        {
            if (c != ',')
            {
                return fail_token(json, c);
            }
            json->position++;
            c = svipc_json_peek(json);
        }
        fields->first = false;
        if (c != '"')
        {
            return fail_token(json, c);
        }
        uint32_t key_offset = json->position;
        svipc_string key;
        /* serde decodes every key before matching it: an invalid one is refused even where it would be ignored. */
        if (!svipc_json_string(json, &key) || !svipc_json_expect(json, ':'))
        {
            return -1;
        }
        uint32_t index = 0;
        while (index < fields->count && !svipc_json_name_is(key, fields->names[index]))
        {
            index++;
        }
        if (index == fields->count)
        {
            if (!svipc_json_skip_value(json))
            {
                return -1;
            }
            continue;
        }
        if (fields->seen & (1u << index))
        {
            svipc_json_fail(json, SVIPC_FORMAT_DUPLICATE_FIELD, key_offset);
            return -1;
        }
        fields->seen |= 1u << index;
        svipc_json_peek(json);
        *field = index;
        return 1;
    }
}

int svipc_json_struct_next(svipc_json* json, svipc_json_struct* fields, uint32_t* field)
{
    return fields->positional ? next_element(json, fields, field) : next_member(json, fields, field);
}

bool svipc_json_struct_require(svipc_json* json, const svipc_json_struct* fields, uint32_t required_mask)
{
    if ((required_mask & ~fields->seen) != 0)
    {
        return svipc_json_fail(json, SVIPC_FORMAT_MISSING_FIELD, json->position);
    }
    return true;
}
