#!/usr/bin/env python3
"""Writes decode-cases.tsv, the conformance cases both codecs run (tests/conformance/README.md).

Each case is a payload, the direction it is decoded in, the verdict serde_json gives it, and, when it is
accepted, the value it stands for. The value is written here by hand and encoded by `canonical` below
(Python's json module with serde_json's compact settings escapes strings the same way), so the expected
re-encoding does not come from either codec under test.

Run it after changing a case: python3 tests/conformance/make_cases.py
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def canonical(value):
    """serde_json's compact output for a typed value (see the tuples built by the helpers below)."""
    def s(text):
        return json.dumps(text, ensure_ascii=False)

    kind = value[0]
    if kind == "Request":
        _, rid, path, access, reason, pid, session = value
        return ('{"Request":{"request_id":%s,"path":%s,"access":"%s","reason":%s,"child_pid":%d,"session_id":%s}}'
                % (s(rid), s(path), access, "null" if reason is None else s(reason), pid, s(session)))
    if kind == "OpenUrl":
        _, rid, url, pid, session = value
        return '{"OpenUrl":{"request_id":%s,"url":%s,"child_pid":%d,"session_id":%s}}' % (s(rid), s(url), pid, s(session))
    if kind == "Decision":
        _, rid, decision = value
        if isinstance(decision, tuple):
            d = '{"Denied":{"reason":%s}}' % s(decision[1])
        else:
            d = '"%s"' % decision
        return '{"Decision":{"request_id":%s,"decision":%s}}' % (s(rid), d)
    if kind == "UrlOpened":
        _, rid, success, error = value
        return '{"UrlOpened":{"request_id":%s,"success":%s,"error":%s}}' % (
            s(rid), "true" if success else "false", "null" if error is None else s(error))
    raise ValueError(kind)


def request(rid="r", path="/p", access="Read", reason=None, pid=7, session="s"):
    return ("Request", rid, path, access, reason, pid, session)


def denied(reason):
    return ("Denied", reason)


VALID_BODY = '{"request_id":"r","path":"/p","access":"Read","reason":null,"child_pid":7,"session_id":"s"}'
VALID = request()


def req(body):
    return '{"Request":' + body + '}'


def with_pid(literal):
    return req('{"request_id":"r","path":"/p","access":"Read","reason":null,"child_pid":' + literal + ',"session_id":"s"}')


def insert_field(text):
    """VALID_BODY with text inserted right after its opening brace."""
    return req('{' + text + VALID_BODY[1:])


def replace_field(field, value):
    start = VALID_BODY.index('"%s":' % field) + len(field) + 3
    end = min(i for i in (VALID_BODY.find(',', start), VALID_BODY.find('}', start)) if i >= 0)
    return req(VALID_BODY[:start] + value + VALID_BODY[end:])


def remove_field(field):
    start = VALID_BODY.index('"%s":' % field)
    end = VALID_BODY.find(',', start)
    if end < 0:
        return req(VALID_BODY[:start - 1] + '}')
    return req(VALID_BODY[:start] + VALID_BODY[end + 1:])


cases = []  # (direction, verdict, name, payload bytes, expected value or None)


def accept(direction, name, payload, value):
    cases.append((direction, "accept", name, payload if isinstance(payload, bytes) else payload.encode(), value))


def reject(direction, name, payload):
    cases.append((direction, "reject", name, payload if isinstance(payload, bytes) else payload.encode(), None))


M, R = "message", "response"

# ---- shapes serde accepts ---------------------------------------------------------------------------------------
accept(M, "canonical_request", req(VALID_BODY), VALID)
accept(M, "fields_in_reverse_order", req('{"session_id":"s","child_pid":7,"reason":null,"access":"Read","path":"/p","request_id":"r"}'), VALID)
accept(R, "url_opened_fields_reordered", '{"UrlOpened":{"error":"e","success":true,"request_id":"u"}}', ("UrlOpened", "u", True, "e"))
accept(M, "missing_reason_is_null", remove_field("reason"), VALID)
accept(R, "missing_error_is_null", '{"UrlOpened":{"request_id":"u","success":true}}', ("UrlOpened", "u", True, None))
accept(M, "escaped_key", req(VALID_BODY.replace('"request_id"', '"request\\u005fid"')), VALID)
accept(M, "escaped_variant_name", '{"Req\\u0075est":' + VALID_BODY + '}', VALID)
accept(M, "unknown_fields_of_every_kind", insert_field(
    '"extra":{"a":[1,2.5e3,-0,{"b":null}],"c":"\\u00e9"},"n":true,"m":[],"o":{},"x":"","child_pid_":-1,"request_id ":5,"extra":1,'), VALID)
