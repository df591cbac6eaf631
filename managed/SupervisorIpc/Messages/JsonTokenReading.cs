using System;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;

namespace SupervisorIpc;

/// <summary>
/// Strict reading of single values from a <see cref="Utf8JsonReader"/>, with serde_json's rules for what a string,
/// a <c>u32</c>, a <c>bool</c> or an <c>Option&lt;String&gt;</c> accepts. Every failure is a
/// <see cref="SupervisorMessageFormatException"/> that names the field and the byte offset.
/// </summary>
internal static class JsonTokenReading
{
    private const int MaxQuotedLength = 64;

    /// <summary>Advances to the next token; running out of input is a format error.</summary>
    public static void MoveNext(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new SupervisorMessageFormatException(
                "The payload ends before the value is complete.", reader.BytesConsumed);
        }
    }

    public static string ReadString(ref Utf8JsonReader reader, string owner, string field)
    {
        if (reader.TokenType != JsonTokenType.String)
        {
            throw WrongType(ref reader, owner, field, "a string");
        }

        return DecodeString(ref reader, owner, field);
    }

    public static string? ReadOptionalString(ref Utf8JsonReader reader, string owner, string field)
    {
        return reader.TokenType switch
        {
            JsonTokenType.Null => null,
            JsonTokenType.String => DecodeString(ref reader, owner, field),
            _ => throw WrongType(ref reader, owner, field, "a string or null"),
        };
    }

    public static bool ReadBoolean(ref Utf8JsonReader reader, string owner, string field)
    {
        return reader.TokenType switch
        {
            JsonTokenType.True => true,
            JsonTokenType.False => false,
            _ => throw WrongType(ref reader, owner, field, "true or false"),
        };
    }

    /// <summary>
    /// Reads a u32 the way serde_json does: only an integer literal; a fraction or exponent makes the number a
    /// float (<c>1.0</c>, <c>1e3</c>), and so does <c>-0</c>; floats and values outside 0..4294967295 are refused.
    /// </summary>
    public static uint ReadUInt32(ref Utf8JsonReader reader, string owner, string field)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw WrongType(ref reader, owner, field, "an unsigned 32-bit integer");
        }

        ReadOnlySpan<byte> literal = reader.ValueSpan;
        if (literal.IndexOfAny("-.eE"u8) < 0
            && Utf8Parser.TryParse(literal, out uint value, out int consumed)
            && consumed == literal.Length)
        {
            return value;
        }

        throw new SupervisorMessageFormatException(
            $"Field `{field}` of {owner} must be an integer in 0..4294967295, found {Quote(literal)}.",
            reader.TokenStartIndex);
    }

    /// <summary>Decodes the current string token, refusing invalid UTF-8 and unpaired surrogate escapes.</summary>
    public static string DecodeString(ref Utf8JsonReader reader, string owner, string field)
    {
        if (!reader.ValueIsEscaped)
        {
            ReadOnlySpan<byte> raw = reader.ValueSpan;
            if (!Utf8.IsValid(raw))
            {
                throw new SupervisorMessageFormatException(
                    $"Field `{field}` of {owner} is not valid UTF-8.", reader.TokenStartIndex);
            }

            return Encoding.UTF8.GetString(raw);
        }

        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new SupervisorMessageFormatException(
                $"Field `{field}` of {owner} is not valid Unicode text: {e.Message}", reader.TokenStartIndex, e);
        }
    }

    /// <summary>
    /// Checks that a key nobody reads is still valid Unicode: serde_json decodes every key before it compares it
    /// with the field names, so it refuses such a key even where it would ignore the field.
    /// </summary>
    public static void ValidateKey(ref Utf8JsonReader reader, string owner)
    {
        if (!reader.ValueIsEscaped)
        {
            if (Utf8.IsValid(reader.ValueSpan))
            {
                return;
            }
        }
        else
        {
            try
            {
                // Escaped unknown keys are rare; decoding them is the simplest exact check.
                _ = reader.GetString();
                return;
            }
            catch (InvalidOperationException)
            {
                // Reported below.
            }
        }

        throw new SupervisorMessageFormatException(
            $"A key or variant name in {owner} is not valid Unicode text.", reader.TokenStartIndex);
    }

    public static SupervisorMessageFormatException WrongType(ref Utf8JsonReader reader, string owner, string field, string expected) =>
        new($"Field `{field}` of {owner} must be {expected}, found {Describe(reader.TokenType)}.", reader.TokenStartIndex);

    public static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True => "true",
        JsonTokenType.False => "false",
        JsonTokenType.Null => "null",
        JsonTokenType.EndObject => "the end of the object",
        JsonTokenType.EndArray => "the end of the array",
        _ => token.ToString(),
    };

    /// <summary>
    /// The current string token for an error message: decoded if possible, shortened, control characters shown as
    /// escapes, so that hostile input cannot make messages huge or garble logs.
    /// </summary>
    public static string QuoteToken(ref Utf8JsonReader reader)
    {
        string text;
        try
        {
            text = reader.ValueIsEscaped ? reader.GetString()! : Encoding.UTF8.GetString(reader.ValueSpan);
        }
        catch (InvalidOperationException)
        {
            return "(a name that is not valid Unicode text)";
        }

        return Quote(text);
    }

    private static string Quote(ReadOnlySpan<byte> literal) => Quote(Encoding.UTF8.GetString(literal));

    private static string Quote(string text)
    {
        var quoted = new StringBuilder("`");
        int shown = Math.Min(text.Length, MaxQuotedLength);
        for (int i = 0; i < shown; i++)
        {
            char c = text[i];
            if (char.IsControl(c))
            {
                quoted.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                quoted.Append(c);
            }
        }

        if (shown < text.Length)
        {
            quoted.Append('…');
        }

        return quoted.Append('`').ToString();
    }
}
