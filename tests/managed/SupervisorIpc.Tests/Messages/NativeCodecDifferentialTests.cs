using System;
using System.Collections.Generic;
using System.Threading;
using CsCheck;
using NUnit.Framework;
using SupervisorIpc.Interop;

namespace SupervisorIpc.Tests.Messages;

/// <summary>
/// The C codec (supervisor_ipc_messages.h) against the managed one, in this process: the conformance corpus through
/// the C decoder, then random bytes, JSON fragment soups and mutated valid frames through both decoders, which must
/// give the same verdict and, when they accept, the same re-encoding.
/// </summary>
/// <remarks>
/// The C side is reached through the generated bindings (NativeMethods.g.cs covers supervisor_ipc_messages.h too);
/// the facade itself keeps its own codec (BENCHMARKS.md compares the two).
/// </remarks>
[TestFixture]
public sealed unsafe class NativeCodecDifferentialTests
{
    private static IEnumerable<ConformanceCase> Cases() => ConformanceCorpus.All;

    [TestCaseSource(nameof(Cases))]
    public void TheNativeCodecGivesTheCorpusVerdictAndEncoding(ConformanceCase corpusCase)
    {
        Assert.That(NativeCodec.Run(corpusCase.IsMessage, corpusCase.Payload), Is.EqualTo(corpusCase.Encoding), "null means refused");
    }

    [Test]
    public void ReferenceFramesAgree()
    {
        foreach (WireVector vector in WireVectors.All)
        {
            Assert.That(NativeCodec.Run(vector.IsMessage, vector.Payload), Is.EqualTo(vector.Payload), vector.Name);
            Assert.That(NativeCodec.Run(!vector.IsMessage, vector.Payload), Is.Null, vector.Name);
        }
    }

    [Test]
    public void ArbitraryBytesGetTheSameVerdict() => Compare(Gen.Byte.Array[0, 160]);

    [Test]
    public void MutatedValidFramesGetTheSameVerdict() => Compare(DecoderFuzzTests.MutatedValidFrames);

    [Test]
    public void GeneratedMessagesEncodeTheSame() =>
        // Valid values with every kind of string the generators make: both encoders, byte for byte.
        Compare(MessageGenerators.Message.Select(SupervisorWireCodec.Encode));

    [Test]
    public void GeneratedResponsesEncodeTheSame() => Compare(MessageGenerators.Response.Select(SupervisorWireCodec.Encode));

    private static void Compare(Gen<byte[]> inputs)
    {
        long total = 0, accepted = 0;
        inputs.Sample(payload =>
        {
            foreach (bool isMessage in new[] { true, false })
            {
                byte[]? managed = ManagedCodec.Run(isMessage, payload);
                byte[]? native = NativeCodec.Run(isMessage, payload);
                if (managed is null != native is null || (managed is not null && !managed.AsSpan().SequenceEqual(native)))
                {
                    throw new InvalidOperationException(
                        $"{(isMessage ? "message" : "response")} {Payloads.Show(payload)}: managed {(managed is null ? "refuses" : Payloads.Show(managed))}, native {(native is null ? "refuses" : Payloads.Show(native))}");
                }

                if (managed is not null)
                {
                    Interlocked.Increment(ref accepted);
                }
            }

            Interlocked.Increment(ref total);
        }, iter: DecoderFuzzTests.Iterations);
        TestContext.Out.WriteLine($"{total} inputs, {accepted} accepted decodes, all agreed");
        Assert.That(total, Is.GreaterThanOrEqualTo(DecoderFuzzTests.Iterations));
    }
}

/// <summary>The C codec through the generated bindings of supervisor_ipc_messages.h.</summary>
internal static unsafe class NativeCodec
{
    [ThreadStatic]
    private static byte[]? t_output;

    /// <summary>The re-encoding of what the C decoder read, or null when it refused the payload.</summary>
    public static byte[]? Run(bool isMessage, byte[] payload)
    {
        byte[] copy = (byte[])payload.Clone(); // the C decoder unescapes in place
        SvipcMessage message;
        SvipcResponse response;
        SvipcFormatError error;
        byte[] output = t_output ??= new byte[SupervisorSocket.MaxPayloadLength];
        uint length = 0;
        fixed (byte* input = copy)
        fixed (byte* buffer = output)
        {
            SvipcStatus status = isMessage
                ? NativeMethods.DecodeMessage(input, (uint)copy.Length, &message, &error)
                : NativeMethods.DecodeResponse(input, (uint)copy.Length, &response, &error);
            if (status == SvipcStatus.MalformedMessage)
            {
                if (error.Offset > copy.Length || error.Kind is < NativeMethods.FormatNotJson or > NativeMethods.FormatTooManyFields)
                {
                    throw new InvalidOperationException($"a refusal with offset {error.Offset} of {copy.Length} and kind {error.Kind}");
                }

                return null;
            }

            if (status != SvipcStatus.Ok)
            {
                throw new InvalidOperationException($"the C decoder returned status {status}");
            }

            status = isMessage
                ? NativeMethods.EncodeMessage(&message, buffer, (uint)output.Length, &length)
                : NativeMethods.EncodeResponse(&response, buffer, (uint)output.Length, &length);
            if (status != SvipcStatus.Ok)
            {
                throw new InvalidOperationException($"the C encoder returned status {status} for what the C decoder accepted");
            }
        }

        return output.AsSpan(0, (int)length).ToArray();
    }
}