accept(R, "unknown_fields_in_decision_and_denied",
       '{"Decision":{"v":2,"request_id":"r","decision":{"Denied":{"code":3,"reason":"no"}},"z":[]}}', ("Decision", "r", denied("no")))
accept(R, "granted_as_object_with_null", '{"Decision":{"request_id":"r","decision":{"Granted":null}}}', ("Decision", "r", "Granted"))
accept(R, "timeout_as_object_with_null", '{"Decision":{"request_id":"r","decision":{"Timeout":null}}}', ("Decision", "r", "Timeout"))
accept(M, "access_as_object_with_null", replace_field("access", '{"ReadWrite" : null}'), request(access="ReadWrite"))
accept(M, "access_write", replace_field("access", '"Write"'), request(access="Write"))
accept(M, "request_as_array", req('["r","/p","Read",null,7,"s"]'), VALID)
accept(M, "open_url_as_array", '{"OpenUrl":["u","https://x",3,"s"]}', ("OpenUrl", "u", "https://x", 3, "s"))
accept(R, "decision_and_denied_as_arrays", '{"Decision":["r",{"Denied":["why"]}]}', ("Decision", "r", denied("why")))
accept(R, "url_opened_as_array", '{"UrlOpened":["u",true,null]}', ("UrlOpened", "u", True, None))
accept(M, "whitespace_between_every_token",
       ' {\t"Request" :\n{ "request_id" : "r" , "path":"/p",\r"access" : "Read" , "reason" : null , "child_pid" : 7 , "session_id" : "s" } }\n ',
       VALID)
for literal, value in (("0", 0), ("1", 1), ("4294967295", 4294967295), ("2147483648", 2147483648)):
    accept(M, "child_pid_" + literal, with_pid(literal), request(pid=value))
accept(M, "reason_present", replace_field("reason", '"because"'), request(reason="because"))
accept(M, "reason_empty_is_not_null", replace_field("reason", '""'), request(reason=""))
accept(R, "url_opened_false_with_error", '{"UrlOpened":{"request_id":"u","success":false,"error":"e"}}', ("UrlOpened", "u", False, "e"))
accept(R, "empty_strings", '{"Decision":{"request_id":"","decision":{"Denied":{"reason":""}}}}', ("Decision", "", denied("")))

# ---- strings ----------------------------------------------------------------------------------------------------
for name, escaped, text in (
        ("escape_u0041", "\\u0041", "A"), ("escape_solidus", "\\/", "/"), ("escape_e_acute_both_cases", "\\u00E9\\u00e9", "\u00e9\u00e9"),
        ("escape_surrogate_pair_upper", "\\uD83D\\uDE00", "\U0001F600"), ("escape_surrogate_pair_lower", "\\ud83d\\ude00", "\U0001F600"),
        ("escape_short_forms", "\\b\\f\\n\\r\\t\\\"\\\\", "\b\f\n\r\t\"\\"), ("escape_nul", "\\u0000", "\0"),
        ("escape_every_control", "".join("\\u%04x" % c for c in range(32)), "".join(chr(c) for c in range(32))),
        ("raw_del_and_punctuation", "\x7f<>&'+=?#%/~", "\x7f<>&'+=?#%/~"),
        ("raw_non_ascii", "\u00e9\u4e2d\u2028\u2029\ufeff\uffff\U0001F600\U0010FFFF", "\u00e9\u4e2d\u2028\u2029\ufeff\uffff\U0001F600\U0010FFFF"),
        ("escaped_non_bmp_max", "\\udbff\\udfff", "\U0010FFFF")):
    accept(M, "path_" + name, replace_field("path", '"' + escaped + '"'), request(path=text))
accept(R, "denied_reason_escapes", '{"Decision":{"request_id":"d","decision":{"Denied":{"reason":"a\\nb","x":1}}}}', ("Decision", "d", denied("a\nb")))
accept(R, "request_id_escapes", ' { "Decision" : { "extra" : [1, {"a": null}, -2.5e3], "decision" : "Granted" , "request_id" : "r\\u00e9\\ud83d\\ude00" } } ',
       ("Decision", "r\u00e9\U0001F600", "Granted"))
