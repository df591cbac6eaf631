using System;
using System.Diagnostics;
using System.Runtime.Versioning;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using static SupervisorIpc.Tests.Hostile.HostileSupport;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>
/// EINTR through the C# API: a signal with a runtime-installed handler, sent every 2 ms to the blocked thread (or
/// to every thread), must neither surface as an error nor break a frame, and must not stretch a timeout.
/// </summary>
[TestFixture]
[Platform(Include = "Linux")]
[NonParallelizable] // signals the whole process
[CancelAfter(60_000)]
[SupportedOSPlatform("linux")]
public sealed class SignalTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(2);

    [Test]
    public void A_blocked_receive_under_a_signal_storm_gets_frames_dribbled_byte_by_byte_whole()
    {
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        using (peer)
        {
            int receiverThread = 0;
            byte[][] payloads = [RequestPayload, Messages.WireVectors.Named("open_url").Payload];
            var received = new SupervisorMessage[payloads.Length];
            Exception? failure = null;
            var receiver = new Thread(() =>
            {
                Volatile.Write(ref receiverThread, SignalStorm.CurrentThreadId());
                try
                {
                    for (int i = 0; i < payloads.Length; i++)
                    {
                        received[i] = library.ReceiveMessage();
                    }
                }
                catch (Exception error)
                {
                    failure = error;
                }
            });
            using (SignalStorm storm = SignalStorm.AtThread(() => Volatile.Read(ref receiverThread), Interval))
            {
                receiver.Start();
                Thread.Sleep(100);
                foreach (byte[] payload in payloads)
                {
                    peer.WriteOneByteAtATime(Frame(payload), TimeSpan.FromMilliseconds(1));
                }

                Assert.That(receiver.Join(GuardTimeout), Is.True);
                TestContext.Out.WriteLine($"signals: {storm.Sent} sent to the receiving thread, {storm.Handled} handled");
                Assert.That(storm.Sent, Is.GreaterThan(20), "the storm reached the blocked thread");
            }

            Assert.That(failure, Is.Null, failure?.ToString());
            for (int i = 0; i < payloads.Length; i++)
            {
                Assert.That(received[i], Is.EqualTo(SupervisorWireCodec.DecodeMessage(payloads[i])));
            }
        }
    }

    [Test]
    public void A_read_timeout_still_fires_under_a_signal_storm_and_is_not_stretched()
    {
        TimeSpan timeout = TimeSpan.FromMilliseconds(300);
        var (library, peer) = RawPeer.CreatePair(timeout);
        using (library)
        using (peer)
        {
            int receiverThread = 0;
            Exception? outcome = null;
            TimeSpan elapsed = TimeSpan.Zero;
            var receiver = new Thread(() =>
            {
                Volatile.Write(ref receiverThread, SignalStorm.CurrentThreadId());
                Thread.Sleep(50);
                var clock = Stopwatch.StartNew();
                try
                {
                    library.ReceiveMessage();
                }
                catch (Exception error)
                {
                    outcome = error;
                }

                elapsed = clock.Elapsed;
            });
            using (SignalStorm storm = SignalStorm.AtThread(() => Volatile.Read(ref receiverThread), Interval))
            {
                receiver.Start();
                Assert.That(receiver.Join(GuardTimeout), Is.True);
            }

            Assert.That(outcome, Is.InstanceOf<SupervisorTimeoutException>(), outcome?.ToString());
            // Generous: a restart of the full timeout after every signal would take minutes.
            Assert.That(elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "the timeout bounds the call, not each interrupted wait");
        }
    }

    [Test]
    public void A_send_blocked_on_a_slow_reader_under_a_signal_storm_delivers_every_frame_whole()
    {
        var (library, peer) = RawPeer.CreatePair();
        using (library)
        using (peer)
        {
            const int Frames = 400;
            byte[] payload = new byte[SupervisorSocket.MaxPayloadLength];
            new Random(3).NextBytes(payload);
            int senderThread = 0;
            Exception? failure = null;
            var sender = new Thread(() =>
            {
                Volatile.Write(ref senderThread, SignalStorm.CurrentThreadId());
                try
                {
                    for (int i = 0; i < Frames; i++)
                    {
                        payload[0] = (byte)i;
                        library.SendFrame(payload);
                    }
                }
                catch (Exception error)
                {
                    failure = error;
                }
            });
            using (SignalStorm storm = SignalStorm.AtThread(() => Volatile.Read(ref senderThread), Interval))
            {
                sender.Start();
                for (int i = 0; i < Frames; i++)
                {
                    byte[] frame = peer.ReadFrame(GuardTimeout);
                    Assert.That(frame.Length, Is.EqualTo(payload.Length), $"frame {i}");
                    Assert.That(frame[0], Is.EqualTo((byte)i), $"frame {i} out of order");
                    Assert.That(frame.AsSpan(1).SequenceEqual(payload.AsSpan(1)), Is.True, $"frame {i} corrupted");
                }

                Assert.That(sender.Join(GuardTimeout), Is.True);
                TestContext.Out.WriteLine($"signals: {storm.Sent} sent to the sending thread");
            }

            Assert.That(failure, Is.Null, failure?.ToString());
        }
    }

    [Test]
    public async Task The_service_answers_every_request_while_every_thread_of_the_process_is_signalled()
    {
        var service = new CountingService();
        var (connection, peer) = RawPeer.CreatePair();
        using (peer)
        using (connection)
        {
            Task serving = service.Service.ServeAsync(connection);
            using (SignalStorm storm = SignalStorm.AtEveryThread(Interval))
            {
                for (int i = 0; i < 300; i++)
                {
                    byte[] frame = Frame(CountingService.RequestPayload($"storm-{i}"));
                    peer.Write(frame.AsSpan(0, 5));
                    Thread.Sleep(i % 50 == 0 ? 3 : 0);
                    peer.Write(frame.AsSpan(5));
                    Assert.That(CountingService.DecodeRequestIdOfAnswer(peer.ReadFrame(GuardTimeout)), Is.EqualTo($"storm-{i}"));
                }

                TestContext.Out.WriteLine($"signals: {storm.Sent} sent across all threads, {storm.Handled} handled");
            }

            peer.ShutdownWrite();
            await Within(serving, 20, "serving until the orderly close");
        }
    }
}
