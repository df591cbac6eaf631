using System;
using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Unicode;

namespace SupervisorIpc;

/// <summary>
/// Reads the pieces of a payload in serde_json's canonical form (compact, fields in order, strings without escapes)
/// by matching bytes. Every method either consumes exactly one piece and returns <see langword="true"/>, or returns
/// <see langword="false"/>, leaving the rest of the payload to the full decoder. It never throws and never accepts a
/// piece the full decoder would read differently or reject.
/// </summary>
internal ref struct CanonicalFormReader
{
    // A JSON string ends at its quote; a backslash starts an escape and a byte below 0x20 is invalid JSON: both
    // are the full decoder's business.
    private static readonly SearchValues<byte> s_stringStops = CreateStringStops(withNonAscii: false);

    // The same and every non-ASCII byte: the common all-ASCII string then takes one scan and one widening copy.
    private static readonly SearchValues<byte> s_asciiStringStops = CreateStringStops(withNonAscii: true);

    private ReadOnlySpan<byte> _rest;

    public CanonicalFormReader(ReadOnlySpan<byte> payload) => _rest = payload;

    /// <summary>Whether the whole payload has been read.</summary>
    public readonly bool AtEnd => _rest.IsEmpty;

    /// <summary>Consumes <paramref name="expected"/> if the rest starts with it.</summary>
    public bool Skip(ReadOnlySpan<byte> expected)
    {
        if (!_rest.StartsWith(expected))
        {
            return false;
        }

        _rest = _rest.Slice(expected.Length);
        return true;
    }

    /// <summary>A quoted string with no escapes, no control characters and valid UTF-8.</summary>
    public bool TryReadString([NotNullWhen(true)] out string? value)
    {
        value = null;
        if (_rest.IsEmpty || _rest[0] != (byte)'"')
        {
            return false;
        }

        ReadOnlySpan<byte> body = _rest.Slice(1);
        int asciiEnd = body.IndexOfAny(s_asciiStringStops);
        if (asciiEnd >= 0 && body[asciiEnd] == (byte)'"')
        {
            // ASCII is valid UTF-8 and decodes to the same code units as Latin-1, without validation.
            value = Encoding.Latin1.GetString(body.Slice(0, asciiEnd));
            _rest = body.Slice(asciiEnd + 1);
            return true;
        }

        int end = body.IndexOfAny(s_stringStops);
        if (end < 0 || body[end] != (byte)'"')
        {
            return false;
        }

        ReadOnlySpan<byte> text = body.Slice(0, end);
        if (!Utf8.IsValid(text))
        {
            return false;
        }

        value = Encoding.UTF8.GetString(text);
        _rest = body.Slice(end + 1);
        return true;
    }

    /// <summary><c>null</c> or a string as <see cref="TryReadString"/> reads it.</summary>
    public bool TryReadOptionalString(out string? value)
    {
        if (Skip("null"u8))
        {
            value = null;
            return true;
        }

        return TryReadString(out value);
    }

    /// <summary>
    /// An integer literal in 0..4294967295 in its only JSON spelling: digits, no sign, no leading zero, no fraction
    /// or exponent (the byte after it must not continue the number, which the next <see cref="Skip"/> ensures).
    /// </summary>
    public bool TryReadUInt32(out uint value)
    {
        value = 0;
        int digits = 0;
        ulong accumulated = 0;
        while (digits < _rest.Length && digits <= 10 && (uint)(_rest[digits] - '0') <= 9)
        {
            accumulated = (accumulated * 10) + (uint)(_rest[digits] - '0');
            digits++;
        }

        if (digits == 0 || digits > 10 || accumulated > uint.MaxValue || (digits > 1 && _rest[0] == (byte)'0'))
        {
            return false;
        }

        value = (uint)accumulated;
        _rest = _rest.Slice(digits);
        return true;
    }

    /// <summary><c>true</c> or <c>false</c>.</summary>
    public bool TryReadBoolean(out bool value)
    {
        value = true;
        if (Skip("true"u8))
        {
            return true;
        }

        value = false;
        return Skip("false"u8);
    }

    private static SearchValues<byte> CreateStringStops(bool withNonAscii)
    {
        var stops = new System.Collections.Generic.List<byte> { (byte)'"', (byte)'\\' };
        for (int value = 0; value < 0x100; value++)
        {
            if (value < 0x20 || (withNonAscii && value >= 0x80))
            {
                stops.Add((byte)value);
            }
        }

        return SearchValues.Create(stops.ToArray());
    }
}
