using System;
using System.Text.Json;

namespace SupervisorIpc;

/// <summary>
/// Decodes payloads with <see cref="Utf8JsonReader"/> (no reflection, no DOM), following serde_json's rules for
/// externally tagged enums and derived structs, after trying <see cref="CanonicalFormDecoder"/>'s fast path. See <see cref="SupervisorWireCodec"/> for what is accepted.
/// </summary>
internal static class MessageDecoder
{
    // serde's IgnoredAny skips unknown values iteratively without a depth limit; Utf8JsonReader is iterative too,
    // so lifting its limit keeps it as permissive as the reference without any risk to the stack.
    private static readonly JsonReaderOptions s_options = new()
    {
        MaxDepth = int.MaxValue,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    private static readonly byte[][] s_capabilityRequestFields =
        ["request_id"u8.ToArray(), "path"u8.ToArray(), "access"u8.ToArray(), "reason"u8.ToArray(), "child_pid"u8.ToArray(), "session_id"u8.ToArray()];

    private static readonly byte[][] s_urlOpenRequestFields =
        ["request_id"u8.ToArray(), "url"u8.ToArray(), "child_pid"u8.ToArray(), "session_id"u8.ToArray()];

    private static readonly byte[][] s_decisionFields = ["request_id"u8.ToArray(), "decision"u8.ToArray()];

    private static readonly byte[][] s_urlOpenedFields = ["request_id"u8.ToArray(), "success"u8.ToArray(), "error"u8.ToArray()];

    private static readonly byte[][] s_deniedFields = ["reason"u8.ToArray()];

    public static SupervisorMessage DecodeMessage(ReadOnlySpan<byte> payload) =>
        CanonicalFormDecoder.TryDecodeMessage(payload) ?? DecodeMessageTokenByToken(payload);

    public static SupervisorResponse DecodeResponse(ReadOnlySpan<byte> payload) =>
        CanonicalFormDecoder.TryDecodeResponse(payload) ?? DecodeResponseTokenByToken(payload);

    /// <summary>The full decoder alone, without the canonical-form fast path (tests compare the two).</summary>
    internal static SupervisorMessage DecodeMessageTokenByToken(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload, s_options);
        try
        {
            JsonTokenReading.MoveNext(ref reader);
            SupervisorMessage message = ReadMessage(ref reader);
            EnsureEndOfPayload(ref reader);
            return message;
        }
        catch (JsonException e)
        {
            throw NotJson(e, reader.BytesConsumed);
        }
    }

    /// <summary>The full decoder alone, without the canonical-form fast path (tests compare the two).</summary>
    internal static SupervisorResponse DecodeResponseTokenByToken(ReadOnlySpan<byte> payload)
    {
        var reader = new Utf8JsonReader(payload, s_options);
        try
        {
            JsonTokenReading.MoveNext(ref reader);
            SupervisorResponse response = ReadResponse(ref reader);
            EnsureEndOfPayload(ref reader);
            return response;
        }
        catch (JsonException e)
        {
            throw NotJson(e, reader.BytesConsumed);
        }
    }

    private static SupervisorMessageFormatException NotJson(JsonException e, long offset) =>
        new($"The payload is not valid JSON: {e.Message}", offset, e);

    private static void EnsureEndOfPayload(ref Utf8JsonReader reader)
    {
        // With a single-value reader, Read throws on anything but whitespace after the value.
        if (reader.Read())
        {
            throw new SupervisorMessageFormatException("Unexpected data after the value.", reader.TokenStartIndex);
        }
    }

    private static SupervisorMessage ReadMessage(ref Utf8JsonReader reader)
    {
        const string Enum = "SupervisorMessage";
        bool tagged = EnterVariant(ref reader, Enum);
        bool isRequest = reader.ValueTextEquals("Request"u8);
        if (!isRequest && !reader.ValueTextEquals("OpenUrl"u8))
        {
            throw UnknownVariant(ref reader, Enum, "`Request` or `OpenUrl`");
        }

        if (!tagged)
        {
            throw DataVariantAsString(ref reader, Enum);
        }

        JsonTokenReading.MoveNext(ref reader);
        SupervisorMessage message = isRequest
            ? new SupervisorMessage.Request(ReadCapabilityRequest(ref reader))
            : new SupervisorMessage.OpenUrl(ReadUrlOpenRequest(ref reader));
        LeaveVariant(ref reader, Enum);
        return message;
    }

    private static SupervisorResponse ReadResponse(ref Utf8JsonReader reader)
    {
        const string Enum = "SupervisorResponse";
        bool tagged = EnterVariant(ref reader, Enum);
        bool isDecision = reader.ValueTextEquals("Decision"u8);
        if (!isDecision && !reader.ValueTextEquals("UrlOpened"u8))
        {
            throw UnknownVariant(ref reader, Enum, "`Decision` or `UrlOpened`");
        }

        if (!tagged)
        {
            throw DataVariantAsString(ref reader, Enum);
        }

        JsonTokenReading.MoveNext(ref reader);
        SupervisorResponse response = isDecision ? ReadDecision(ref reader) : ReadUrlOpened(ref reader);
        LeaveVariant(ref reader, Enum);
        return response;
    }

