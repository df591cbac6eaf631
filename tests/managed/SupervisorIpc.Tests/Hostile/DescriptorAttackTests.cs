using System;
using System.Collections.Generic;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using static SupervisorIpc.Tests.Hostile.HostileSupport;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>
/// Descriptor attacks against every receive of <see cref="SupervisorSocket"/>: a protocol violation, every
/// descriptor that arrived closed (the process's descriptor count is where it was), every later receive refused,
/// the sending direction still usable.
/// </summary>
[TestFixture]
[Platform(Include = "Linux")]
[NonParallelizable] // counts this process's descriptors and memory
[CancelAfter(60_000)]
public sealed class DescriptorAttackTests
{
    public enum Call
    {
        Message,
        RawSpan,
        RawWriter,
        Descriptor,
    }

    private static IEnumerable<TestCaseData> Cases()
    {
        foreach (DescriptorAttack attack in DescriptorAttack.All())
        {
            foreach (Call call in Enum.GetValues<Call>())
            {
                yield return new TestCaseData(attack, call).SetArgDisplayNames(attack.Name, call.ToString());
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void The_attack_is_a_protocol_violation_that_closes_every_arrived_descriptor(DescriptorAttack attack, Call call)
    {
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        using (peer)
        {
            SafeFileHandle[] attached = OpenNullDescriptors(attack.DescriptorCount);
            attack.Write(peer, Numbers(attached));
            // Only the copies in flight remain: whatever the library receives, it must close.
            CloseAll(attached);
            int beforeReceive = OpenDescriptorCount();

            SupervisorSocketException error = ExpectSocketErrorAfterKeptFrame(library, call, attack);
            Assert.That(error.Error, Is.EqualTo(SupervisorIpcError.ProtocolViolation), $"{attack.Name} via {call}: {error.Message}");
            Assert.That(OpenDescriptorCount(), Is.EqualTo(beforeReceive), $"{attack.Name} via {call}: descriptors left open");

            FramingAttackTests.ExpectDesynchronizedEverywhere(library, peer, $"{attack.Name} via {call}");
        }
    }

    [Test]
    public void A_kept_carrier_followed_by_an_attack_is_still_a_violation_and_nothing_leaks()
    {
        var table = DescriptorTable();
        int baseline = OpenDescriptorCount();
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        using (peer)
        {
            SafeFileHandle[] fds = OpenNullDescriptors(2);
            peer.WriteWithDescriptors([0], [Numbers(fds)[0]]);
            peer.Write(DescriptorAttack.Frame.AsSpan(0, 4));
            peer.WriteWithDescriptors(DescriptorAttack.Frame.AsSpan(4), [Numbers(fds)[1]]);
            CloseAll(fds);
            ExpectSocketError(SupervisorIpcError.ProtocolViolation, () => library.ReceiveMessage(), "kept carrier then descriptor on payload");
        }

        Assert.That(OpenDescriptorCount(), Is.EqualTo(baseline), NewDescriptors(table));
    }

    [Test]
    public void Two_legitimate_carriers_in_a_row_before_a_frame_are_a_violation_not_a_queue()
    {
        // Only one descriptor may wait for ReceiveFileDescriptor; a peer must not make the supervisor hoard them.
        int baseline = OpenDescriptorCount();
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        using (peer)
        {
            SafeFileHandle[] fds = OpenNullDescriptors(2);
            peer.WriteWithDescriptors([0], [Numbers(fds)[0]]);
            peer.WriteWithDescriptors([0], [Numbers(fds)[1]]);
            peer.Write(DescriptorAttack.Frame);
            CloseAll(fds);
            ExpectSocketError(SupervisorIpcError.ProtocolViolation, () => library.ReceiveMessage(), "two carriers then a frame");
        }

        Assert.That(OpenDescriptorCount(), Is.EqualTo(baseline));
    }

    [Test]
    public void Descriptors_left_in_flight_or_kept_unclaimed_are_closed_with_the_socket()
    {
        int baseline = OpenDescriptorCount();
        var (library, peer) = RawPeer.CreatePair();
        using (peer)
        {
            SafeFileHandle[] fds = OpenNullDescriptors(8);
            // One carrier the frame receive keeps, then a frame, then carriers nobody ever reads.
            peer.WriteWithDescriptors([0], [Numbers(fds)[0]]);
            peer.Write(DescriptorAttack.Frame);
            for (int i = 1; i < fds.Length; i++)
            {
                peer.WriteWithDescriptors([0], [Numbers(fds)[i]]);
            }

            CloseAll(fds);
            Assert.That(library.ReceiveMessage(), Is.InstanceOf<SupervisorMessage.Request>());
            library.Dispose();
        }

        Assert.That(OpenDescriptorCount(), Is.EqualTo(baseline));
    }

    [Test]
    public void A_legitimate_descriptor_arrives_close_on_exec_whichever_receive_meets_it_first()
    {
        foreach (bool frameReceiveFirst in new[] { false, true })
        {
            var (library, peer) = RawPeer.CreatePair();
            using (library)
            using (peer)
            using (SafeFileHandle file = System.IO.File.OpenHandle("/dev/null"))
            {
                peer.WriteWithDescriptors([0], [(int)file.DangerousGetHandle()]);
                peer.Write(DescriptorAttack.Frame);
                SafeFileHandle received;
                if (frameReceiveFirst)
                {
                    Assert.That(library.ReceiveMessage(), Is.InstanceOf<SupervisorMessage.Request>());
                    received = library.ReceiveFileDescriptor();
                }
                else
                {
                    received = library.ReceiveFileDescriptor();
                    Assert.That(library.ReceiveMessage(), Is.InstanceOf<SupervisorMessage.Request>());
                }

                using (received)
                {
                    Assert.That(IsCloseOnExec((int)received.DangerousGetHandle()), Is.True);
                }
            }
        }
    }

    /// <summary>
    /// The receive <paramref name="call"/> names; a descriptor receive that meets frame data first says so and keeps
    /// the frame, and then the frame receive meets the attack.
    /// </summary>
    private static SupervisorSocketException ExpectSocketErrorAfterKeptFrame(SupervisorSocket library, Call call, DescriptorAttack attack)
    {
        try
        {
            switch (call)
            {
                case Call.Message:
                    library.ReceiveMessage();
                    break;
                case Call.RawSpan:
                    library.ReceiveFrame(new byte[SupervisorSocket.MaxPayloadLength]);
                    break;
                case Call.RawWriter:
                    library.ReceiveFrame(new System.Buffers.ArrayBufferWriter<byte>());
                    break;
                default:
                    try
                    {
                        library.ReceiveFileDescriptor().Dispose();
                    }
                    catch (SupervisorSocketException noDescriptor) when (noDescriptor.Error == SupervisorIpcError.NoDescriptor && !attack.MetByDescriptorReceive)
                    {
                        library.ReceiveFrame(new byte[SupervisorSocket.MaxPayloadLength]);
                    }

                    break;
            }
        }
        catch (SupervisorSocketException error)
        {
            return error;
        }
        catch (Exception other)
        {
            Assert.Fail($"{attack.Name} via {call}: {other.GetType().Name}: {other.Message}");
        }

        Assert.Fail($"{attack.Name} via {call}: the attack was accepted");
        throw new InvalidOperationException("unreachable");
    }
}