# serde does not decode strings it skips: invalid UTF-8 and unpaired surrogates there pass.
accept(M, "invalid_utf8_inside_skipped_value", b'{"Request":{"x":"\xff\xc0\x80",' + VALID_BODY[1:].encode() + b'}', VALID)
accept(M, "unpaired_surrogate_inside_skipped_value", insert_field('"x":["\\ud800"],'), VALID)
accept(M, "deep_nesting_in_skipped_value", insert_field('"x":' + '[' * 10000 + ']' * 10000 + ','), VALID)
accept(M, "deep_objects_in_skipped_value", insert_field('"y":' + '{"a":' * 3000 + '1' + '}' * 3000 + ','), VALID)

for name, escape in (("lone_high", "\\ud800"), ("lone_low", "\\udc00"), ("high_then_ascii", "\\ud800x"), ("high_then_bmp_escape", "\\ud800\\u0041"),
                     ("pair_reversed", "\\ude00\\ud83d"), ("two_highs", "\\ud83d\\ud83d")):
    reject(M, "path_" + name, replace_field("path", '"' + escape + '"'))
    reject(R, "reason_" + name, '{"Decision":{"request_id":"r","decision":{"Denied":{"reason":"' + escape + '"}}}}')
    reject(M, "unknown_key_" + name, insert_field('"' + escape + '":0,'))
INVALID_UTF8 = {"lone_continuation": b"\x80", "ff": b"\xff", "overlong_slash": b"\xc0\xaf", "overlong_3": b"\xe0\x80\xaf",
                "encoded_surrogate": b"\xed\xa0\x80", "above_10ffff": b"\xf4\x90\x80\x80", "truncated_2": b"\xc3", "truncated_4": b"\xf0\x9f\x98",
                "f5": b"\xf5\x80\x80\x80"}
for name, raw in INVALID_UTF8.items():
    reject(M, "path_invalid_utf8_" + name, req(VALID_BODY).encode().replace(b'"/p"', b'"' + raw + b'"'))
    reject(M, "key_invalid_utf8_" + name, b'{"Request":{"' + raw + b'":1,' + VALID_BODY[1:].encode() + b'}')
reject(M, "variant_name_invalid_utf8", b'{"Req\xff":{}}')
reject(R, "request_id_invalid_utf8", b'{"Decision":{"request_id":"\xff","decision":"Granted"}}')
reject(R, "error_invalid_utf8", b'{"UrlOpened":{"request_id":"u","success":false,"error":"\xc0\xaf"}}')
for name, text in (("raw_newline", "a\nb"), ("raw_tab", "a\tb"), ("raw_nul", "a\0b"), ("raw_0x1f", "a\x1fb")):
    reject(M, "path_" + name, replace_field("path", '"' + text + '"'))
reject(M, "skipped_string_raw_control", insert_field('"x":"a\x01",'))
for name, escape in (("bad_escape_x", "\\x"), ("short_unicode_escape", "\\u12"), ("bad_hex", "\\u12G4"), ("escaped_apostrophe", "\\'")):
    reject(M, "path_" + name, replace_field("path", '"' + escape + '"'))
    reject(M, "skipped_" + name, insert_field('"x":"' + escape + '",'))

# ---- shapes serde refuses ---------------------------------------------------------------------------------------
for name, field in (("request_id", "request_id"), ("path", "path"), ("access", "access"), ("child_pid", "child_pid"), ("session_id", "session_id")):
    reject(M, "missing_" + name, remove_field(field))
reject(M, "open_url_missing_url", '{"OpenUrl":{"request_id":"u","child_pid":1,"session_id":"s"}}')
reject(R, "decision_missing_decision", '{"Decision":{"request_id":"r"}}')
reject(R, "decision_missing_request_id", '{"Decision":{"decision":"Granted"}}')
reject(R, "url_opened_missing_success", '{"UrlOpened":{"request_id":"u","error":null}}')
reject(R, "denied_missing_reason", '{"Decision":{"request_id":"r","decision":{"Denied":{}}}}')
reject(M, "request_empty_object", req("{}"))
for field, value in (("request_id", '"other"'), ("path", '"/etc/shadow"'), ("access", '"Write"'), ("reason", "null"), ("child_pid", "1"), ("session_id", '"s"')):
    reject(M, "duplicate_" + field, req(VALID_BODY[:-1] + ',"' + field + '":' + value + '}'))
