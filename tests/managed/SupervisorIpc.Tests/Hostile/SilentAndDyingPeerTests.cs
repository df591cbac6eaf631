using System;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Threading.Tasks;
using NUnit.Framework;
using static SupervisorIpc.Tests.Hostile.HostileSupport;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>
/// A peer that connects and says nothing, stops in the middle of a frame, or dies there (a real child process
/// killed with SIGKILL): read timeouts fire with the timeout type, a killed writer is a truncation, and the
/// service and listener never wait forever.
/// </summary>
[TestFixture]
[Platform(Include = "Linux")]
[NonParallelizable] // counts this process's descriptors and memory
[CancelAfter(60_000)]
public sealed class SilentAndDyingPeerTests
{
    private static readonly TimeSpan ShortTimeout = TimeSpan.FromMilliseconds(200);

    [Test]
    public void A_silent_peer_times_every_receive_out_and_the_connection_stays_usable()
    {
        var (library, peer) = RawPeer.CreatePair(ShortTimeout);
        using (library)
        using (peer)
        {
            foreach (ReceiveKind kind in AllReceiveKinds)
            {
                Assert.Throws<SupervisorTimeoutException>(() => Receive(library, kind), kind.ToString());
            }

            Assert.Throws<SupervisorTimeoutException>(() => library.ReceiveFileDescriptor());
            peer.Write(Frame(RequestPayload));
            Assert.That(library.ReceiveMessage(), Is.InstanceOf<SupervisorMessage.Request>());
        }
    }

    [Test]
    public void A_peer_that_stops_inside_a_frame_times_out_and_the_frame_resumes_when_the_rest_comes()
    {
        byte[] frame = Frame(RequestPayload);
        foreach (int cut in new[] { 1, 3, 4, 5, frame.Length - 1 })
        {
            var (library, peer) = RawPeer.CreatePair(ShortTimeout);
            using (library)
            using (peer)
            {
                peer.Write(frame.AsSpan(0, cut));
                Assert.Throws<SupervisorTimeoutException>(() => library.ReceiveMessage(), $"cut at {cut}");
                Assert.Throws<SupervisorTimeoutException>(() => library.ReceiveMessage(), $"cut at {cut}, again");
                peer.Write(frame.AsSpan(cut));
                Assert.That(library.ReceiveMessage(), Is.EqualTo(SupervisorWireCodec.DecodeMessage(RequestPayload)), $"cut at {cut}");
            }
        }
    }

    [TestCase(0)]
    [TestCase(7)]
    public async Task The_service_ends_with_a_timeout_when_the_child_is_silent_or_stops_mid_frame(int bytesBeforeSilence)
    {
        var service = new CountingService();
        var (connection, peer) = RawPeer.CreatePair(ShortTimeout);
        using (peer)
        using (connection)
        {
            peer.Write(Frame(RequestPayload).AsSpan(0, bytesBeforeSilence));
            var clock = Stopwatch.StartNew();
            Exception? fault = await FaultOf(service.Service.ServeAsync(connection), 20, "serving a silent child");
            Assert.That(fault, Is.InstanceOf<SupervisorTimeoutException>(), fault?.ToString());
            Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(ShortTimeout - TimeSpan.FromMilliseconds(20)));
        }
    }

    [Test]
    public async Task The_listener_gives_a_silent_client_a_read_timeout_and_serving_it_ends()
    {
        string directory = CreateShortTempDirectory();
        try
        {
            using SupervisorListener listener = SupervisorListener.Bind(
                Path.Combine(directory, "l.sock"),
                new SupervisorListenerOptions { ConnectionReadTimeout = TimeSpan.FromMilliseconds(300) });
            using var client = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            client.Connect(new UnixDomainSocketEndPoint(listener.Path));
            using SupervisorSocket connection = await listener.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.That(connection.ReadTimeout, Is.Not.Null.And.LessThanOrEqualTo(TimeSpan.FromSeconds(1)));
            var service = new CountingService();
            Exception? fault = await FaultOf(service.Service.ServeAsync(connection), 20, "serving a silent listener client");
            Assert.That(fault, Is.InstanceOf<SupervisorTimeoutException>(), fault?.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void A_child_process_killed_in_the_middle_of_a_frame_is_a_truncation_for_the_socket()
    {
        using SupervisedChild child = StartChildThatStopsMidFrame();
        child.Socket.ReadTimeout = TimeSpan.FromSeconds(20);
        Assert.That(WaitUntil(() => RawPeer.PeekUnread(child.Socket.FileDescriptor) >= 9, TimeSpan.FromSeconds(20)), Is.True, "the child wrote its partial frame");
        child.Kill();
        Assert.That(child.WaitForExit(TimeSpan.FromSeconds(20)).Signal, Is.EqualTo(9));
        var closed = Assert.Throws<SupervisorConnectionClosedException>(() => child.Socket.ReceiveMessage());
        Assert.That(closed!.IsOrderly, Is.False);
    }

    [Test]
    public async Task A_child_process_killed_in_the_middle_of_a_frame_ends_serving_with_a_truncation()
    {
        var service = new CountingService();
        using SupervisedChild child = StartChildThatStopsMidFrame();
        child.Socket.ReadTimeout = TimeSpan.FromSeconds(20);
        Task serving = service.Service.ServeAsync(child);
        Assert.That(WaitUntil(() => !IsProcessAlive((int)child.ProcessId) || ChildHasWritten(child), TimeSpan.FromSeconds(20)), Is.True);
        await Task.Delay(100);
        Assert.That(serving.IsCompleted, Is.False, "the service waits for the rest of the frame");
        child.Kill();
        Exception? fault = await FaultOf(serving, 20, "serving a killed child");
        Assert.That(fault, Is.InstanceOf<SupervisorConnectionClosedException>().With.Property(nameof(SupervisorConnectionClosedException.IsOrderly)).False, fault?.ToString());
        Assert.That(service.BackendCalls, Is.Zero);
        child.WaitForExit(TimeSpan.FromSeconds(20));
    }

    /// <summary>
    /// A real child: /bin/sh writes the first 9 bytes of a 128-byte frame to the inherited socket (fd 3) and then
    /// becomes <c>sleep</c>, keeping the socket open until it is killed.
    /// </summary>
    private static SupervisedChild StartChildThatStopsMidFrame() =>
        SupervisedChild.Start("/bin/sh", "-c", "printf '\\000\\000\\000\\200{\"Req' >&3 && exec sleep 60");

    private static bool ChildHasWritten(SupervisedChild child) =>
        File.Exists($"/proc/{child.ProcessId}/cmdline") && File.ReadAllText($"/proc/{child.ProcessId}/cmdline").StartsWith("sleep", StringComparison.Ordinal);

    private static bool IsProcessAlive(int pid) => Directory.Exists($"/proc/{pid}");
}
