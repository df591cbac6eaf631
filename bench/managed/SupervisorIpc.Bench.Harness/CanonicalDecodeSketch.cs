using System;
using System.Buffers.Text;
using System.Text;
using System.Text.Unicode;

namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// A measuring stick, not a decoder: the least work a decoder can do for a Request or a Decision(Granted) written
/// in serde_json's canonical form (fields in order, no whitespace, no escapes): match the fixed bytes, validate and
/// copy out the strings, build the objects. It returns null for anything else, where a real fast path would fall
/// back to the full Utf8JsonReader decoder. The micro benchmark compares it with the library's decoder to bound
/// what such a fast path could save per round trip.
/// </summary>
internal static class CanonicalDecodeSketch
{
    public static SupervisorMessage? Request(ReadOnlySpan<byte> p)
    {
        if (!Skip(ref p, "{\"Request\":{\"request_id\":\""u8) || !TakeString(ref p, out string? id) ||
            !Skip(ref p, ",\"path\":\""u8) || !TakeString(ref p, out string? path) ||
            !Skip(ref p, ",\"access\":"u8) || !TakeAccess(ref p, out AccessMode access) ||
            !Skip(ref p, ",\"reason\":"u8))
        {
            return null;
        }

        string? reason = null;
        if (!Skip(ref p, "null"u8) && !(Skip(ref p, "\""u8) && TakeString(ref p, out reason)))
        {
            return null;
        }

        if (!Skip(ref p, ",\"child_pid\":"u8) || !Utf8Parser.TryParse(p, out uint pid, out int digits) || digits == 0 ||
            (p[0] == (byte)'0' && digits > 1))
        {
            return null;
        }

        p = p[digits..];
        if (!Skip(ref p, ",\"session_id\":\""u8) || !TakeString(ref p, out string? session) || !p.SequenceEqual("}}"u8))
        {
            return null;
        }

        return new SupervisorMessage.Request(new CapabilityRequest(id, path, access, reason, pid, session));
    }

    public static SupervisorResponse? Granted(ReadOnlySpan<byte> p) =>
        Skip(ref p, "{\"Decision\":{\"request_id\":\""u8) && TakeString(ref p, out string? id) &&
        p.SequenceEqual(",\"decision\":\"Granted\"}}"u8)
            ? new SupervisorResponse.Decision(id, ApprovalDecision.Granted.Instance)
            : null;

    private static bool Skip(ref ReadOnlySpan<byte> p, ReadOnlySpan<byte> expected)
    {
        if (!p.StartsWith(expected))
        {
            return false;
        }

        p = p[expected.Length..];
        return true;
    }

    /// <summary>A string up to its closing quote: no escapes, no control characters, valid UTF-8.</summary>
    private static bool TakeString(ref ReadOnlySpan<byte> p, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        value = null;
        int end = p.IndexOfAny((byte)'"', (byte)'\\');
        if (end < 0 || p[end] != (byte)'"')
        {
            return false;
        }

        ReadOnlySpan<byte> text = p[..end];
        if (text.IndexOfAnyInRange((byte)0, (byte)0x1F) >= 0 || !Utf8.IsValid(text))
        {
            return false;
        }

        value = Encoding.UTF8.GetString(text);
        p = p[(end + 1)..];
        return true;
    }

    private static bool TakeAccess(ref ReadOnlySpan<byte> p, out AccessMode access)
    {
        access = AccessMode.Read;
        if (Skip(ref p, "\"Read\""u8))
        {
            return true;
        }

        access = AccessMode.ReadWrite;
        if (Skip(ref p, "\"ReadWrite\""u8))
        {
            return true;
        }

        access = AccessMode.Write;
        return Skip(ref p, "\"Write\""u8);
    }
}
