using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using static SupervisorIpc.Tests.Hostile.HostileSupport;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>
/// Descriptor hygiene through the C# API: 10,000 mixed operations, every error path of the hostile suite among
/// them, leave exactly as many descriptors open as before, and every descriptor received is close-on-exec.
/// <c>SVIPC_HOSTILE_HYGIENE_OPS</c> sets the number of operations (default 10,000).
/// </summary>
[TestFixture]
[Platform(Include = "Linux")]
[NonParallelizable] // counts this process's descriptors and memory
[CancelAfter(120_000)]
public sealed class DescriptorHygieneTests
{
    private static readonly Hostile.DescriptorAttack[] Attacks = Hostile.DescriptorAttack.All().ToArray();
    private static readonly HostilePayload[] Garbage = HostilePayloads.RefusedByBoth().ToArray();
    private static readonly byte[] RequestFrame = Frame(RequestPayload);

    private string _directory = string.Empty;
    private string _grantedFile = string.Empty;
    private SupervisorService _granting = null!;
    private SupervisorService _denying = null!;
    private int _receivedDescriptors;
    private int _grantCounter;

    private delegate void Operation(int round);

    [SetUp]
    public void CreateTree()
    {
        _directory = CreateShortTempDirectory();
        _grantedFile = Path.Combine(_directory, "granted.txt");
        File.WriteAllText(_grantedFile, "granted\n");
        _granting = new SupervisorService(new SupervisorServiceOptions
        {
            ApprovalBackend = new PolicyApprovalBackend(new PathRule(_directory, AccessMode.Read)),
            RequestsPerSecond = 1e9,
            RequestBurst = 1_000_000_000,
            ReplayMemory = 64,
        });
        _denying = new CountingService().Service;
    }

    [TearDown]
    public void RemoveTree()
    {
        _granting.Dispose();
        _denying.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Test]
    public void Ten_thousand_mixed_operations_including_every_error_path_leave_the_descriptor_count_unchanged()
    {
        Operation[] operations =
        [
            MessageRoundTrip,
            DescriptorRoundTrip,
            OversizePrefix,
            TruncatedFrame,
            DescriptorAttackOnSocket,
            GarbagePayload,
            WrongDirection,
            SilentPeerTimeout,
            ServiceGrant,
            ServiceUnderDescriptorAttack,
            ServiceUnderGarbage,
            SendErrors,
            CancelledReceive,
            ListenerAcceptAndReject,
            KeptDescriptorNeverClaimed,
        ];
        long count = EnvironmentLong("SVIPC_HOSTILE_HYGIENE_OPS", 10_000);

        // Warm-up: lazily opened runtime descriptors (thread pool, sockets engine, JIT) must not count.
        for (int round = 0; round < 3 * operations.Length; round++)
        {
            operations[round % operations.Length](round);
        }

        var table = DescriptorTable();
        int before = OpenDescriptorCount();
        _receivedDescriptors = 0;
        var clock = Stopwatch.StartNew();
        var perKind = new TimeSpan[operations.Length];
        for (int round = 0; round < count; round++)
        {
            long started = Stopwatch.GetTimestamp();
            operations[round % operations.Length](round);
            perKind[round % operations.Length] += Stopwatch.GetElapsedTime(started);
        }

        clock.Stop();
        int after = OpenDescriptorCount();
        TestContext.Out.WriteLine(
            $"hygiene: {count} operations ({operations.Length} kinds) in {clock.Elapsed.TotalSeconds:F1} s; " +
            $"descriptors open before {before}, after {after}; {_receivedDescriptors} received descriptors, all close-on-exec");
        TestContext.Out.WriteLine("hygiene time per kind: " + string.Join(", ", operations.Select((o, i) => $"{o.Method.Name} {perKind[i].TotalMilliseconds:F0} ms")));
        Assert.That(after, Is.EqualTo(before), $"descriptors leaked (or closed twice) over the run: {NewDescriptors(table)}");
        Assert.That(_receivedDescriptors, Is.GreaterThan(0));
    }

