using System;

namespace SupervisorIpc;

/// <summary>
/// Converts <see cref="SupervisorMessage"/> and <see cref="SupervisorResponse"/> to and from frame payloads,
/// byte-compatible with the reference (Rust <c>serde_json</c>): compact JSON, fields in the reference order,
/// <c>null</c> for absent optional values, serde_json's string escaping.
/// </summary>
/// <remarks>
/// <para>Encoding allocates nothing (<see cref="TryEncode(SupervisorMessage, Span{byte}, out int)"/>) or exactly the
/// result array (<see cref="Encode(SupervisorMessage)"/>). Strings must be valid Unicode: an unpaired UTF-16
/// surrogate has no UTF-8 form, so encoding throws <see cref="ArgumentException"/> rather than alter the text.</para>
/// <para>Decoding accepts what serde_json accepts for these types and rejects what it rejects, always with
/// <see cref="SupervisorMessageFormatException"/> and never any other exception. Accepted besides the canonical
/// form: whitespace between tokens; fields in any order; missing <c>reason</c>/<c>error</c> (as
/// <see langword="null"/>); unknown fields, whatever their value, skipped without a depth limit (as serde's
/// <c>IgnoredAny</c> does, iteratively); escaped keys and variant names; a unit variant written as
/// <c>{"Granted":null}</c>; a struct written as an array of its fields in order. Rejected: anything not JSON, invalid
/// UTF-8 or unpaired <c>\u</c> surrogate escapes in a key or a decoded string, unknown variants, an enum object with
/// other than one key, wrong types, missing required or duplicate fields, a <c>child_pid</c> that is not an integer
/// in 0..4294967295 (so <c>1.0</c>, <c>1e3</c>, <c>-0</c>, <c>-1</c> are rejected), and anything but whitespace after
/// the value.</para>
/// <para>The codec does not apply the 64 KiB frame cap; the transport does.</para>
/// </remarks>
public static class SupervisorWireCodec
{
    /// <summary>Encodes a child-to-supervisor message into <paramref name="destination"/>.</summary>
    /// <param name="message">The message.</param>
    /// <param name="destination">Where to write the JSON payload.</param>
    /// <param name="bytesWritten">Bytes written, or 0 when the payload does not fit.</param>
    /// <returns><see langword="false"/> when the payload does not fit; then the content of
    /// <paramref name="destination"/> is unspecified.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> or a required string in it is null.</exception>
    /// <exception cref="ArgumentException">A string holds an unpaired surrogate, or an enum value is undefined.</exception>
    public static bool TryEncode(SupervisorMessage message, Span<byte> destination, out int bytesWritten)
    {
        var writer = new SerdeJsonWriter(destination);
        MessageEncoder.Write(ref writer, message);
        return Finish(ref writer, out bytesWritten);
    }

    /// <summary>Encodes a supervisor-to-child response into <paramref name="destination"/>.</summary>
    /// <param name="response">The response.</param>
    /// <param name="destination">Where to write the JSON payload.</param>
    /// <param name="bytesWritten">Bytes written, or 0 when the payload does not fit.</param>
    /// <returns><see langword="false"/> when the payload does not fit; then the content of
    /// <paramref name="destination"/> is unspecified.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="response"/> or a required string in it is null.</exception>
    /// <exception cref="ArgumentException">A string holds an unpaired surrogate.</exception>
    public static bool TryEncode(SupervisorResponse response, Span<byte> destination, out int bytesWritten)
    {
        var writer = new SerdeJsonWriter(destination);
        MessageEncoder.Write(ref writer, response);
        return Finish(ref writer, out bytesWritten);
    }

    /// <summary>The exact payload length <paramref name="message"/> encodes to.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The length in bytes.</returns>
    /// <exception cref="ArgumentException">As for <see cref="TryEncode(SupervisorMessage, Span{byte}, out int)"/>, or
    /// the payload would exceed <see cref="int.MaxValue"/> bytes.</exception>
    public static int GetEncodedLength(SupervisorMessage message)
    {
        var writer = new SerdeJsonWriter(Span<byte>.Empty);
        MessageEncoder.Write(ref writer, message);
        return CheckedLength(writer.Length, nameof(message));
    }

    /// <summary>The exact payload length <paramref name="response"/> encodes to.</summary>
    /// <param name="response">The response.</param>
    /// <returns>The length in bytes.</returns>
    /// <exception cref="ArgumentException">As for <see cref="TryEncode(SupervisorResponse, Span{byte}, out int)"/>, or
    /// the payload would exceed <see cref="int.MaxValue"/> bytes.</exception>
    public static int GetEncodedLength(SupervisorResponse response)
    {
        var writer = new SerdeJsonWriter(Span<byte>.Empty);
        MessageEncoder.Write(ref writer, response);
        return CheckedLength(writer.Length, nameof(response));
    }

    /// <summary>Encodes a child-to-supervisor message into a new array of exactly the payload's length.</summary>
    /// <param name="message">The message.</param>
    /// <returns>The JSON payload.</returns>
    /// <exception cref="ArgumentException">As for <see cref="TryEncode(SupervisorMessage, Span{byte}, out int)"/>.</exception>
    public static byte[] Encode(SupervisorMessage message)
    {
        byte[] payload = new byte[GetEncodedLength(message)];
        TryEncode(message, payload, out _);
        return payload;
    }

    /// <summary>Encodes a supervisor-to-child response into a new array of exactly the payload's length.</summary>
    /// <param name="response">The response.</param>
    /// <returns>The JSON payload.</returns>
    /// <exception cref="ArgumentException">As for <see cref="TryEncode(SupervisorResponse, Span{byte}, out int)"/>.</exception>
    public static byte[] Encode(SupervisorResponse response)
    {
        byte[] payload = new byte[GetEncodedLength(response)];
        TryEncode(response, payload, out _);
        return payload;
    }

    /// <summary>Decodes a child-to-supervisor message from a frame payload.</summary>
    /// <param name="payload">The JSON payload (without the length prefix).</param>
    /// <returns>The message.</returns>
    /// <exception cref="SupervisorMessageFormatException">The payload is not a valid message; the exception says
    /// what is wrong and where. No other exception is thrown for any input.</exception>
    public static SupervisorMessage DecodeMessage(ReadOnlySpan<byte> payload) => MessageDecoder.DecodeMessage(payload);

    /// <summary>Decodes a supervisor-to-child response from a frame payload.</summary>
    /// <param name="payload">The JSON payload (without the length prefix).</param>
    /// <returns>The response.</returns>
    /// <exception cref="SupervisorMessageFormatException">The payload is not a valid response; the exception says
    /// what is wrong and where. No other exception is thrown for any input.</exception>
    public static SupervisorResponse DecodeResponse(ReadOnlySpan<byte> payload) => MessageDecoder.DecodeResponse(payload);

    private static bool Finish(ref SerdeJsonWriter writer, out int bytesWritten)
    {
        if (writer.Fits)
        {
            bytesWritten = (int)writer.Length;
            return true;
        }

        bytesWritten = 0;
        return false;
    }

    private static int CheckedLength(long length, string paramName) =>
        length <= int.MaxValue
            ? (int)length
            : throw new ArgumentException($"The encoded payload would be {length} bytes, more than an array can hold.", paramName);
}
