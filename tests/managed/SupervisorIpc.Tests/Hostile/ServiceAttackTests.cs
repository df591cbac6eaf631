using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using static SupervisorIpc.Tests.Hostile.HostileSupport;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>
/// A running <see cref="SupervisorService"/> serving a hostile child: every attack ends the serving task with a
/// typed <see cref="SupervisorIpcException"/> (or is answered), the backend is never asked about garbage, nothing
/// is sent back that the child could mistake for an answer, and no descriptor is left open.
/// </summary>
[TestFixture]
[Platform(Include = "Linux")]
[NonParallelizable] // counts this process's descriptors and memory
[CancelAfter(60_000)]
public sealed class ServiceAttackTests
{
    private const double Bound = 20;

    private static IEnumerable<HostilePayload> Garbage() =>
        HostilePayloads.RefusedByBoth().Append(HostilePayloads.ResponseWhereAMessageIsExpected);

    [TestCaseSource(nameof(Garbage))]
    public async Task Garbage_ends_serving_with_a_format_error_and_nothing_is_answered_or_leaked(HostilePayload payload)
    {
        int baseline = OpenDescriptorCount();
        var service = new CountingService();
        var (connection, peer) = RawPeer.CreatePair();
        using (peer)
        {
            using (connection)
            {
                peer.Write(Frame(payload.Bytes));
                Exception? fault = await FaultOf(service.Service.ServeAsync(connection), Bound, "serving garbage");
                Assert.That(fault, Is.InstanceOf<SupervisorMessageFormatException>(), $"{payload.Name}: {fault}");
                Assert.That(service.BackendCalls, Is.Zero);
                Assert.That(RawPeer.PeekUnread(peer.Fd), Is.Zero, "nothing may be sent back");
            }
        }

        Assert.That(OpenDescriptorCount(), Is.EqualTo(baseline));
    }

    [TestCase(65_537u)]
    [TestCase(0xFFFFFFFFu)]
    public async Task A_prefix_over_the_cap_ends_serving_with_TooLarge(uint prefix)
    {
        var service = new CountingService();
        var (connection, peer) = RawPeer.CreatePair();
        using (peer)
        using (connection)
        {
            peer.Write(Prefix(prefix));
            peer.Write(new byte[100]);
            Exception? fault = await FaultOf(service.Service.ServeAsync(connection), Bound, "serving an oversize prefix");
            Assert.That(fault, Is.InstanceOf<SupervisorSocketException>().With.Property(nameof(SupervisorSocketException.Error)).EqualTo(SupervisorIpcError.TooLarge), fault?.ToString());
            Assert.That(RawPeer.PeekUnread(peer.Fd), Is.Zero);
        }
    }

    [Test]
    public async Task A_request_cut_at_every_byte_offset_by_the_peer_closing_ends_serving_with_a_typed_close()
    {
        byte[] frame = Frame(CountingService.RequestPayload("cut"));
        var service = new CountingService();
        for (int cut = 0; cut < frame.Length; cut++)
        {
            var (connection, peer) = RawPeer.CreatePair();
            using (connection)
            {
                using (peer)
                {
                    peer.Write(frame.AsSpan(0, cut));
                }

                Exception? fault = await FaultOf(service.Service.ServeAsync(connection), Bound, $"serving a request cut at {cut}");
                if (cut == 0)
                {
                    Assert.That(fault, Is.Null, "an orderly close at a frame boundary ends serving normally");
                }
                else
                {
                    Assert.That(fault, Is.InstanceOf<SupervisorConnectionClosedException>().With.Property(nameof(SupervisorConnectionClosedException.IsOrderly)).False, $"cut at {cut}: {fault}");
                }
            }
        }

        Assert.That(service.BackendCalls, Is.Zero);
    }

    [Test]
    public async Task Requests_dribbled_one_byte_per_write_are_each_answered()
    {
        var service = new CountingService();
        var (connection, peer) = RawPeer.CreatePair();
        using (peer)
        using (connection)
        {
            Task serving = service.Service.ServeAsync(connection);
            for (int i = 0; i < 3; i++)
            {
                peer.WriteOneByteAtATime(Frame(CountingService.RequestPayload($"dribble-{i}")), TimeSpan.FromMilliseconds(1));
                Assert.That(CountingService.DecodeRequestIdOfAnswer(peer.ReadFrame(GuardTimeout)), Is.EqualTo($"dribble-{i}"));
            }

            peer.ShutdownWrite();
            await Within(serving, Bound, "serving until the orderly close");
        }
    }

    private static IEnumerable<TestCaseData> Attacks() =>
        DescriptorAttack.All().Select(a => new TestCaseData(a).SetArgDisplayNames(a.Name));