    private static CapabilityRequest ReadCapabilityRequest(ref Utf8JsonReader reader)
    {
        const string Type = "CapabilityRequest";
        var cursor = StructFieldCursor.Begin(ref reader, s_capabilityRequestFields, Type);
        string? requestId = null, path = null, reason = null, sessionId = null;
        AccessMode access = default;
        uint childPid = 0;
        while (cursor.TryNextField(ref reader, out int field))
        {
            switch (field)
            {
                case 0: requestId = JsonTokenReading.ReadString(ref reader, Type, "request_id"); break;
                case 1: path = JsonTokenReading.ReadString(ref reader, Type, "path"); break;
                case 2: access = ReadAccessMode(ref reader); break;
                case 3: reason = JsonTokenReading.ReadOptionalString(ref reader, Type, "reason"); break;
                case 4: childPid = JsonTokenReading.ReadUInt32(ref reader, Type, "child_pid"); break;
                default: sessionId = JsonTokenReading.ReadString(ref reader, Type, "session_id"); break;
            }
        }

        // Every field but `reason` (bit 3), which is an Option on the reference side.
        cursor.EnsureRequired(ref reader, 0b110111);
        return new CapabilityRequest(requestId!, path!, access, reason, childPid, sessionId!);
    }

    private static UrlOpenRequest ReadUrlOpenRequest(ref Utf8JsonReader reader)
    {
        const string Type = "UrlOpenRequest";
        var cursor = StructFieldCursor.Begin(ref reader, s_urlOpenRequestFields, Type);
        string? requestId = null, url = null, sessionId = null;
        uint childPid = 0;
        while (cursor.TryNextField(ref reader, out int field))
        {
            switch (field)
            {
                case 0: requestId = JsonTokenReading.ReadString(ref reader, Type, "request_id"); break;
                case 1: url = JsonTokenReading.ReadString(ref reader, Type, "url"); break;
                case 2: childPid = JsonTokenReading.ReadUInt32(ref reader, Type, "child_pid"); break;
                default: sessionId = JsonTokenReading.ReadString(ref reader, Type, "session_id"); break;
            }
        }

        cursor.EnsureRequired(ref reader, 0b1111);
        return new UrlOpenRequest(requestId!, url!, childPid, sessionId!);
    }

    private static SupervisorResponse.Decision ReadDecision(ref Utf8JsonReader reader)
    {
        const string Type = "Decision";
        var cursor = StructFieldCursor.Begin(ref reader, s_decisionFields, Type);
        string? requestId = null;
        ApprovalDecision? decision = null;
        while (cursor.TryNextField(ref reader, out int field))
        {
            if (field == 0)
            {
                requestId = JsonTokenReading.ReadString(ref reader, Type, "request_id");
            }
            else
            {
                decision = ReadApprovalDecision(ref reader);
            }
        }

        cursor.EnsureRequired(ref reader, 0b11);
        return new SupervisorResponse.Decision(requestId!, decision!);
    }

    private static SupervisorResponse.UrlOpened ReadUrlOpened(ref Utf8JsonReader reader)
    {
        const string Type = "UrlOpened";
        var cursor = StructFieldCursor.Begin(ref reader, s_urlOpenedFields, Type);
        string? requestId = null, error = null;
        bool success = false;
        while (cursor.TryNextField(ref reader, out int field))
        {
            switch (field)
            {
                case 0: requestId = JsonTokenReading.ReadString(ref reader, Type, "request_id"); break;
                case 1: success = JsonTokenReading.ReadBoolean(ref reader, Type, "success"); break;
                default: error = JsonTokenReading.ReadOptionalString(ref reader, Type, "error"); break;
            }
        }

        // `error` (bit 2) is an Option on the reference side.
        cursor.EnsureRequired(ref reader, 0b011);
        return new SupervisorResponse.UrlOpened(requestId!, success, error);
    }

    private static ApprovalDecision ReadApprovalDecision(ref Utf8JsonReader reader)
    {
        const string Enum = "ApprovalDecision";
        bool tagged = EnterVariant(ref reader, Enum);
        ApprovalDecision decision;
        if (reader.ValueTextEquals("Granted"u8))
        {
            decision = ApprovalDecision.Granted.Instance;
        }
        else if (reader.ValueTextEquals("Timeout"u8))
        {
            decision = ApprovalDecision.Timeout.Instance;
        }
        else if (reader.ValueTextEquals("Denied"u8))
        {
            if (!tagged)
            {
                throw DataVariantAsString(ref reader, Enum);
            }

            JsonTokenReading.MoveNext(ref reader);
            var denied = new ApprovalDecision.Denied(ReadDeniedReason(ref reader));
            LeaveVariant(ref reader, Enum);
            return denied;
        }
        else
        {
            throw UnknownVariant(ref reader, Enum, "`Granted`, `Denied` or `Timeout`");
        }

        if (tagged)
        {
            ReadUnitVariantValue(ref reader, Enum, decision is ApprovalDecision.Granted ? "Granted" : "Timeout");
            LeaveVariant(ref reader, Enum);
        }

        return decision;
    }

