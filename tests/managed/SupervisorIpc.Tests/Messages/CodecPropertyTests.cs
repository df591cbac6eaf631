using System;
using System.Text.Json;
using System.Threading;
using CsCheck;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Messages;

/// <summary>
/// Property-based checks with CsCheck: encode→decode is the identity on generated values, and our output is JSON
/// that an independent parser (System.Text.Json's JsonDocument) reads back to the same strings.
/// </summary>
[TestFixture]
public sealed class CodecPropertyTests
{
    private const long Iterations = 10_000;

    [Test]
    public void EveryMessageRoundTrips()
    {
        long count = 0;
        MessageGenerators.Message.Sample(message =>
        {
            byte[] payload = SupervisorWireCodec.Encode(message);
            Require(SupervisorWireCodec.DecodeMessage(payload).Equals(message), "decode(encode(m)) != m");
            Require(SupervisorWireCodec.GetEncodedLength(message) == payload.Length, "length differs");
            CheckSerdeEscapesOnly(payload);
            CheckWithIndependentParser(payload, message);
            Interlocked.Increment(ref count);
        }, iter: Iterations);
        TestContext.Out.WriteLine($"{count} generated messages round-tripped");
        Assert.That(count, Is.GreaterThanOrEqualTo(Iterations));
    }

    [Test]
    public void EveryResponseRoundTrips()
    {
        long count = 0;
        MessageGenerators.Response.Sample(response =>
        {
            byte[] payload = SupervisorWireCodec.Encode(response);
            Require(SupervisorWireCodec.DecodeResponse(payload).Equals(response), "decode(encode(r)) != r");
            Require(SupervisorWireCodec.GetEncodedLength(response) == payload.Length, "length differs");
            CheckSerdeEscapesOnly(payload);
            Interlocked.Increment(ref count);
        }, iter: Iterations);
        TestContext.Out.WriteLine($"{count} generated responses round-tripped");
        Assert.That(count, Is.GreaterThanOrEqualTo(Iterations));
    }

    [Test]
    public void TryEncodeFitsExactlyAndNotOneByteLess()
    {
        MessageGenerators.Message.Sample(message =>
        {
            byte[] expected = SupervisorWireCodec.Encode(message);
            byte[] exact = new byte[expected.Length];
            Require(SupervisorWireCodec.TryEncode(message, exact, out int written) && written == expected.Length, "exact size refused");
            Require(exact.AsSpan().SequenceEqual(expected), "TryEncode and Encode differ");
            Require(!SupervisorWireCodec.TryEncode(message, new byte[expected.Length - 1], out written) && written == 0, "one byte short accepted");
        }, iter: 5_000);
    }

    /// <summary>Only serde_json's escapes appear: \" \\ \b \f \n \r \t and \u00xx (lowercase) for other controls.</summary>
    private static void CheckSerdeEscapesOnly(byte[] payload)
    {
        for (int i = 0; i < payload.Length; i++)
        {
            byte b = payload[i];
            Require(b >= 0x20, $"raw control byte 0x{b:x2} at {i}");
            if (b != (byte)'\\')
            {
                continue;
            }

            byte next = payload[++i];
            if (next == (byte)'u')
            {
                Require(payload[i + 1] == '0' && payload[i + 2] == '0' && payload[i + 3] is (byte)'0' or (byte)'1'
                    && "0123456789abcdef"u8.Contains(payload[i + 4]), $"non-serde \\u escape at {i}");
                int code = Convert.ToInt32(System.Text.Encoding.ASCII.GetString(payload, i + 1, 4), 16);
                Require(code is not (0x08 or 0x09 or 0x0A or 0x0C or 0x0D), $"\\u escape where serde uses a short one at {i}");
                i += 4;
            }
            else
            {
                Require("\"\\bfnrt"u8.Contains(next), $"unexpected escape \\{(char)next} at {i}");
            }
        }
    }

    private static void CheckWithIndependentParser(byte[] payload, SupervisorMessage message)
    {
        using JsonDocument document = JsonDocument.Parse(payload);
        JsonElement root = document.RootElement;
        switch (message)
        {
            case SupervisorMessage.Request { Capability: var request }:
                JsonElement body = root.GetProperty("Request");
                Require(body.GetProperty("path").GetString() == request.Path, "path differs under JsonDocument");
                Require(body.GetProperty("request_id").GetString() == request.RequestId, "request_id differs");
                Require(body.GetProperty("reason").GetString() == request.Reason, "reason differs");
                Require(body.GetProperty("child_pid").GetUInt32() == request.ChildPid, "child_pid differs");
                break;
            case SupervisorMessage.OpenUrl { UrlRequest: var open }:
                Require(root.GetProperty("OpenUrl").GetProperty("url").GetString() == open.Url, "url differs under JsonDocument");
                break;
        }
    }

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException(what);
        }
    }
}