reject(M, "duplicate_behind_escape", insert_field('"p\\u0061th":"/x",'))
reject(R, "duplicate_decision", '{"Decision":{"request_id":"r","decision":"Granted","decision":"Granted"}}')
reject(R, "duplicate_success", '{"UrlOpened":{"request_id":"u","success":true,"success":false}}')
reject(R, "duplicate_denied_reason", '{"Decision":{"request_id":"r","decision":{"Denied":{"reason":"a","reason":"b"}}}}')
reject(M, "duplicate_url", '{"OpenUrl":{"request_id":"u","url":"a","url":"b","child_pid":1,"session_id":"s"}}')
for name, payload in (("unknown_variant", '{"Bogus":{}}'), ("variant_lowercase", '{"request":{}}'), ("response_variant_as_message", '{"Decision":{}}'),
                      ("unknown_bare_variant", '"Bogus"'), ("request_as_bare_string", '"Request"'), ("open_url_as_bare_string", '"OpenUrl"'),
                      ("empty_enum_object", "{}"), ("second_key_other_variant", req(VALID_BODY)[:-1] + ',"OpenUrl":{}}'),
                      ("second_key_same_variant", req(VALID_BODY)[:-1] + ',"Request":' + VALID_BODY + '}'),
                      ("request_null", '{"Request":null}'), ("request_string", '{"Request":"x"}'), ("open_url_number", '{"OpenUrl":7}'),
                      ("top_null", "null"), ("top_array", "[]"), ("top_number", "42"), ("empty", ""), ("only_whitespace", "  \n\t\r "),
                      ("deep_arrays_at_top", "[" * 10000), ("deep_arrays_in_request", req("[" * 10000)),
                      ("closed_deep_arrays_at_top", "[" * 10000 + "]" * 10000),
                      ("deep_arrays_as_path", req('{"path":' + "[" * 10000 + "]" * 10000 + '}')),
                      ("key_with_escaped_control_unknown_variant", '{"Bad\\u0007Name":{}}')):
    reject(M, name, payload)
for name, payload in (("unknown_variant", '{"UrlOpen":{}}'), ("decision_as_bare_string", '"Decision"'), ("top_deep_objects", "{" * 10000),
                      ("denied_as_bare_string", '{"Decision":{"request_id":"r","decision":"Denied"}}'),
                      ("decision_lowercase", '{"Decision":{"request_id":"r","decision":"granted"}}'),
                      ("decision_unknown_object", '{"Decision":{"request_id":"r","decision":{"Allowed":null}}}'),
                      ("decision_empty_object", '{"Decision":{"request_id":"r","decision":{}}}'),
                      ("decision_two_keys", '{"Decision":{"request_id":"r","decision":{"Granted":null,"Timeout":null}}}'),
                      ("granted_with_object", '{"Decision":{"request_id":"r","decision":{"Granted":{}}}}'),
                      ("timeout_with_false", '{"Decision":{"request_id":"r","decision":{"Timeout":false}}}'),
                      ("denied_with_string", '{"Decision":{"request_id":"r","decision":{"Denied":"no"}}}'),
                      ("denied_reason_null", '{"Decision":{"request_id":"r","decision":{"Denied":{"reason":null}}}}'),
                      ("decision_null", '{"Decision":{"request_id":"r","decision":null}}'),
                      ("decision_true", '{"Decision":{"request_id":"r","decision":true}}'),
                      ("success_number", '{"UrlOpened":{"request_id":"u","success":1,"error":null}}'),
                      ("success_string", '{"UrlOpened":{"request_id":"u","success":"true","error":null}}'),
                      ("success_null", '{"UrlOpened":{"request_id":"u","success":null,"error":null}}'),
                      ("request_id_number", '{"Decision":{"request_id":7,"decision":"Granted"}}'),
                      ("trailing_garbage", '{"Decision":{"request_id":"x","decision":"Granted"}} x'),
                      ("truncated", '{"Decision":{"request_id":"x","decision":"Granted"'),
                      ("message_frame_as_response", req(VALID_BODY)),
                      ("leading_zero_in_skipped", '{"Decision":{"request_id":"x","decision":"Granted","n":01}}')):
    reject(R, name, payload)
