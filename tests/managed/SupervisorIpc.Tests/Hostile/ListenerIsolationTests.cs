using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using static SupervisorIpc.Tests.Hostile.HostileSupport;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>
/// One supervisor, one listener, several clients at once: hostile ones (silent, stopped mid-frame, garbage,
/// descriptor attack, flooding without reading) must not keep a well-behaved client from being served.
/// </summary>
[TestFixture]
[Platform(Include = "Linux")]
[NonParallelizable] // counts this process's descriptors and memory
[CancelAfter(60_000)]
public sealed class ListenerIsolationTests
{
    private const string DenialReason = "hostile test";

    [Test]
    public async Task A_well_behaved_client_is_served_while_five_hostile_clients_misbehave()
    {
        string directory = CreateShortTempDirectory();
        int baseline = OpenDescriptorCount();
        var service = new CountingService(reason: DenialReason);
        var accepted = new List<SupervisorSocket>();
        var serving = new List<Task>();
        var hostile = new List<Socket>();
        using var stop = new CancellationTokenSource();
        try
        {
            using (SupervisorListener listener = SupervisorListener.Bind(
                Path.Combine(directory, "l.sock"),
                new SupervisorListenerOptions { ConnectionReadTimeout = TimeSpan.FromSeconds(3) }))
            {
                Task acceptLoop = Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        SupervisorSocket connection = await listener.AcceptAsync(null, stop.Token);
                        lock (serving)
                        {
                            accepted.Add(connection);
                            serving.Add(service.Service.ServeAsync(connection));
                        }
                    }
                });

                Socket Connect()
                {
                    var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                    socket.Connect(new UnixDomainSocketEndPoint(listener.Path));
                    hostile.Add(socket);
                    return socket;
                }

                byte[] frame = Frame(CountingService.RequestPayload("hostile"));
                Connect();                                            // silent
                Connect().Send(frame.AsSpan(0, 7));                   // stops mid-frame
                Connect().Send(Frame("{\"Request\":[[[[garbage"));    // garbage
                using (DisposableHandles fds = OpenNullDescriptors(3).AsDisposable())
                {
                    Socket attacker = Connect();
                    HostileNative.SendWithDescriptors((int)attacker.Handle, frame, Numbers(fds.Items));
                }

                Socket flooder = Connect();
                flooder.Blocking = false;
                int flooded = Flood(flooder, TimeSpan.FromSeconds(1));
                Assert.That(WaitUntil(() => { lock (serving) { return serving.Count == 5; } }, TimeSpan.FromSeconds(20)), Is.True, "five hostile connections accepted");

                using (SupervisorSocket good = SupervisorSocket.Connect(listener.Path))
                using (var client = new SupervisorClient(good, "s", ownsSocket: false))
                {
                    good.ReadTimeout = TimeSpan.FromSeconds(10);
                    var clock = Stopwatch.StartNew();
                    for (int i = 0; i < 5; i++)
                    {
                        AccessDeniedException? denied = Assert.ThrowsAsync<AccessDeniedException>(() => client.RequestAccessAsync(HostileFiles.Good, AccessMode.Read));
                        Assert.That(denied!.Reason, Is.EqualTo(DenialReason));
                    }

                    TestContext.Out.WriteLine($"good client: 5 answers in {clock.ElapsedMilliseconds} ms beside 5 hostile clients (the flooder wrote {flooded} requests)");
                }

                Task[] hostileServing;
                lock (serving)
                {
                    hostileServing = serving.Take(4).ToArray();
                }

                // Silent and stopped clients time out on the listener's read timeout; garbage and attacks end at once.
                Exception?[] faults = await Task.WhenAll(hostileServing.Select((t, i) => FaultOf(t, 20, $"serving hostile client {i}")));
                Assert.That(faults[0], Is.InstanceOf<SupervisorTimeoutException>(), $"silent: {faults[0]}");
                Assert.That(faults[1], Is.InstanceOf<SupervisorTimeoutException>(), $"stopped mid-frame: {faults[1]}");
                Assert.That(faults[2], Is.InstanceOf<SupervisorMessageFormatException>(), $"garbage: {faults[2]}");
                Assert.That(faults[3], Is.InstanceOf<SupervisorSocketException>().With.Property(nameof(SupervisorSocketException.Error)).EqualTo(SupervisorIpcError.ProtocolViolation), $"descriptor attack: {faults[3]}");

