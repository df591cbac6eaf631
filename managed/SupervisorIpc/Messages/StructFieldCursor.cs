using System;
using System.Text;
using System.Text.Json;

namespace SupervisorIpc;

/// <summary>
/// Walks the fields of a serde-derived struct on the wire. Like serde's derived visitors it accepts the struct as
/// an object (fields in any order, unknown keys skipped, duplicates refused, missing fields reported) or as an
/// array of exactly its fields in declaration order.
/// </summary>
internal struct StructFieldCursor
{
    private readonly byte[][] _fieldNames;
    private readonly string _typeName;
    private readonly bool _positional;
    private int _nextPosition;
    private uint _seen;

    private StructFieldCursor(byte[][] fieldNames, string typeName, bool positional)
    {
        _fieldNames = fieldNames;
        _typeName = typeName;
        _positional = positional;
        _nextPosition = 0;
        _seen = 0;
    }

    /// <summary>Starts at the current token, which must open an object or an array.</summary>
    public static StructFieldCursor Begin(ref Utf8JsonReader reader, byte[][] fieldNames, string typeName)
    {
        return reader.TokenType switch
        {
            JsonTokenType.StartObject => new StructFieldCursor(fieldNames, typeName, positional: false),
            JsonTokenType.StartArray => new StructFieldCursor(fieldNames, typeName, positional: true),
            _ => throw new SupervisorMessageFormatException(
                $"{typeName} must be an object, found {JsonTokenReading.Describe(reader.TokenType)}.",
                reader.TokenStartIndex),
        };
    }

    /// <summary>
    /// Moves to the value of the next known field and returns its index, or returns <see langword="false"/> at the
    /// end of the struct.
    /// </summary>
    public bool TryNextField(ref Utf8JsonReader reader, out int field)
    {
        return _positional ? TryNextElement(ref reader, out field) : TryNextProperty(ref reader, out field);
    }

    /// <summary>Refuses the struct if a field in <paramref name="requiredMask"/> (bit i = field i) never came.</summary>
    public readonly void EnsureRequired(ref Utf8JsonReader reader, uint requiredMask)
    {
        uint missing = requiredMask & ~_seen;
        if (missing != 0)
        {
            int first = System.Numerics.BitOperations.TrailingZeroCount(missing);
            throw new SupervisorMessageFormatException(
                $"{_typeName} is missing the field `{Encoding.UTF8.GetString(_fieldNames[first])}`.",
                reader.TokenStartIndex);
        }
    }

    private bool TryNextProperty(ref Utf8JsonReader reader, out int field)
    {
        while (true)
        {
            JsonTokenReading.MoveNext(ref reader);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                field = -1;
                return false;
            }

            field = FindField(ref reader);
            if (field < 0)
            {
                if (!reader.ValueIsEscaped)
                {
                    JsonTokenReading.ValidateKey(ref reader, _typeName);
                }


                // Skips the whole value without recursion, whatever its depth, as serde's IgnoredAny does.
                reader.Skip();
                continue;
            }

            uint bit = 1u << field;
            if ((_seen & bit) != 0)
            {
                throw new SupervisorMessageFormatException(
                    $"{_typeName} has the field `{Encoding.UTF8.GetString(_fieldNames[field])}` more than once.",
                    reader.TokenStartIndex);
            }

            _seen |= bit;
            JsonTokenReading.MoveNext(ref reader);
            return true;
        }
    }

    private bool TryNextElement(ref Utf8JsonReader reader, out int field)
    {
        JsonTokenReading.MoveNext(ref reader);
        bool atEnd = reader.TokenType == JsonTokenType.EndArray;
        if (_nextPosition == _fieldNames.Length)
        {
            if (!atEnd)
            {
                throw new SupervisorMessageFormatException(
                    $"{_typeName} written as an array has more than its {_fieldNames.Length} fields.",
                    reader.TokenStartIndex);
            }

            field = -1;
            return false;
        }

        if (atEnd)
        {
            throw new SupervisorMessageFormatException(
                $"{_typeName} written as an array has {_nextPosition} elements; it needs all {_fieldNames.Length} fields.",
                reader.TokenStartIndex);
        }

        field = _nextPosition++;
        _seen |= 1u << field;
        return true;
    }

    private readonly int FindField(ref Utf8JsonReader reader)
    {
        if (reader.ValueIsEscaped)
        {
            // Comparing an escaped name unescapes it, which throws on an unpaired surrogate escape.
            JsonTokenReading.ValidateKey(ref reader, _typeName);
        }

        for (int i = 0; i < _fieldNames.Length; i++)
        {
            if (reader.ValueTextEquals(_fieldNames[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
