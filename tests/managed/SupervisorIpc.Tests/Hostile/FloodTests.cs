using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using static SupervisorIpc.Tests.Hostile.HostileSupport;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>
/// A child that floods the supervisor and never reads its answers, or makes the supervisor remember big things:
/// the supervisor must stop reading (blocking, or failing on its send timeout) rather than buffer, and its memory
/// must not grow with what the child sends.
/// </summary>
[TestFixture]
[Platform(Include = "Linux")]
[NonParallelizable] // counts this process's descriptors and memory
[CancelAfter(60_000)]
public sealed class FloodTests
{
    private const int FloodRequests = 10_000;

    [Test]
    public void A_socket_whose_peer_never_reads_fails_on_its_send_timeout_instead_of_buffering()
    {
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        using (peer)
        {
            library.SendTimeout = TimeSpan.FromMilliseconds(300);
            byte[] payload = CountingService.RequestPayload("unread");
            long heapBefore = ManagedHeapBytes();
            int sent = 0;
            SupervisorTimeoutException? timeout = null;
            for (; sent < FloodRequests; sent++)
            {
                try
                {
                    library.SendFrame(payload);
                }
                catch (SupervisorTimeoutException error)
                {
                    timeout = error;
                    break;
                }
            }

            long heapGrowth = ManagedHeapBytes() - heapBefore;
            TestContext.Out.WriteLine($"unread flood: {sent} frames sent before the send timeout; managed heap growth {heapGrowth} bytes");
            Assert.That(timeout, Is.Not.Null, "the send timeout must fire once the peer's queue is full");
            Assert.That(sent, Is.LessThan(FloodRequests));
            Assert.That(heapGrowth, Is.LessThan(1 << 20));
            // Whether the cut frame left part of itself behind or not, the next send either works whole or is refused.
            try
            {
                library.SendFrame(payload);
            }
            catch (SupervisorSocketException error)
            {
                Assert.That(error.Error, Is.EqualTo(SupervisorIpcError.Timeout).Or.EqualTo(SupervisorIpcError.Desynchronized));
            }
        }
    }

    [Test]
    public async Task Ten_thousand_requests_without_reading_answers_make_the_service_stop_on_its_send_timeout()
    {
        var service = new CountingService(requestsPerSecond: 10, burst: 5);
        var (connection, peer) = RawPeer.CreatePair();
        using (peer)
        using (connection)
        {
            connection.SendTimeout = TimeSpan.FromMilliseconds(500);
            long heapBefore = ManagedHeapBytes();
            long residentBefore = AnonymousResidentBytes();
            Task serving = service.Service.ServeAsync(connection);
            int written = FloodWithoutReading(peer, serving, TimeSpan.FromSeconds(2));
            Exception? fault = await FaultOf(serving, 20, "serving a child that does not read");
            long heapGrowth = ManagedHeapBytes() - heapBefore;
            long residentGrowth = AnonymousResidentBytes() - residentBefore;
            TestContext.Out.WriteLine(
                $"service flood: {written} of {FloodRequests} requests written, {service.Answers} answered before the send timeout; " +
                $"managed heap growth {heapGrowth} bytes, anonymous RSS growth {residentGrowth} bytes");
            Assert.That(fault, Is.InstanceOf<SupervisorTimeoutException>(), fault?.ToString());
            Assert.That(written, Is.LessThan(FloodRequests), "the service must stop reading once it cannot answer");
            Assert.That(service.Answers, Is.LessThan(FloodRequests));
            Assert.That(heapGrowth, Is.LessThan(8 << 20));
            Assert.That(residentGrowth, Is.LessThan(64 << 20));
        }
    }