                stop.Cancel();
                Exception? acceptEnd = await FaultOf(acceptLoop, 20, "the accept loop");
                Assert.That(acceptEnd, Is.InstanceOf<OperationCanceledException>());
            }
        }
        finally
        {
            stop.Cancel();
            foreach (Socket socket in hostile)
            {
                socket.Dispose();
            }

            lock (serving)
            {
                foreach (SupervisorSocket connection in accepted)
                {
                    connection.Dispose();
                }
            }

            // Disposal wakes whatever is still blocked (the flooder's serving task waits in a send).
            Task[] all;
            lock (serving)
            {
                all = serving.ToArray();
            }

            await Task.WhenAny(Task.WhenAll(all), Task.Delay(TimeSpan.FromSeconds(20)));
            Assert.That(all.All(t => t.IsCompleted), Is.True, "every serving task ends once its connection is disposed");
            Directory.Delete(directory, recursive: true);
        }

        Assert.That(OpenDescriptorCount(), Is.EqualTo(baseline), "descriptors of every connection closed");
    }

    [Test]
    public async Task A_child_flooding_at_full_speed_while_reading_its_answers_does_not_keep_another_child_from_being_answered()
    {
        // Default limits (10/s, burst 5), shared by both connections of the one service.
        var service = new CountingService(requestsPerSecond: 10, burst: 5, reason: DenialReason);
        var (floodConnection, flooder) = RawPeer.CreatePair();
        var (goodSupervisorEnd, goodChildEnd) = SupervisorSocket.CreatePair();
        using var stop = new CancellationTokenSource();
        using (flooder)
        using (floodConnection)
        using (goodSupervisorEnd)
        using (goodChildEnd)
        using (var client = new SupervisorClient(goodChildEnd, "s", ownsSocket: false))
        {
            goodChildEnd.ReadTimeout = TimeSpan.FromSeconds(10);
            Task floodServing = service.Service.ServeAsync(floodConnection);
            Task goodServing = service.Service.ServeAsync(goodSupervisorEnd);
            int flooded = 0;
            Task flood = Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    flooder.Write(Frame(CountingService.RequestPayload($"flood-{flooded}")));
                    flooder.ReadFrame(GuardTimeout);
                    flooded++;
                }
            });

            await Task.Delay(200);
            var reasons = new List<string>();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < 3; i++)
            {
                AccessDeniedException? denied = Assert.ThrowsAsync<AccessDeniedException>(() => client.RequestAccessAsync(HostileFiles.Good, AccessMode.Read));
                reasons.Add(denied!.Reason);
            }

            TimeSpan elapsed = clock.Elapsed;
            stop.Cancel();
            await Within(flood, 20, "the flooder");
            TestContext.Out.WriteLine($"shared limits: the flooder got {flooded} answers; the good child got 3 answers in {elapsed.TotalMilliseconds:F0} ms: {string.Join(" | ", reasons)}");
            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "the good child is answered promptly");
            flooder.ShutdownWrite();
            goodChildEnd.Shutdown();
            await Within(Task.WhenAll(floodServing, goodServing), 20, "both serving tasks");
        }
    }

    /// <summary>Writes Request frames on a non-blocking socket until nothing more goes for <paramref name="stall"/>; returns the whole frames written.</summary>
    private static int Flood(Socket socket, TimeSpan stall)
    {
        var sinceProgress = Stopwatch.StartNew();
        for (int i = 0; i < 10_000; i++)
        {
            byte[] frame = Frame(CountingService.RequestPayload($"flood-{i}"));
            int offset = 0;
            while (offset < frame.Length)
            {
                int n = socket.Send(frame, offset, frame.Length - offset, SocketFlags.None, out SocketError error);
                if (n > 0)
                {
                    offset += n;
                    sinceProgress.Restart();
                    continue;
                }

                if (error != SocketError.WouldBlock)
                {
                    throw new InvalidOperationException($"flood send failed: {error}");
                }

                if (sinceProgress.Elapsed > stall)
                {
                    return i;
                }

                Thread.Sleep(2);
            }
        }

        return 10_000;
    }
}

/// <summary>Disposes a set of handles together.</summary>
internal sealed class DisposableHandles(SafeFileHandle[] items) : IDisposable
{
    public SafeFileHandle[] Items { get; } = items;

    public void Dispose() => HostileSupport.CloseAll(Items);
}

internal static class DisposableHandlesExtensions
{
    public static DisposableHandles AsDisposable(this SafeFileHandle[] handles) => new(handles);
}
