using System;
using System.Buffers.Binary;
using System.Diagnostics;
using System.Threading;
using NUnit.Framework;
using static SupervisorIpc.Tests.Hostile.HostileSupport;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>
/// Thread-safety under load: on one pair, a sender and a receiver on each end plus four more concurrent senders
/// on one end. Every frame must arrive whole (length and content) and, per sender, in order.
/// <c>SVIPC_HOSTILE_STRESS_FRAMES</c> sets the total (default 1,000,000).
/// </summary>
[TestFixture]
[Platform(Include = "Linux")]
[NonParallelizable] // counts this process's descriptors and memory
[CancelAfter(180_000)]
public sealed class StressTests
{
    private const int ExtraSenders = 4;
    private const int HeaderBytes = 8;
    private const int MaxFiller = 120;

    [Test]
    public void Frames_from_concurrent_senders_arrive_whole_and_in_per_sender_order_in_both_directions()
    {
        long total = EnvironmentLong("SVIPC_HOSTILE_STRESS_FRAMES", 1_000_000);
        int senderCount = 1 + ExtraSenders + 1; // A's own sender, four more on A, B's sender
        int perSender = (int)Math.Max(1, (total + senderCount - 1) / senderCount);
        var (a, b) = SupervisorSocket.CreatePair();
        using (a)
        using (b)
        {
            a.ReadTimeout = b.ReadTimeout = TimeSpan.FromSeconds(30);
            a.SendTimeout = b.SendTimeout = TimeSpan.FromSeconds(30);
            var failure = new FirstFailure();
            var threads = new System.Collections.Generic.List<Thread>();

            // Senders 0..4 on A towards B; sender 5 on B towards A.
            for (int id = 0; id <= ExtraSenders; id++)
            {
                int sender = id;
                threads.Add(Start(() => Send(a, sender, perSender, failure)));
            }

            threads.Add(Start(() => Send(b, ExtraSenders + 1, perSender, failure)));
            var receivedByB = new int[ExtraSenders + 1];
            var receivedByA = new int[1];
            threads.Add(Start(() => Receive(b, receivedByB, firstSender: 0, perSender, failure)));
            threads.Add(Start(() => Receive(a, receivedByA, firstSender: ExtraSenders + 1, perSender, failure)));

            var clock = Stopwatch.StartNew();
            foreach (Thread thread in threads)
            {
                if (!thread.Join(TimeSpan.FromSeconds(150)))
                {
                    // Wake everything so that the run ends; the assertion below reports the hang.
                    a.Dispose();
                    b.Dispose();
                    Assert.Fail($"a stress thread did not finish within 150 s ({failure.Message ?? "no failure recorded"})");
                }
            }

            clock.Stop();
            long frames = (long)perSender * senderCount;
            TestContext.Out.WriteLine(
                $"stress: {frames} frames ({senderCount} senders x {perSender}; 5 concurrent senders on one end, full duplex) " +
                $"in {clock.Elapsed.TotalSeconds:F1} s");
            Assert.That(failure.Message, Is.Null);
            Assert.That(receivedByB, Is.All.EqualTo(perSender));
            Assert.That(receivedByA[0], Is.EqualTo(perSender));
        }
    }

    private static Thread Start(ThreadStart body)
    {
        var thread = new Thread(body) { IsBackground = true };
        thread.Start();
        return thread;
    }

    private static void Send(SupervisorSocket socket, int sender, int count, FirstFailure failure)
    {
        Span<byte> frame = stackalloc byte[HeaderBytes + MaxFiller];
        try
        {
            for (int sequence = 0; sequence < count && failure.Message is null; sequence++)
            {
                socket.SendFrame(Fill(frame, sender, sequence));
            }
        }
        catch (Exception error)
        {
            failure.Record($"sender {sender}: {error.GetType().Name}: {error.Message}");
        }
    }

    private static void Receive(SupervisorSocket socket, int[] nextSequence, int firstSender, int perSender, FirstFailure failure)
    {
        byte[] buffer = new byte[SupervisorSocket.MaxPayloadLength];
        Span<byte> expected = stackalloc byte[HeaderBytes + MaxFiller];
        long remaining = (long)perSender * nextSequence.Length;
        try
        {
            for (; remaining > 0 && failure.Message is null; remaining--)
            {
                int length = socket.ReceiveFrame(buffer);
                if (length < HeaderBytes)
                {
                    failure.Record($"a {length}-byte frame");
                    return;
                }

                int sender = BinaryPrimitives.ReadInt32BigEndian(buffer) - firstSender;
                if ((uint)sender >= (uint)nextSequence.Length)
                {
                    failure.Record($"a frame from unknown sender {sender + firstSender}");
                    return;
                }

                int sequence = nextSequence[sender];
                ReadOnlySpan<byte> want = Fill(expected, sender + firstSender, sequence);
                if (!want.SequenceEqual(buffer.AsSpan(0, length)))
                {
                    int got = BinaryPrimitives.ReadInt32BigEndian(buffer.AsSpan(4));
                    failure.Record($"sender {sender + firstSender}: expected frame {sequence} ({want.Length} bytes), got frame {got} ({length} bytes)");
                    return;
                }

                nextSequence[sender] = sequence + 1;
            }
        }
        catch (Exception error)
        {
            failure.Record($"receiver: {error.GetType().Name}: {error.Message}");
        }
    }

    /// <summary>Sender id, sequence number, then a filler whose length and bytes both depend on the two.</summary>
    private static Span<byte> Fill(Span<byte> frame, int sender, int sequence)
    {
        int filler = (int)((uint)(sequence * 7 + sender * 13) % MaxFiller);
        BinaryPrimitives.WriteInt32BigEndian(frame, sender);
        BinaryPrimitives.WriteInt32BigEndian(frame[4..], sequence);
        for (int i = 0; i < filler; i++)
        {
            frame[HeaderBytes + i] = (byte)(sender * 31 + sequence + i);
        }

        return frame[..(HeaderBytes + filler)];
    }

    private sealed class FirstFailure
    {
        private string? _message;

        public string? Message => Volatile.Read(ref _message);

        public void Record(string message) => Interlocked.CompareExchange(ref _message, message, null);
    }
}