    [TestCaseSource(nameof(Attacks))]
    public async Task A_descriptor_attack_ends_serving_with_a_protocol_violation_and_leaks_nothing(DescriptorAttack attack)
    {
        int baseline = OpenDescriptorCount();
        var service = new CountingService();
        var (connection, peer) = RawPeer.CreatePair();
        using (peer)
        {
            using (connection)
            {
                SafeFileHandle[] attached = OpenNullDescriptors(attack.DescriptorCount);
                attack.Write(peer, Numbers(attached));
                CloseAll(attached);
                Exception? fault = await FaultOf(service.Service.ServeAsync(connection), Bound, $"serving {attack.Name}");
                Assert.That(fault, Is.InstanceOf<SupervisorSocketException>().With.Property(nameof(SupervisorSocketException.Error)).EqualTo(SupervisorIpcError.ProtocolViolation), fault?.ToString());
                Assert.That(service.BackendCalls, Is.Zero);
                Assert.That(RawPeer.PeekUnread(peer.Fd), Is.Zero);
            }
        }

        Assert.That(OpenDescriptorCount(), Is.EqualTo(baseline));
    }

    [Test]
    public async Task A_descriptor_the_child_sends_along_with_a_request_is_never_used_and_is_closed_with_the_connection()
    {
        int baseline = OpenDescriptorCount();
        var service = new CountingService();
        var (connection, peer) = RawPeer.CreatePair();
        using (peer)
        {
            using (connection)
            {
                SafeFileHandle[] fd = OpenNullDescriptors(1);
                peer.WriteWithDescriptors([0], Numbers(fd));
                CloseAll(fd);
                peer.Write(Frame(CountingService.RequestPayload("with-a-gift")));
                Task serving = service.Service.ServeAsync(connection);
                Assert.That(CountingService.DecodeRequestIdOfAnswer(peer.ReadFrame(GuardTimeout)), Is.EqualTo("with-a-gift"));
                peer.ShutdownWrite();
                await Within(serving, Bound, "serving until the orderly close");
            }
        }

        Assert.That(OpenDescriptorCount(), Is.EqualTo(baseline));
    }

    [TestCase(GrantOrder.DescriptorFirst)]
    [TestCase(GrantOrder.DecisionFirst)]
    public async Task A_child_that_vanishes_before_its_grant_is_sent_is_not_answered_and_the_opened_file_is_closed(GrantOrder order)
    {
        string directory = CreateShortTempDirectory();
        try
        {
            string file = System.IO.Path.Combine(directory, "granted.txt");
            await System.IO.File.WriteAllTextAsync(file, "granted\n");
            using var service = new SupervisorService(new SupervisorServiceOptions
            {
                ApprovalBackend = new PolicyApprovalBackend(new PathRule(directory, AccessMode.Read)),
                GrantOrder = order,
            });
            var audit = new SupervisorIpc.Tests.Flow.AuditLog();
            using IDisposable subscription = service.Subscribe(audit);
            var table = DescriptorTable();
            int baseline = OpenDescriptorCount();
            var (connection, peer) = RawPeer.CreatePair();
            using (connection)
            {
                using (peer)
                {
                    peer.Write(Frame(CountingService.RequestPayload("gone", file)));
                }

                // The hang-up is seen on the readiness loop while the request is decided (then nothing is sent and
                // serving ends when the receive finds the connection closed), unless the policy decides before the loop
                // has reported it: then the send finds the child gone and serving ends with the typed error.
                Exception? fault = await FaultOf(service.ServeAsync(connection), Bound, "serving a child that is gone");
                if (fault is null)
                {
                    Assert.That(audit.Events.Single().Detail, Is.EqualTo(SupervisorService.ChildHungUpDetail));
                }
                else
                {
                    Assert.That(fault, Is.InstanceOf<SupervisorConnectionClosedException>(), fault.ToString());
                }
            }

            Assert.That(OpenDescriptorCount(), Is.EqualTo(baseline), NewDescriptors(table));
        }
        finally
        {
            System.IO.Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public async Task A_request_id_so_long_that_the_answer_cannot_fit_in_a_frame_fails_typed_and_sends_nothing()
    {
        // The request fits in 64 KiB; the denial echoing its id plus a 300-byte reason does not.
        var service = new CountingService(reason: new string('r', 300));
        string id = new('i', SupervisorSocket.MaxPayloadLength - 200);
        byte[] request = CountingService.RequestPayload(id);
        Assert.That(request.Length, Is.LessThanOrEqualTo(SupervisorSocket.MaxPayloadLength));
        var (connection, peer) = RawPeer.CreatePair();
        using (peer)
        using (connection)
        {
            peer.Write(Frame(request));
            Exception? fault = await FaultOf(service.Service.ServeAsync(connection), Bound, "serving an unanswerable request");
            Assert.That(fault, Is.InstanceOf<SupervisorSocketException>().With.Property(nameof(SupervisorSocketException.Error)).EqualTo(SupervisorIpcError.TooLarge), fault?.ToString());
            Assert.That(RawPeer.PeekUnread(peer.Fd), Is.Zero, "no partial answer");
            Assert.That(service.Answers, Is.EqualTo(1), "the failure is audited");
        }
    }
}