    [Test]
    public async Task Without_a_send_timeout_the_service_blocks_instead_of_buffering_and_cancellation_still_ends_it()
    {
        var service = new CountingService(requestsPerSecond: 10, burst: 5);
        var (connection, peer) = RawPeer.CreatePair();
        using var cancellation = new CancellationTokenSource();
        Task serving = Task.CompletedTask;
        try
        {
            connection.SendTimeout = null;
            long heapBefore = ManagedHeapBytes();
            serving = service.Service.ServeAsync(connection, cancellationToken: cancellation.Token);
            int written = FloodWithoutReading(peer, serving, TimeSpan.FromSeconds(1));
            long heapGrowth = ManagedHeapBytes() - heapBefore;
            TestContext.Out.WriteLine($"blocked service: {written} requests written, {service.Answers} answered; managed heap growth {heapGrowth} bytes");
            Assert.That(serving.IsCompleted, Is.False, "with nobody reading and no send timeout the service waits in its send");
            Assert.That(written, Is.LessThan(FloodRequests));
            Assert.That(heapGrowth, Is.LessThan(8 << 20));

            cancellation.Cancel();
            Exception? fault = await FaultOf(serving, 10, "cancelling a service blocked in a send to a child that does not read");
            Assert.That(fault, Is.InstanceOf<OperationCanceledException>(), fault?.ToString());
        }
        finally
        {
            // Disposing wakes a blocked send even when cancellation did not, so a failure here does not leak a blocked thread.
            connection.Dispose();
            peer.Dispose();
            await Task.WhenAny(serving, Task.Delay(TimeSpan.FromSeconds(10)));
        }
    }

    [Test]
    public async Task Request_ids_remembered_against_replay_cost_memory_bounded_independently_of_their_length()
    {
        // Every request gets a fresh 60,000-character id; the service answers all of them (most with the rate
        // limit's denial) and the child reads every answer, so nothing is stuck in a socket.
        const int Requests = 1_000;
        var service = new CountingService(requestsPerSecond: 10, burst: 5);
        var (connection, peer) = RawPeer.CreatePair();
        using (peer)
        using (connection)
        {
            Task serving = service.Service.ServeAsync(connection);
            string filler = new('x', 60_000);
            // One warm-up exchange so that one-time costs (buffers, JIT) are not counted.
            peer.Write(Frame(CountingService.RequestPayload("warm-up")));
            peer.ReadFrame(GuardTimeout);
            long heapBefore = ManagedHeapBytes();
            Task reader = Task.Run(() =>
            {
                for (int i = 0; i < Requests; i++)
                {
                    peer.ReadFrame(GuardTimeout);
                }
            });
            for (int i = 0; i < Requests; i++)
            {
                peer.Write(Frame(CountingService.RequestPayload($"{i:D6}{filler}")));
            }

            await Within(reader, 30, "reading every answer");
            long heapGrowth = ManagedHeapBytes() - heapBefore;
            TestContext.Out.WriteLine($"long ids: {Requests} requests with {filler.Length}-character ids; managed heap growth {heapGrowth} bytes while the service lives");
            Assert.That(heapGrowth, Is.LessThan(32 << 20),
                "the replay memory keeps every recent request id whole: a child can make the supervisor hold ReplayMemory x 64 KiB ids (~0.5 GiB with the defaults)");
            GC.KeepAlive(service);
            peer.ShutdownWrite();
            await Within(serving, 20, "serving until the orderly close");
        }
    }

    /// <summary>
    /// Writes up to 10,000 Request frames without ever reading, never blocking: stops when all are written, or
    /// when nothing more could be written for <paramref name="stall"/> (the service stopped reading). Returns the
    /// number of whole frames written.
    /// </summary>
    private static int FloodWithoutReading(RawPeer peer, Task serving, TimeSpan stall)
    {
        var sinceProgress = Stopwatch.StartNew();
        for (int i = 0; i < FloodRequests; i++)
        {
            byte[] frame = Frame(CountingService.RequestPayload($"flood-{i}"));
            int offset = 0;
            while (offset < frame.Length)
            {
                int n = peer.WriteWithoutBlocking(frame.AsSpan(offset));
                if (n > 0)
                {
                    offset += n;
                    sinceProgress.Restart();
                    continue;
                }

                if (sinceProgress.Elapsed > stall || (serving.IsCompleted && sinceProgress.Elapsed > TimeSpan.FromMilliseconds(200)))
                {
                    return i;
                }

                Thread.Sleep(2);
            }
        }

        return FloodRequests;
    }
}