    private void MessageRoundTrip(int round)
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            child.SendMessage(SupervisorWireCodec.DecodeMessage(RequestPayload));
            Assert.That(supervisor.ReceiveMessage(), Is.InstanceOf<SupervisorMessage.Request>());
            supervisor.SendResponse(SupervisorWireCodec.DecodeResponse(DeniedPayload));
            Assert.That(child.ReceiveResponse(), Is.InstanceOf<SupervisorResponse.Decision>());
        }
    }

    private void DescriptorRoundTrip(int round)
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        using (SafeFileHandle file = File.OpenHandle(_grantedFile))
        {
            supervisor.SendFileDescriptor(file);
            using SafeFileHandle received = child.ReceiveFileDescriptor();
            CheckReceived(received);
        }
    }

    private void OversizePrefix(int round)
    {
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        using (peer)
        {
            peer.Write(Prefix(round % 2 == 0 ? 0xFFFFFFFFu : 65_537u));
            ExpectSocketError(SupervisorIpcError.TooLarge, () => library.ReceiveMessage());
            ExpectSocketError(SupervisorIpcError.Desynchronized, () => library.ReceiveFileDescriptor());
        }
    }

    private void TruncatedFrame(int round)
    {
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        {
            using (peer)
            {
                peer.Write(RequestFrame.AsSpan(0, 1 + (round % (RequestFrame.Length - 1))));
            }

            ExpectSocketError(SupervisorIpcError.Truncated, () => library.ReceiveFrame(new byte[SupervisorSocket.MaxPayloadLength]));
        }
    }

    private void DescriptorAttackOnSocket(int round)
    {
        Hostile.DescriptorAttack attack = Attacks[round % Attacks.Length];
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        using (peer)
        {
            SafeFileHandle[] attached = OpenNullDescriptors(attack.DescriptorCount);
            attack.Write(peer, Numbers(attached));
            CloseAll(attached);
            ExpectSocketError(SupervisorIpcError.ProtocolViolation, () => library.ReceiveMessage(), attack.Name);
        }
    }

    private void GarbagePayload(int round)
    {
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        using (peer)
        {
            peer.Write(Frame(Garbage[round % Garbage.Length].Bytes));
            ExpectFormatError(() => library.ReceiveMessage());
        }
    }

    private void WrongDirection(int round)
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            child.SendFrame(DeniedPayload);
            ExpectFormatError(() => supervisor.ReceiveMessage());
            supervisor.SendFrame(RequestPayload);
            ExpectFormatError(() => child.ReceiveResponse());
        }
    }

    private void SilentPeerTimeout(int round)
    {
        var (library, peer) = RawPeer.CreatePair(TimeSpan.FromMilliseconds(1));
        using (library)
        using (peer)
        {
            int written = round % 5;
            peer.Write(RequestFrame.AsSpan(0, written));
            Assert.Throws<SupervisorTimeoutException>(() => library.ReceiveMessage());
            if (written == 0)
            {
                Assert.Throws<SupervisorTimeoutException>(() => library.ReceiveFileDescriptor());
            }
            else
            {
                // In the middle of a frame a descriptor cannot come next.
                ExpectSocketError(SupervisorIpcError.NoDescriptor, () => library.ReceiveFileDescriptor());
            }
        }
    }

    private void ServiceGrant(int round)
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            supervisor.ReadTimeout = child.ReadTimeout = GuardTimeout;
            Task serving = _granting.ServeAsync(supervisor);
            child.SendMessage(new SupervisorMessage.Request(new CapabilityRequest($"grant-{++_grantCounter}", _grantedFile, AccessMode.Read, null, 1, "s")));
            var decision = (SupervisorResponse.Decision)child.ReceiveResponse();
            Assert.That(decision.Outcome, Is.InstanceOf<ApprovalDecision.Granted>());
            using (SafeFileHandle received = child.ReceiveFileDescriptor())
            {
                CheckReceived(received);
            }

            child.Shutdown();
            Assert.That(serving.Wait(GuardTimeout), Is.True);
        }
    }

    private void ServiceUnderDescriptorAttack(int round)
    {
        Hostile.DescriptorAttack attack = Attacks[(round / 7) % Attacks.Length];
        var (connection, peer) = RawPeer.CreatePair();
        using (connection)
        using (peer)
        {
            SafeFileHandle[] attached = OpenNullDescriptors(attack.DescriptorCount);
            attack.Write(peer, Numbers(attached));
            CloseAll(attached);
            ExpectServingFault<SupervisorSocketException>(_denying.ServeAsync(connection));
        }
    }

    private void ServiceUnderGarbage(int round)
    {
        var (connection, peer) = RawPeer.CreatePair();
        using (connection)
        using (peer)
        {
            peer.Write(Frame(Garbage[(round / 3) % Garbage.Length].Bytes));
            ExpectServingFault<SupervisorMessageFormatException>(_denying.ServeAsync(connection));
        }
    }

    private void SendErrors(int round)
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        {
            ExpectSocketError(SupervisorIpcError.TooLarge, () => supervisor.SendFrame(new byte[SupervisorSocket.MaxPayloadLength + 1]));
            child.Dispose();
            ExpectSocketError(SupervisorIpcError.Closed, () => supervisor.SendFrame(RequestPayload));
            using SafeFileHandle file = File.OpenHandle(_grantedFile);
            Assert.Throws(Is.InstanceOf<SupervisorSocketException>(), () => supervisor.SendFileDescriptor(file));
        }
    }

    private void CancelledReceive(int round)
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        using (var cancellation = new CancellationTokenSource())
        {
            Task<SupervisorMessage> receive = supervisor.ReceiveMessageAsync(cancellation.Token).AsTask();
            cancellation.Cancel();
            try
            {
                receive.Wait(GuardTimeout);
                Assert.Fail("a cancelled receive completed");
            }
            catch (AggregateException error) when (error.InnerException is OperationCanceledException)
            {
            }
        }
    }

    private void ListenerAcceptAndReject(int round)
    {
        string path = Path.Combine(_directory, "l.sock");
        bool reject = round % 2 == 1;
        var options = reject
            ? new SupervisorListenerOptions { AllowedUids = [OwnUid() + 1] }
            : new SupervisorListenerOptions();
        using SupervisorListener listener = SupervisorListener.Bind(path, options);
        using SupervisorSocket client = SupervisorSocket.Connect(path);
        if (reject)
        {
            Assert.Throws<SupervisorPeerRejectedException>(() => listener.Accept(GuardTimeout).Dispose());
            return;
        }

        using SupervisorSocket accepted = listener.Accept(GuardTimeout);
        client.SendFrame(RequestPayload);
        Assert.That(accepted.ReceiveMessage(), Is.InstanceOf<SupervisorMessage.Request>());
    }

    private void KeptDescriptorNeverClaimed(int round)
    {
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        using (peer)
        using (SafeFileHandle file = File.OpenHandle(_grantedFile))
        {
            peer.WriteWithDescriptors([0], [(int)file.DangerousGetHandle()]);
            peer.Write(RequestFrame);
            Assert.That(library.ReceiveMessage(), Is.InstanceOf<SupervisorMessage.Request>());
        }
    }

    private void CheckReceived(SafeFileHandle received)
    {
        int fd = (int)received.DangerousGetHandle();
        Assert.That(IsCloseOnExec(fd), Is.True, $"received descriptor {fd} lacks FD_CLOEXEC");
        _receivedDescriptors++;
    }

    private static void ExpectServingFault<T>(Task serving)
        where T : SupervisorIpcException
    {
        try
        {
            Assert.That(serving.Wait(GuardTimeout), Is.True, "serving did not end");
            Assert.Fail("serving a hostile peer ended without an error");
        }
        catch (AggregateException error)
        {
            Assert.That(error.InnerException, Is.InstanceOf<T>());
        }
    }

    private static uint OwnUid()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        return uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], System.Globalization.CultureInfo.InvariantCulture);
    }
}