reject(M, "response_frame_as_message", '{"Decision":{"request_id":"r","decision":"Granted"}}')
for name, body in (("array_short", '["r","/p","Read",null,7]'), ("array_long", '["r","/p","Read",null,7,"s",1]'), ("array_empty", "[]"),
                   ("array_wrong_order", '["r","/p","Read",7,null,"s"]'), ("array_trailing_comma", '["r","/p","Read",null,7,"s",]')):
    reject(M, name, req(body))
for name, field, value in (("request_id_number", "request_id", "1"), ("request_id_null", "request_id", "null"),
                           ("path_array", "path", '["/p"]'), ("path_object", "path", "{}"), ("access_lowercase", "access", '"read"'),
                           ("access_unknown", "access", '"Execute"'), ("access_number", "access", "0"), ("access_with_data", "access", '{"Read":1}'),
                           ("reason_false", "reason", "false"), ("child_pid_string", "child_pid", '"7"'), ("child_pid_null", "child_pid", "null"),
                           ("session_id_true", "session_id", "true")):
    reject(M, "wrong_type_" + name, replace_field(field, value))
for literal in ("-1", "-0", "4294967296", "18446744073709551615", "18446744073709551616", "99999999999999999999999999999999",
                "1.5", "1.0", "0.0", "1e3", "1E3", "1e0", "-2147483648", "007", "1.", ".5", "+1", "1e", "-"):
    reject(M, "child_pid_" + literal.replace(".", "dot").replace("-", "minus").replace("+", "plus"), with_pid(literal))
reject(M, "open_url_child_pid_negative", '{"OpenUrl":{"request_id":"u","url":"x","child_pid":-5,"session_id":"s"}}')
for name, text in (("form_feed", "\f"), ("vertical_tab", "\v"), ("nbsp", "\u00a0"), ("bom", "\ufeff")):
    reject(M, "leading_" + name, text + req(VALID_BODY))
    reject(M, "trailing_" + name, req(VALID_BODY) + text)
for name, payload in (("comment", req(VALID_BODY + "/* c */")), ("trailing_comma", req(VALID_BODY + ",")),
                      ("single_quotes", "{'Request':" + VALID_BODY + "}"), ("bare_key", "{Request:" + VALID_BODY + "}"),
                      ("two_values", req("{}") + "{}"), ("value_then_letter", req("{}") + " x"), ("value_then_nul", req("{}") + "\0")):
    reject(M, name, payload)
for name, value in (("trailing_comma", "[1,]"), ("leading_zero", "[01]"), ("dot_without_digits", "[1.]"), ("leading_dot", "[.5]"),
                    ("plus_sign", "[+1]"), ("nan", "[NaN]"), ("truncated_true", "[tru]"), ("missing_colon", '{"a" 1}'),
                    ("object_trailing_comma", '{"a":1,}'), ("number_key", "{1:2}"), ("unclosed", "[1"), ("mismatched", "[1}")):
    reject(M, "skipped_" + name, insert_field('"x":' + value + ','))

# Every reference frame as a whole-payload prefix: never accepted.
with open(os.path.join(HERE, "wire-vectors.tsv"), encoding="utf-8") as vectors:
    for line in vectors:
        kind, name, payload = line.rstrip("\n").split("\t")
        for cut in (1, len(payload) // 2, len(payload) - 1):
            reject(kind, "prefix_%d_of_%s" % (cut, name), payload[:cut].encode())


def escape(data):
    out = []
    for b in data:
        if 0x21 <= b <= 0x7E and b != 0x25 or b == 0x20:
            out.append(chr(b))
        else:
            out.append("%%%02X" % b)
    return "".join(out)


names = set()
with open(os.path.join(HERE, "decode-cases.tsv"), "w", encoding="ascii", newline="\n") as out:
    for direction, verdict, name, payload, value in cases:
        name = direction + "/" + name
        assert name not in names, name
        names.add(name)
        encoding = escape(canonical(value).encode("utf-8")) if value is not None else "-"
        if value is not None:
            assert (value[0] in ("Request", "OpenUrl")) == (direction == "message"), name
        out.write("\t".join((direction, verdict, name, escape(payload), encoding)) + "\n")
print("wrote %d cases" % len(cases))
