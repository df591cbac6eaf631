using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using CsCheck;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Messages;

/// <summary>
/// The decoders under random input: arbitrary bytes, soups of JSON fragments that reach deep into the grammar, and
/// mutated valid frames. Whatever comes in, the only exception is <see cref="SupervisorMessageFormatException"/>,
/// and whatever is accepted re-encodes to a payload that decodes to the same value.
/// </summary>
[TestFixture]
public sealed class DecoderFuzzTests
{
    /// <summary>
    /// Inputs per property: 100,000 by default (a few seconds each); set SVIPC_MESSAGES_FUZZ_ITERATIONS for a
    /// longer campaign.
    /// </summary>
    internal static readonly long Iterations =
        long.TryParse(Environment.GetEnvironmentVariable("SVIPC_MESSAGES_FUZZ_ITERATIONS"), out long configured) && configured > 0
            ? configured
            : 100_000;

    private static readonly string[] s_fragments =
    [
        "{", "}", "[", "]", ":", ",", " ", "\n", "\"", "\\", "\\u", "null", "true", "false", "0", "1", "-1", "-0", "1.0", "1e3",
        "4294967295", "4294967296", "\"Request\"", "\"OpenUrl\"", "\"Decision\"", "\"UrlOpened\"", "\"Granted\"", "\"Denied\"",
        "\"Timeout\"", "\"Read\"", "\"Write\"", "\"ReadWrite\"", "\"request_id\"", "\"path\"", "\"access\"", "\"reason\"",
        "\"child_pid\"", "\"session_id\"", "\"url\"", "\"decision\"", "\"success\"", "\"error\"", "\"x\"", "\"\\ud800\"",
        "\"\\u00e9\"", "\"é\"", "\"\\n\"", "\"a", "\u00ff", "😀", "\"req\\u0075est_id\"",
    ];

    private static readonly byte[][] s_seeds = WireVectors.All.Select(v => v.Payload).ToArray();

    /// <summary>Arbitrary bytes, mostly short.</summary>
    private static readonly Gen<byte[]> s_bytes = Gen.Byte.Array[0, 160];

    /// <summary>Concatenations of JSON fragments, which form valid and nearly valid JSON far more often than bytes do.</summary>
    private static readonly Gen<byte[]> s_soup = Gen.Int[0, s_fragments.Length - 1].Array[1, 40]
        .Select(indices => Encoding.UTF8.GetBytes(string.Concat(indices.Select(i => s_fragments[i]))));

    /// <summary>A valid frame (reference or generated) with one to four random edits.</summary>
    private static readonly Gen<byte[]> s_mutated = Gen.Select(
        Gen.Frequency(
            (1, Gen.Int[0, s_seeds.Length - 1].Select(i => s_seeds[i])),
            (1, MessageGenerators.Message.Select(SupervisorWireCodec.Encode)),
            (1, MessageGenerators.Response.Select(SupervisorWireCodec.Encode))),
        Gen.Select(Gen.Int[0, 5], Gen.Int, Gen.Byte, Gen.Int[0, s_fragments.Length - 1]).Array[1, 4],
        Mutate);

    /// <summary>Valid frames with random edits, for other properties of the decoders.</summary>
    internal static Gen<byte[]> MutatedValidFrames => s_mutated;

    [Test]
    public void ArbitraryBytesOnlyEverRaiseTheFormatException() => Run(s_bytes, "arbitrary byte arrays");

    [Test]
    public void JsonFragmentSoupOnlyEverRaisesTheFormatException() => Run(s_soup, "JSON fragment soups");

    [Test]
    public void MutatedValidFramesOnlyEverRaiseTheFormatException() => Run(s_mutated, "mutated valid frames");

    private static void Run(Gen<byte[]> inputs, string what)
    {
        long total = 0, acceptedMessages = 0, acceptedResponses = 0;
        inputs.Sample(payload =>
        {
            if (TryDecode(payload, p => SupervisorWireCodec.DecodeMessage(p)) is { } message)
            {
                Interlocked.Increment(ref acceptedMessages);
                byte[] canonical = SupervisorWireCodec.Encode(message);
                Require(SupervisorWireCodec.DecodeMessage(canonical).Equals(message), "re-encoded message decodes differently");
            }

            if (TryDecode(payload, p => SupervisorWireCodec.DecodeResponse(p)) is { } response)
            {
                Interlocked.Increment(ref acceptedResponses);
                byte[] canonical = SupervisorWireCodec.Encode(response);
                Require(SupervisorWireCodec.DecodeResponse(canonical).Equals(response), "re-encoded response decodes differently");
            }

            Interlocked.Increment(ref total);
        }, iter: Iterations);

        TestContext.Out.WriteLine(
            $"{total} {what} decoded both ways: {acceptedMessages} accepted as messages, {acceptedResponses} as responses, the rest refused with SupervisorMessageFormatException");
        Assert.That(total, Is.GreaterThanOrEqualTo(Iterations));
    }

    private static T? TryDecode<T>(byte[] payload, Func<byte[], T> decode)
        where T : class
    {
        try
        {
            return decode(payload);
        }
        catch (SupervisorMessageFormatException)
        {
            return null;
        }

        // Any other exception escapes, and CsCheck shrinks the input and fails the test with it.
    }

    private static byte[] Mutate(byte[] seed, (int Kind, int Position, byte Value, int Fragment)[] edits)
    {
        var bytes = new List<byte>(seed);
        foreach (var (kind, position, value, fragment) in edits)
        {
            int at = bytes.Count == 0 ? 0 : (int)((uint)position % (uint)bytes.Count);
            switch (kind)
            {
                case 0 when bytes.Count > 0: bytes[at] = value; break;
                case 1 when bytes.Count > 0: bytes[at] ^= (byte)(1 << (value & 7)); break;
                case 2: bytes.Insert(at, value); break;
                case 3 when bytes.Count > 0: bytes.RemoveRange(at, Math.Min(1 + (value & 7), bytes.Count - at)); break;
                case 4: bytes.InsertRange(at, Encoding.UTF8.GetBytes(s_fragments[fragment])); break;
                case 5: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }

        return bytes.ToArray();
    }

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException(what);
        }
    }
}
