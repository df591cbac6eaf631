using System;
using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace SupervisorIpc;

/// <summary>
/// Writes compact JSON into a caller's span exactly as Rust's <c>serde_json</c> does, because peers compare and
/// hash frames byte for byte. System.Text.Json's encoders cannot be configured to match (they escape with
/// uppercase hex, escape HTML-sensitive characters and, by default, non-ASCII).
/// </summary>
/// <remarks>
/// Never allocates. When the destination is too small, writing continues as counting only, so a writer over an
/// empty span measures the encoded length with the very same code that writes it.
/// </remarks>
internal ref struct SerdeJsonWriter
{
    // Printable ASCII that serde_json writes as is: everything from 0x20 to 0x7F except '"' and '\'.
    // DEL (0x7F) is not escaped by serde_json either.
    private static readonly SearchValues<char> s_verbatimAscii = SearchValues.Create(
        " !#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~\u007f");

    private readonly Span<byte> _destination;
    private long _length;

    public SerdeJsonWriter(Span<byte> destination)
    {
        _destination = destination;
        _length = 0;
    }

    /// <summary>Bytes the output needs, whether or not they fit.</summary>
    public readonly long Length => _length;

    /// <summary>Whether everything written so far fits the destination.</summary>
    public readonly bool Fits => _length <= _destination.Length;

    public void WriteRaw(scoped ReadOnlySpan<byte> bytes)
    {
        if (_length + bytes.Length <= _destination.Length)
        {
            bytes.CopyTo(_destination.Slice((int)_length));
        }

        _length += bytes.Length;
    }

    public void WriteByte(byte value)
    {
        if (_length < _destination.Length)
        {
            _destination[(int)_length] = value;
        }

        _length++;
    }

    public void WriteNull() => WriteRaw("null"u8);

    public void WriteBoolean(bool value) => WriteRaw(value ? "true"u8 : "false"u8);

    public void WriteUInt32(uint value)
    {
        Span<byte> digits = stackalloc byte[10];
        Utf8Formatter.TryFormat(value, digits, out int count);
        WriteRaw(digits.Slice(0, count));
    }

    public void WriteUInt64(ulong value)
    {
        Span<byte> digits = stackalloc byte[20];
        Utf8Formatter.TryFormat(value, digits, out int count);
        WriteRaw(digits.Slice(0, count));
    }

    public void WriteOptionalString(string? value, string fieldName)
    {
        if (value is null)
        {
            WriteNull();
        }
        else
        {
            WriteString(value, fieldName);
        }
    }

    /// <summary>Writes a quoted JSON string with serde_json's escaping.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="value"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> holds an unpaired surrogate.</exception>
    public void WriteString(string value, string fieldName)
    {
        if (value is null)
        {
            throw new ArgumentNullException(fieldName, $"{fieldName} must not be null: the wire format requires a string.");
        }

        WriteByte((byte)'"');
        ReadOnlySpan<char> rest = value;
        while (!rest.IsEmpty)
        {
            int verbatim = rest.IndexOfAnyExcept(s_verbatimAscii);
            if (verbatim < 0)
            {
                verbatim = rest.Length;
            }

            if (verbatim > 0)
            {
                WriteAscii(rest.Slice(0, verbatim));
                rest = rest.Slice(verbatim);
                continue;
            }

            int consumed = WriteSpecial(rest, value.Length - rest.Length, fieldName);
            rest = rest.Slice(consumed);
        }

        WriteByte((byte)'"');
    }

    private void WriteAscii(ReadOnlySpan<char> ascii)
    {
        if (_length + ascii.Length <= _destination.Length)
        {
            Ascii.FromUtf16(ascii, _destination.Slice((int)_length), out _);
        }

        _length += ascii.Length;
    }

    // Writes the character at the start of 'text' (a control character, '"', '\' or anything non-ASCII) and returns
    // how many UTF-16 code units it used.
    private int WriteSpecial(ReadOnlySpan<char> text, int index, string fieldName)
    {
        char c = text[0];
        switch (c)
        {
            case '"': WriteRaw("\\\""u8); return 1;
            case '\\': WriteRaw("\\\\"u8); return 1;
            case '\b': WriteRaw("\\b"u8); return 1;
            case '\f': WriteRaw("\\f"u8); return 1;
            case '\n': WriteRaw("\\n"u8); return 1;
            case '\r': WriteRaw("\\r"u8); return 1;
            case '\t': WriteRaw("\\t"u8); return 1;
        }

        if (c < 0x20)
        {
            ReadOnlySpan<byte> hex = "0123456789abcdef"u8;
            Span<byte> escape = stackalloc byte[6] { (byte)'\\', (byte)'u', (byte)'0', (byte)'0', hex[c >> 4], hex[c & 0xF] };
            WriteRaw(escape);
            return 1;
        }

        if (c < 0x800)
        {
            Span<byte> twoBytes = stackalloc byte[2] { (byte)(0xC0 | (c >> 6)), (byte)(0x80 | (c & 0x3F)) };
            WriteRaw(twoBytes);
            return 1;
        }

        if (!char.IsSurrogate(c))
        {
            Span<byte> threeBytes = stackalloc byte[3]
            {
                (byte)(0xE0 | (c >> 12)), (byte)(0x80 | ((c >> 6) & 0x3F)), (byte)(0x80 | (c & 0x3F)),
            };
            WriteRaw(threeBytes);
            return 1;
        }

        if (char.IsHighSurrogate(c) && text.Length > 1 && char.IsLowSurrogate(text[1]))
        {
            int scalar = char.ConvertToUtf32(c, text[1]);
            Span<byte> fourBytes = stackalloc byte[4]
            {
                (byte)(0xF0 | (scalar >> 18)), (byte)(0x80 | ((scalar >> 12) & 0x3F)),
                (byte)(0x80 | ((scalar >> 6) & 0x3F)), (byte)(0x80 | (scalar & 0x3F)),
            };
            WriteRaw(fourBytes);
            return 2;
        }

        // A Rust peer's strings are always valid Unicode, so an unpaired surrogate has no wire form. Substituting
        // U+FFFD would silently send a different path or id than the caller holds.
        throw new ArgumentException(
            $"{fieldName} contains an unpaired UTF-16 surrogate (U+{(int)c:X4}) at index {index}; only valid Unicode text can be sent.",
            fieldName);
    }
}