    private static string ReadDeniedReason(ref Utf8JsonReader reader)
    {
        const string Type = "Denied";
        var cursor = StructFieldCursor.Begin(ref reader, s_deniedFields, Type);
        string? reason = null;
        while (cursor.TryNextField(ref reader, out _))
        {
            reason = JsonTokenReading.ReadString(ref reader, Type, "reason");
        }

        cursor.EnsureRequired(ref reader, 0b1);
        return reason!;
    }

    private static AccessMode ReadAccessMode(ref Utf8JsonReader reader)
    {
        const string Enum = "AccessMode";
        bool tagged = EnterVariant(ref reader, Enum);
        AccessMode access;
        if (reader.ValueTextEquals("Read"u8))
        {
            access = AccessMode.Read;
        }
        else if (reader.ValueTextEquals("Write"u8))
        {
            access = AccessMode.Write;
        }
        else if (reader.ValueTextEquals("ReadWrite"u8))
        {
            access = AccessMode.ReadWrite;
        }
        else
        {
            throw UnknownVariant(ref reader, Enum, "`Read`, `Write` or `ReadWrite`");
        }

        if (tagged)
        {
            ReadUnitVariantValue(ref reader, Enum, access switch
            {
                AccessMode.Read => "Read",
                AccessMode.Write => "Write",
                _ => "ReadWrite",
            });
            LeaveVariant(ref reader, Enum);
        }

        return access;
    }

    /// <summary>
    /// Positions the reader on the variant name: a bare string (returns <see langword="false"/>) or the single key of
    /// an object (returns <see langword="true"/>).
    /// </summary>
    private static bool EnterVariant(ref Utf8JsonReader reader, string enumName)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                ValidateEscapedName(ref reader, enumName);
                return false;
            case JsonTokenType.StartObject:
                JsonTokenReading.MoveNext(ref reader);
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    throw new SupervisorMessageFormatException(
                        $"{enumName} must be an object with exactly one key naming the variant, found an empty object.",
                        reader.TokenStartIndex);
                }

                ValidateEscapedName(ref reader, enumName);
                return true;
            default:
                throw new SupervisorMessageFormatException(
                    $"{enumName} must be an object with one key naming the variant, or a variant name, found {JsonTokenReading.Describe(reader.TokenType)}.",
                    reader.TokenStartIndex);
        }
    }

    // Comparing an escaped name unescapes it, which throws on an unpaired surrogate escape; check it first.
    private static void ValidateEscapedName(ref Utf8JsonReader reader, string enumName)
    {
        if (reader.ValueIsEscaped)
        {
            JsonTokenReading.ValidateKey(ref reader, enumName);
        }
    }

    /// <summary>After the variant's value, the enum object must close: it has exactly one key.</summary>
    private static void LeaveVariant(ref Utf8JsonReader reader, string enumName)
    {
        JsonTokenReading.MoveNext(ref reader);
        if (reader.TokenType != JsonTokenType.EndObject)
        {
            throw new SupervisorMessageFormatException(
                $"{enumName} must be an object with exactly one key naming the variant, found a second key.",
                reader.TokenStartIndex);
        }
    }

    /// <summary>A unit variant written as an object, <c>{"Granted":null}</c>, carries exactly <c>null</c>.</summary>
    private static void ReadUnitVariantValue(ref Utf8JsonReader reader, string enumName, string variant)
    {
        JsonTokenReading.MoveNext(ref reader);
        if (reader.TokenType != JsonTokenType.Null)
        {
            throw new SupervisorMessageFormatException(
                $"Variant `{variant}` of {enumName} carries no data, so its value must be null, found {JsonTokenReading.Describe(reader.TokenType)}.",
                reader.TokenStartIndex);
        }
    }

    private static SupervisorMessageFormatException UnknownVariant(ref Utf8JsonReader reader, string enumName, string expected) =>
        new($"Unknown {enumName} variant {JsonTokenReading.QuoteToken(ref reader)}; expected {expected}.", reader.TokenStartIndex);

    private static SupervisorMessageFormatException DataVariantAsString(ref Utf8JsonReader reader, string enumName) =>
        new($"Variant {JsonTokenReading.QuoteToken(ref reader)} of {enumName} carries data, so it must be written as an object, not as a bare string.",
            reader.TokenStartIndex);
}
