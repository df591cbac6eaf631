using System;
using System.Buffers;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using static SupervisorIpc.Tests.Hostile.HostileSupport;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>
/// A peer that lies about lengths, cuts frames short or dribbles them byte by byte, against every receive of
/// <see cref="SupervisorSocket"/>: a typed error, the stream never misframed, nothing of the attack's size allocated.
/// </summary>
[TestFixture]
[Platform(Include = "Linux")]
[NonParallelizable] // counts this process's descriptors and memory
[CancelAfter(60_000)]
public sealed class FramingAttackTests
{
    private const int TrailingBytes = 100;

    [TestCase(65_537u, false)]
    [TestCase(0xFFFFFFFFu, false)]
    [TestCase(0x80000000u, true)]
    public void A_prefix_over_the_cap_is_refused_without_allocating_and_the_stream_stays_refused(uint prefix, bool splitPrefix)
    {
        foreach (ReceiveKind kind in AllReceiveKinds)
        {
            var (library, peer) = RawPeer.CreatePair();
            using (library)
            using (peer)
            {
                byte[] buffer = new byte[SupervisorSocket.MaxPayloadLength];
                var writer = new ArrayBufferWriter<byte>(SupervisorSocket.MaxPayloadLength);
                // A full-size frame first, so that buffers allocated lazily on the first receive already exist.
                peer.Write(Frame(new byte[SupervisorSocket.MaxPayloadLength]));
                Assert.That(library.ReceiveFrame(buffer), Is.EqualTo(SupervisorSocket.MaxPayloadLength));

                byte[] header = Prefix(prefix);
                if (splitPrefix)
                {
                    peer.Write(header.AsSpan(0, 2));
                    peer.Write(header.AsSpan(2));
                }
                else
                {
                    peer.Write(header);
                }

                peer.Write(Enumerable.Repeat((byte)'x', TrailingBytes).ToArray());

                long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
                ExpectSocketError(SupervisorIpcError.TooLarge, () => ReceiveWithoutAllocating(library, kind, buffer, writer), $"{kind} 0x{prefix:X8}");
                long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
                // The exception and its message cost a few KiB; a receive that sized anything by the prefix costs more than 64 KiB.
                Assert.That(allocated, Is.LessThan(32 * 1024), $"{kind}: the refused prefix 0x{prefix:X8} cost {allocated} managed bytes");
                // Bytes behind the prefix may have been read ahead; none of them is ever handed out.
                Assert.That(library.HasBufferedInput, Is.False, "a desynchronized receive side offers nothing");

                ExpectDesynchronizedEverywhere(library, peer, kind.ToString());
            }
        }
    }

    [Test]
    public void A_frame_cut_by_the_peer_closing_at_every_byte_offset_is_a_typed_close_never_a_frame()
    {
        foreach (Messages.WireVector vector in Messages.WireVectors.All)
        {
            byte[] frame = Frame(vector.Payload);
            ReceiveKind typed = vector.IsMessage ? ReceiveKind.Message : ReceiveKind.Response;
            foreach (ReceiveKind kind in new[] { typed, ReceiveKind.RawSpan, ReceiveKind.RawWriter })
            {
                CutEverywhere(frame, kind, vector.Name);
            }
        }
    }

    private static void CutEverywhere(byte[] frame, ReceiveKind kind, string name)
    {
        for (int cut = 0; cut < frame.Length; cut++)
        {
            var (library, peer) = RawPeer.CreatePair();
            using (library)
            {
                using (peer)
                {
                    peer.Write(frame.AsSpan(0, cut));
                }

                var error = (SupervisorConnectionClosedException)ExpectSocketError(
                    cut == 0 ? SupervisorIpcError.Closed : SupervisorIpcError.Truncated,
                    () => Receive(library, kind),
                    $"{name} via {kind} cut at {cut}");
                Assert.That(error.IsOrderly, Is.EqualTo(cut == 0));
                // Nothing more ever comes out of that stream as a frame.
                Assert.Throws(Is.InstanceOf<SupervisorSocketException>(), () => Receive(library, kind), $"{name} via {kind} cut at {cut}, second receive");
            }
        }
    }

    [Test]
    public void A_peer_closing_at_or_inside_a_prefix_is_a_typed_close_for_the_descriptor_receive_too()
    {
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        {
            using (peer)
            {
                peer.Write(Prefix(3).AsSpan(0, 1));
            }

            // Frame data comes first, so the descriptor receive leaves it; the frame receive then meets the cut.
            ExpectSocketError(SupervisorIpcError.NoDescriptor, () => library.ReceiveFileDescriptor(), "descriptor receive before a cut prefix");
            ExpectSocketError(SupervisorIpcError.Truncated, () => library.ReceiveFrame(new byte[16]), "frame receive of a cut prefix");
        }

        (library, peer) = RawPeer.CreatePair();
        using (library)
        {
            peer.Dispose();
            var closed = (SupervisorConnectionClosedException)ExpectSocketError(SupervisorIpcError.Closed, () => library.ReceiveFileDescriptor(), "descriptor receive at end of stream");
            Assert.That(closed.IsOrderly, Is.True);
        }
    }

