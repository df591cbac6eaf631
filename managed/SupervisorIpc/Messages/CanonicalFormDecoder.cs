namespace SupervisorIpc;

/// <summary>
/// The fast path of <see cref="MessageDecoder"/>: a payload exactly as serde_json (and our encoder) writes it, with
/// no escaped strings, is decoded by matching its fixed bytes, several times faster than token by token. Anything
/// else (whitespace, other field order, escapes, unknown fields, any error) returns <see langword="null"/> and goes
/// to the full decoder, which alone produces error messages. Both decoders give the same value for every payload
/// this one accepts; tests compare them on the vectors and on mutated frames.
/// </summary>
internal static class CanonicalFormDecoder
{
    public static SupervisorMessage? TryDecodeMessage(System.ReadOnlySpan<byte> payload)
    {
        var reader = new CanonicalFormReader(payload);
        if (reader.Skip("{\"Request\":{\"request_id\":"u8))
        {
            return TryReadCapabilityRequest(ref reader) is { } request ? new SupervisorMessage.Request(request) : null;
        }

        if (reader.Skip("{\"OpenUrl\":{\"request_id\":"u8))
        {
            return TryReadUrlOpenRequest(ref reader) is { } urlRequest ? new SupervisorMessage.OpenUrl(urlRequest) : null;
        }

        return null;
    }

    public static SupervisorResponse? TryDecodeResponse(System.ReadOnlySpan<byte> payload)
    {
        var reader = new CanonicalFormReader(payload);
        if (reader.Skip("{\"Decision\":{\"request_id\":"u8))
        {
            return reader.TryReadString(out string? requestId)
                && reader.Skip(",\"decision\":"u8)
                && TryReadApprovalDecision(ref reader) is { } decision
                && EndsTwoObjects(ref reader)
                ? new SupervisorResponse.Decision(requestId, decision)
                : null;
        }

        if (reader.Skip("{\"UrlOpened\":{\"request_id\":"u8))
        {
            return reader.TryReadString(out string? requestId)
                && reader.Skip(",\"success\":"u8) && reader.TryReadBoolean(out bool success)
                && reader.Skip(",\"error\":"u8) && reader.TryReadOptionalString(out string? error)
                && EndsTwoObjects(ref reader)
                ? new SupervisorResponse.UrlOpened(requestId, success, error)
                : null;
        }

        return null;
    }

    private static CapabilityRequest? TryReadCapabilityRequest(ref CanonicalFormReader reader) =>
        reader.TryReadString(out string? requestId)
        && reader.Skip(",\"path\":"u8) && reader.TryReadString(out string? path)
        && reader.Skip(",\"access\":"u8) && TryReadAccessMode(ref reader, out AccessMode access)
        && reader.Skip(",\"reason\":"u8) && reader.TryReadOptionalString(out string? reason)
        && reader.Skip(",\"child_pid\":"u8) && reader.TryReadUInt32(out uint childPid)
        && reader.Skip(",\"session_id\":"u8) && reader.TryReadString(out string? sessionId)
        && EndsTwoObjects(ref reader)
            ? new CapabilityRequest(requestId, path, access, reason, childPid, sessionId)
            : null;

    private static UrlOpenRequest? TryReadUrlOpenRequest(ref CanonicalFormReader reader) =>
        reader.TryReadString(out string? requestId)
        && reader.Skip(",\"url\":"u8) && reader.TryReadString(out string? url)
        && reader.Skip(",\"child_pid\":"u8) && reader.TryReadUInt32(out uint childPid)
        && reader.Skip(",\"session_id\":"u8) && reader.TryReadString(out string? sessionId)
        && EndsTwoObjects(ref reader)
            ? new UrlOpenRequest(requestId, url, childPid, sessionId)
            : null;

    private static ApprovalDecision? TryReadApprovalDecision(ref CanonicalFormReader reader)
    {
        if (reader.Skip("\"Granted\""u8))
        {
            return ApprovalDecision.Granted.Instance;
        }

        if (reader.Skip("\"Timeout\""u8))
        {
            return ApprovalDecision.Timeout.Instance;
        }

        return reader.Skip("{\"Denied\":{\"reason\":"u8) && reader.TryReadString(out string? reason) && reader.Skip("}}"u8)
            ? new ApprovalDecision.Denied(reason)
            : null;
    }

    private static bool TryReadAccessMode(ref CanonicalFormReader reader, out AccessMode access)
    {
        access = AccessMode.Read;
        if (reader.Skip("\"Read\""u8))
        {
            return true;
        }

        access = AccessMode.Write;
        if (reader.Skip("\"Write\""u8))
        {
            return true;
        }

        access = AccessMode.ReadWrite;
        return reader.Skip("\"ReadWrite\""u8);
    }

    /// <summary>The struct's and the enum's closing braces, and nothing after them.</summary>
    private static bool EndsTwoObjects(ref CanonicalFormReader reader) => reader.Skip("}}"u8) && reader.AtEnd;
}
