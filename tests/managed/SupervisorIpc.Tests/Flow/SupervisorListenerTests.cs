using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using static SupervisorIpc.Tests.Flow.FlowTestSupport;

namespace SupervisorIpc.Tests.Flow;

/// <summary>
/// The authenticating listener: owner-only socket, poll-loop and async accept, uid allow-list, per-connection read
/// timeout, unlink on dispose. (A real second user is tested in C: tests/flow/test_listener.c, as root.)
/// </summary>
[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SupervisorListenerTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = CreateTempDirectory();

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    private string SocketPath => Path.Combine(_directory, "listener.sock");

    [Test]
    public async Task AcceptsOurOwnUidWithTheDefaultReadTimeout()
    {
        using SupervisorListener listener = SupervisorListener.Bind(SocketPath);
        Assert.That(File.GetUnixFileMode(SocketPath), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        Assert.That(IsCloseOnExec(listener.FileDescriptor), Is.True);
        Assert.That(listener.TryAccept(out _), Is.False, "nobody is waiting");
        Assert.Throws<SupervisorTimeoutException>(() => listener.Accept(TimeSpan.FromMilliseconds(20)));

        using SupervisorSocket client = SupervisorSocket.Connect(SocketPath);
        using SupervisorSocket connection = await Within(listener.AcceptAsync());
        Assert.That(connection.ReadTimeout, Is.EqualTo(TimeSpan.FromSeconds(5)));
        Assert.That(connection.PeerCredentials.Pid, Is.EqualTo(Environment.ProcessId));
        Assert.That(connection.PeerCredentials.Uid, Is.EqualTo(EffectiveUid()));
        client.SendFrame("hello"u8);
        byte[] buffer = new byte[16];
        Assert.That(connection.ReceiveFrame(buffer), Is.EqualTo(5));
    }

    [Test]
    public void PollLoopAcceptAndNoTimeoutOption()
    {
        using SupervisorListener listener = SupervisorListener.Bind(SocketPath, new SupervisorListenerOptions { ConnectionReadTimeout = null });
        using SupervisorSocket client = SupervisorSocket.Connect(SocketPath);
        SupervisorSocket? connection = null;
        // What a poll loop does: try whenever the descriptor is readable (here: until the connection shows up).
        SpinWait.SpinUntil(() => listener.TryAccept(out connection), TimeSpan.FromSeconds(30));
        using (connection)
        {
            Assert.That(connection, Is.Not.Null);
            Assert.That(connection!.ReadTimeout, Is.Null);
        }
    }

    [Test]
    public async Task RejectsAUidOutsideTheAllowList()
    {
        uint us = EffectiveUid();
        using (SupervisorListener strict = SupervisorListener.Bind(SocketPath, new SupervisorListenerOptions { AllowedUids = [us + 1000] }))
        {
            using SupervisorSocket client = SupervisorSocket.Connect(SocketPath);
            var rejected = Assert.ThrowsAsync<SupervisorPeerRejectedException>(() => Within(strict.AcceptAsync()));
            Assert.That((rejected!.Peer.Pid, rejected.Peer.Uid, rejected.Error), Is.EqualTo((Environment.ProcessId, us, SupervisorIpcError.PeerRejected)));
            byte[] buffer = new byte[16];
            Assert.Throws<SupervisorConnectionClosedException>(() => client.ReceiveFrame(buffer), "the rejected peer sees its connection closed");

            // The listener goes on accepting (and rejecting).
            using SupervisorSocket second = SupervisorSocket.Connect(SocketPath);
            SupervisorSocket? none = null;
            Assert.Throws<SupervisorPeerRejectedException>(() => SpinWait.SpinUntil(() => strict.TryAccept(out none), TimeSpan.FromSeconds(30)));
            Assert.That(none, Is.Null);
        }

        using SupervisorListener both = SupervisorListener.Bind(SocketPath, new SupervisorListenerOptions { AllowedUids = [us + 1000, us] });
        using SupervisorSocket allowedClient = SupervisorSocket.Connect(SocketPath);
        using SupervisorSocket accepted = await Within(both.AcceptAsync());
        Assert.That(accepted.PeerCredentials.Uid, Is.EqualTo(us));
        Assert.Throws<ArgumentException>(() => SupervisorListener.Bind(Path.Combine(_directory, "x.sock"), new SupervisorListenerOptions { AllowedUids = [] }));
    }

    [Test]
    public async Task AcceptAsyncIsCancellableAndTheListenerStaysUsable()
    {
        using SupervisorListener listener = SupervisorListener.Bind(SocketPath);
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            Assert.That(async () => await Within(listener.AcceptAsync(null, cancel.Token)), Throws.InstanceOf<OperationCanceledException>());
        }

        using SupervisorSocket client = SupervisorSocket.Connect(SocketPath);
        using SupervisorSocket connection = await Within(listener.AcceptAsync());
        Assert.That(connection.PeerPid, Is.EqualTo(Environment.ProcessId));
    }

    [Test]
    public async Task BothListenersAcceptAsyncAlikeWithATimeout()
    {
        using SupervisorListener checking = SupervisorListener.Bind(SocketPath);
        using UncheckedSupervisorListener unchecked_ = SupervisorSocket.Bind(Path.Combine(_directory, "unchecked.sock"));
        Assert.That(async () => await Within(checking.AcceptAsync(TimeSpan.FromMilliseconds(100))), Throws.InstanceOf<SupervisorTimeoutException>());
        Assert.That(async () => await Within(unchecked_.AcceptAsync(TimeSpan.FromMilliseconds(100))), Throws.InstanceOf<SupervisorTimeoutException>());

        // Both stay usable after a timeout.
        using SupervisorSocket toChecking = SupervisorSocket.Connect(checking.Path);
        using SupervisorSocket toUnchecked = SupervisorSocket.Connect(unchecked_.Path);
        using SupervisorSocket first = await Within(checking.AcceptAsync(TimeSpan.FromSeconds(20)));
        using SupervisorSocket second = await Within(unchecked_.AcceptAsync(TimeSpan.FromSeconds(20)));
        Assert.That((first.PeerPid, second.PeerPid), Is.EqualTo(((uint)Environment.ProcessId, (uint)Environment.ProcessId)));
    }

    [Test]
    public async Task DisposeUnlinksAndEndsAPendingAccept()
    {
        SupervisorListener listener = SupervisorListener.Bind(SocketPath);
        Task<SupervisorSocket> pending = listener.AcceptAsync();
        await Task.Delay(50);
        listener.Dispose();
        Assert.That(async () => await Within(pending), Throws.InstanceOf<ObjectDisposedException>());
        Assert.That(File.Exists(SocketPath), Is.False);
        Assert.Throws<ObjectDisposedException>(() => listener.TryAccept(out _));
        listener.Dispose();
    }

    [Test]
    public async Task ServiceServesAListenerConnectionWithRealPeerCredentials()
    {
        using var tree = new GrantTree();
        ApprovalRequest? seen = null;
        using var service = new SupervisorService(new SupervisorServiceOptions
        {
            ApprovalBackend = new CallbackApprovalBackend(request => { seen = request; return ApprovalDecision.Granted.Instance; }),
            Confinement = new PathPolicy([new PathRule(tree.Allowed, AccessMode.Read)]),
        });
        using SupervisorListener listener = SupervisorListener.Bind(SocketPath);
        using var client = new SupervisorClient(SupervisorSocket.Connect(SocketPath), "by-path");
        using SupervisorSocket connection = await Within(listener.AcceptAsync());
        Task serving = service.ServeAsync(connection);
        using (SafeFileHandle handle = await client.RequestAccessAsync(Path.Combine(tree.Allowed, "file.txt"), AccessMode.Read))
        {
            using var reader = new StreamReader(new FileStream(handle, FileAccess.Read));
            Assert.That(reader.ReadToEnd(), Is.EqualTo("allowed content\n"));
        }

        client.Dispose();
        await Within(serving);
        Assert.That(seen!.Peer, Is.EqualTo(new PeerCredentials((uint)Environment.ProcessId, EffectiveUid(), seen.Peer!.Value.Gid)));
    }
}