    [Test]
    public void Frames_dribbled_one_byte_per_write_arrive_whole_and_in_order()
    {
        byte[][] payloads =
        [
            RequestPayload,
            Messages.WireVectors.Named("open_url").Payload,
            Messages.WireVectors.Named("request_write_no_reason").Payload,
        ];
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        using (peer)
        {
            Task writer = Task.Run(() =>
            {
                foreach (byte[] payload in payloads)
                {
                    peer.WriteOneByteAtATime(Frame(payload), TimeSpan.FromMilliseconds(1));
                }
            });

            foreach (byte[] payload in payloads)
            {
                Assert.That(library.ReceiveMessage(), Is.EqualTo(SupervisorWireCodec.DecodeMessage(payload)));
            }

            Assert.That(writer.Wait(GuardTimeout), Is.True);
        }
    }

    [Test]
    public void A_maximum_size_frame_written_one_byte_per_send_arrives_intact_through_each_raw_receive()
    {
        byte[] payload = new byte[SupervisorSocket.MaxPayloadLength];
        new Random(7).NextBytes(payload);
        foreach (ReceiveKind kind in new[] { ReceiveKind.RawSpan, ReceiveKind.RawWriter })
        {
            var (library, peer) = RawPeer.CreatePair();
            using (library)
            using (peer)
            {
                Task writer = Task.Run(() => peer.WriteOneByteAtATime(Frame(payload), TimeSpan.Zero));
                byte[] received;
                if (kind == ReceiveKind.RawSpan)
                {
                    received = new byte[SupervisorSocket.MaxPayloadLength];
                    Assert.That(library.ReceiveFrame(received), Is.EqualTo(payload.Length));
                }
                else
                {
                    var destination = new ArrayBufferWriter<byte>();
                    Assert.That(library.ReceiveFrame(destination), Is.EqualTo(payload.Length));
                    received = destination.WrittenSpan.ToArray();
                }

                Assert.That(received.AsSpan().SequenceEqual(payload), Is.True, kind.ToString());
                Assert.That(writer.Wait(GuardTimeout), Is.True);
            }
        }
    }

    [Test]
    public void A_prefix_over_the_cap_queued_behind_a_descriptor_request_is_left_for_the_frame_receive()
    {
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        using (peer)
        {
            peer.Write(Prefix(0xFFFFFFFFu));
            ExpectSocketError(SupervisorIpcError.NoDescriptor, () => library.ReceiveFileDescriptor(), "descriptor receive before an oversize frame");
            ExpectSocketError(SupervisorIpcError.TooLarge, () => library.ReceiveFrame(new byte[64]), "frame receive of the oversize frame");
        }
    }

    /// <summary>After the receive direction failed: every receive keeps failing the same way, and sending still works.</summary>
    internal static void ExpectDesynchronizedEverywhere(SupervisorSocket library, RawPeer peer, string context)
    {
        // A valid frame behind the attack: a library that ignored the error would now misframe it.
        peer.Write(Frame(RequestPayload));
        foreach (ReceiveKind kind in AllReceiveKinds)
        {
            ExpectSocketError(SupervisorIpcError.Desynchronized, () => Receive(library, kind), $"{context}, then {kind}");
        }

        ExpectSocketError(SupervisorIpcError.Desynchronized, () => library.ReceiveFileDescriptor(), $"{context}, then descriptor");
        ExpectSocketError(SupervisorIpcError.Desynchronized, () => library.TryReceiveFileDescriptor(out _), $"{context}, then optional descriptor");

        library.SendFrame("{}"u8);
        Assert.That(peer.ReadFrame(GuardTimeout), Is.EqualTo("{}"u8.ToArray()), $"{context}: the sending direction is independent");
    }

    private static void ReceiveWithoutAllocating(SupervisorSocket library, ReceiveKind kind, byte[] buffer, ArrayBufferWriter<byte> writer)
    {
        switch (kind)
        {
            case ReceiveKind.Message:
                library.ReceiveMessage();
                break;
            case ReceiveKind.Response:
                library.ReceiveResponse();
                break;
            case ReceiveKind.RawSpan:
                library.ReceiveFrame(buffer);
                break;
            default:
                library.ReceiveFrame(writer);
                break;
        }
    }
}
