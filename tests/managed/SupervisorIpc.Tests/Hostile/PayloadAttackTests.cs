using System;
using System.Buffers;
using System.Collections.Generic;
using System.Linq;
using NUnit.Framework;
using static SupervisorIpc.Tests.Hostile.HostileSupport;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>
/// Well-framed garbage through the typed receives: always <see cref="SupervisorMessageFormatException"/>, the
/// frame consumed and the next one decoded; the raw receives hand the exact bytes over.
/// </summary>
[TestFixture]
[Platform(Include = "Linux")]
[NonParallelizable] // counts this process's descriptors and memory
[CancelAfter(60_000)]
public sealed class PayloadAttackTests
{
    private static IEnumerable<HostilePayload> Refused() => HostilePayloads.RefusedByBoth();

    [TestCaseSource(nameof(Refused))]
    public void Typed_receives_refuse_the_payload_with_a_format_error_and_stay_in_sync(HostilePayload payload)
    {
        foreach (ReceiveKind kind in new[] { ReceiveKind.Message, ReceiveKind.Response })
        {
            var (library, peer) = RawPeer.CreatePair();
            using (library)
            using (peer)
            {
                peer.Write(Frame(payload.Bytes));
                peer.Write(ValidFrameFor(kind));
                ExpectFormatError(() => Receive(library, kind), $"{kind} of {payload.Name}");
                Assert.DoesNotThrow(() => Receive(library, kind), $"{kind}: the frame after {payload.Name}");
            }
        }
    }

    [TestCaseSource(nameof(Refused))]
    public void Raw_receives_return_the_exact_bytes(HostilePayload payload)
    {
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        using (peer)
        {
            peer.Write(Frame(payload.Bytes));
            peer.Write(Frame(payload.Bytes));
            byte[] buffer = new byte[SupervisorSocket.MaxPayloadLength];
            int length = library.ReceiveFrame(buffer);
            Assert.That(buffer.AsSpan(0, length).SequenceEqual(payload.Bytes), Is.True);
            var writer = new ArrayBufferWriter<byte>();
            library.ReceiveFrame(writer);
            Assert.That(writer.WrittenSpan.SequenceEqual(payload.Bytes), Is.True);
        }
    }

    [Test]
    public void Each_side_refuses_a_valid_frame_meant_for_the_other_direction()
    {
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        using (peer)
        {
            peer.Write(Frame(HostilePayloads.ResponseWhereAMessageIsExpected.Bytes));
            peer.Write(Frame(HostilePayloads.MessageWhereAResponseIsExpected.Bytes));
            peer.Write(Frame(RequestPayload));
            ExpectFormatError(() => library.ReceiveMessage(), "a response received as a message");
            ExpectFormatError(() => library.ReceiveResponse(), "a message received as a response");
            Assert.That(library.ReceiveMessage(), Is.InstanceOf<SupervisorMessage.Request>());
        }
    }

    [Test]
    public void Deep_nesting_in_an_unknown_field_never_overflows_the_stack()
    {
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        using (peer)
        {
            for (int i = 0; i < 3; i++)
            {
                peer.Write(Frame(HostilePayloads.RequestWithDeepUnknownField));
                try
                {
                    Assert.That(library.ReceiveMessage(), Is.InstanceOf<SupervisorMessage.Request>());
                }
                catch (SupervisorMessageFormatException)
                {
                    // Refusing is as acceptable as skipping; dying of a stack overflow is not (it would end the run).
                }
            }
        }
    }

    [Test]
    public void Thousands_of_garbage_frames_in_a_row_leave_the_stream_in_sync()
    {
        HostilePayload[] payloads = HostilePayloads.RefusedByBoth().Where(p => p.Bytes.Length < 1024).ToArray();
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        using (peer)
        {
            const int Rounds = 4_000;
            var writer = System.Threading.Tasks.Task.Run(() =>
            {
                for (int round = 0; round < Rounds; round++)
                {
                    peer.Write(Frame(payloads[round % payloads.Length].Bytes));
                    peer.Write(Frame(RequestPayload));
                }
            });

            int refused = 0;
            for (int round = 0; round < Rounds; round++)
            {
                try
                {
                    library.ReceiveMessage();
                    Assert.Fail($"round {round}: {payloads[round % payloads.Length].Name} was accepted");
                }
                catch (SupervisorMessageFormatException)
                {
                    refused++;
                }

                Assert.That(library.ReceiveMessage(), Is.InstanceOf<SupervisorMessage.Request>(), $"round {round}");
            }

            Assert.That(refused, Is.EqualTo(Rounds));
            Assert.That(writer.Wait(GuardTimeout), Is.True);
        }
    }
}
