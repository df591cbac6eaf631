using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using static SupervisorIpc.Tests.Transport.SocketTestSupport;

namespace SupervisorIpc.Tests.Transport;

/// <summary>
/// Asynchronous calls that wait on the readiness loop: cancellation and timeouts end the wait and never the
/// connection, partial frames survive a cancelled receive, synchronous calls keep working on a socket that has gone
/// non-blocking, full duplex, and many idle connections without a thread each.
/// </summary>
[TestFixture]
[NonParallelizable] // counts this process's threads
public sealed class AsyncReadinessTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Test]
    public async Task A_receive_cancelled_mid_frame_keeps_what_arrived_and_the_next_receive_gets_the_same_frame()
    {
        string directory = CreateShortTempDirectory();
        var (wrapped, raw, listener) = RawPeer(directory);
        using (listener)
        using (raw)
        using (wrapped)
        {
            byte[] frame = Frame(Utf8("{\"whole\":\"frame that arrives in two parts\"}"));
            raw.Send(frame.AsSpan(0, 9));
            using (var cancellation = new CancellationTokenSource())
            {
                Task<int> receiving = wrapped.ReceiveFrameAsync(new System.Buffers.ArrayBufferWriter<byte>(), cancellation.Token).AsTask();
                await Task.Delay(100);
                Assert.That(receiving.IsCompleted, Is.False, "half a frame is not a frame");
                cancellation.Cancel();
                Assert.That(async () => await receiving.WaitAsync(Patience), Throws.InstanceOf<OperationCanceledException>());
            }

            raw.Send(frame.AsSpan(9));
            var received = new System.Buffers.ArrayBufferWriter<byte>();
            int length = await wrapped.ReceiveFrameAsync(received).AsTask().WaitAsync(Patience);
            Assert.That(System.Text.Encoding.UTF8.GetString(received.WrittenSpan), Is.EqualTo("{\"whole\":\"frame that arrives in two parts\"}"));
            Assert.That(length, Is.EqualTo(frame.Length - 4));
        }

        Directory.Delete(directory, recursive: true);
    }

    [Test]
    public async Task A_frame_and_a_descriptor_arriving_one_byte_at_a_time_are_received_asynchronously()
    {
        string directory = CreateShortTempDirectory();
        var (wrapped, raw, listener) = RawPeer(directory);
        using (listener)
        using (raw)
        using (wrapped)
        {
            byte[] frame = Frame(Utf8("{\"slow\":true}"));
            Task<int> receiving = wrapped.ReceiveFrameAsync(new System.Buffers.ArrayBufferWriter<byte>()).AsTask();
            foreach (byte b in frame)
            {
                raw.Send(new[] { b });
                await Task.Delay(2);
            }

            Assert.That(await receiving.WaitAsync(Patience), Is.EqualTo(frame.Length - 4));

            var (other, otherPeer) = SupervisorSocket.CreatePair();
            using (other)
            using (otherPeer)
            {
                Task<Microsoft.Win32.SafeHandles.SafeFileHandle> descriptor = wrapped.ReceiveFileDescriptorAsync().AsTask();
                await Task.Delay(50);
                Assert.That(descriptor.IsCompleted, Is.False);
                using var file = File.OpenHandle("/dev/null");
                using var peerSide = SupervisorSocket.FromSocket(raw);
                await peerSide.SendFileDescriptorAsync(file).AsTask().WaitAsync(Patience);
                using Microsoft.Win32.SafeHandles.SafeFileHandle got = await descriptor.WaitAsync(Patience);
                Assert.That(got.IsInvalid, Is.False);
            }
        }

        Directory.Delete(directory, recursive: true);
    }

    [Test]
    public async Task Read_and_send_timeouts_hold_for_asynchronous_calls_and_leave_the_connection_usable()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            supervisor.ReadTimeout = TimeSpan.FromMilliseconds(100);
            Assert.That(async () => await supervisor.ReceiveMessageAsync().AsTask().WaitAsync(Patience), Throws.InstanceOf<SupervisorTimeoutException>());
            child.SendMessage(new SupervisorMessage.OpenUrl(new UrlOpenRequest("u-1", "https://example.org", 1, "s")));
            Assert.That(await supervisor.ReceiveMessageAsync().AsTask().WaitAsync(Patience), Is.InstanceOf<SupervisorMessage.OpenUrl>());

            supervisor.SendTimeout = TimeSpan.FromMilliseconds(100);
            byte[] payload = new byte[SupervisorSocket.MaxPayloadLength];
            Assert.That(
                async () =>
                {
                    while (true)
                    {
                        await supervisor.SendFrameAsync(payload).AsTask().WaitAsync(Patience);
                    }
                },
                Throws.InstanceOf<SupervisorTimeoutException>());
        }
    }

    [Test]
    public async Task Synchronous_calls_keep_their_blocking_behaviour_and_timeouts_on_a_socket_used_asynchronously()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            // The first asynchronous call switches the socket to non-blocking mode for good.
            Task<int> first = supervisor.ReceiveFrameAsync(new System.Buffers.ArrayBufferWriter<byte>()).AsTask();
            child.SendFrame(Utf8("a"));
            await first.WaitAsync(Patience);

            Task<string> blocking = Task.Run(() => ReceiveText(supervisor));
            await Task.Delay(100);
            Assert.That(blocking.IsCompleted, Is.False, "a synchronous receive still waits for data");
            child.SendFrame(Utf8("b"));
            Assert.That(await blocking.WaitAsync(Patience), Is.EqualTo("b"));

            supervisor.ReadTimeout = TimeSpan.FromMilliseconds(100);
            Assert.Throws<SupervisorTimeoutException>(() => supervisor.ReceiveFrame(new byte[16]));
            supervisor.ReadTimeout = null;

            // A synchronous sender against a slow reader writes every frame whole.
            byte[] payload = new byte[SupervisorSocket.MaxPayloadLength];
            Task<int> reading = Task.Run(() =>
            {
                byte[] buffer = new byte[SupervisorSocket.MaxPayloadLength];
                int frames = 0;
                while (child.ReceiveFrame(buffer) == SupervisorSocket.MaxPayloadLength)
                {
                    frames++;
                    Thread.Sleep(1);
                }

                return frames;
            });
            for (int i = 0; i < 40; i++)
            {
                supervisor.SendFrame(payload);
            }

            Task asyncSend = supervisor.SendFrameAsync(payload).AsTask();
            await asyncSend.WaitAsync(Patience);
            supervisor.SendFrame(Utf8("end"));
            Assert.That(await reading.WaitAsync(Patience), Is.EqualTo(41));
        }
    }

    [Test]
    public async Task One_async_receiver_and_one_async_sender_share_a_socket()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            const int Frames = 2000;
            Task echo = Task.Run(async () =>
            {
                var buffer = new System.Buffers.ArrayBufferWriter<byte>();
                for (int i = 0; i < Frames; i++)
                {
                    buffer.ResetWrittenCount();
                    await child.ReceiveFrameAsync(buffer);
                    await child.SendFrameAsync(buffer.WrittenMemory.ToArray());
                }
            });
            Task sending = Task.Run(async () =>
            {
                for (int i = 0; i < Frames; i++)
                {
                    await supervisor.SendFrameAsync(new byte[(i * 37) % 9000 + 1]);
                }
            });
            var received = new System.Buffers.ArrayBufferWriter<byte>();
            for (int i = 0; i < Frames; i++)
            {
                received.ResetWrittenCount();
                int length = await supervisor.ReceiveFrameAsync(received).AsTask().WaitAsync(Patience);
                Assert.That(length, Is.EqualTo((i * 37) % 9000 + 1));
            }

            await Task.WhenAll(echo, sending).WaitAsync(Patience);
        }
    }

    [Test]
    public async Task An_accept_cancelled_while_waiting_leaves_the_listener_usable()
    {
        string directory = CreateShortTempDirectory();
        using (UncheckedSupervisorListener listener = SupervisorSocket.Bind(Path.Combine(directory, "c.sock")))
        {
            using (var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
            {
                Assert.That(async () => await listener.AcceptAsync(null, cancellation.Token).WaitAsync(Patience), Throws.InstanceOf<OperationCanceledException>());
            }

            Assert.That(async () => await listener.AcceptAsync(TimeSpan.FromMilliseconds(100)).WaitAsync(Patience), Throws.InstanceOf<SupervisorTimeoutException>());
            Task<SupervisorSocket> accepting = listener.AcceptAsync();
            using SupervisorSocket client = SupervisorSocket.Connect(listener.Path);
            using SupervisorSocket server = await accepting.WaitAsync(Patience);
            client.SendFrame(Utf8("after the cancel"));
            Assert.That(ReceiveText(server), Is.EqualTo("after the cancel"));

            // A synchronous accept on the now non-blocking listener still waits for its timeout.
            Assert.Throws<SupervisorTimeoutException>(() => listener.Accept(TimeSpan.FromMilliseconds(50)));
        }

        Directory.Delete(directory, recursive: true);
    }

    [Test]
    public async Task Receives_cancelled_from_many_threads_at_once_all_end_and_leave_their_sockets_usable()
    {
        // Cancellation completes a wait through its socket's readiness port from the cancelling thread (a wake-up
        // of the port's thread): many at once, from several threads, must each end exactly their own wait.
        const int Sockets = 200;
        var pairs = Enumerable.Range(0, Sockets).Select(_ => SupervisorSocket.CreatePair()).ToList();
        try
        {
            var cancellations = pairs.Select(_ => new CancellationTokenSource()).ToList();
            var receiving = pairs.Select((pair, i) => pair.SupervisorEnd.ReceiveFrameAsync(new System.Buffers.ArrayBufferWriter<byte>(), cancellations[i].Token).AsTask()).ToList();
            var cancellers = Enumerable.Range(0, 8).Select(t => new Thread(() =>
            {
                for (int i = t; i < Sockets; i += 8)
                {
                    cancellations[i].Cancel();
                }
            })).ToList();
            cancellers.ForEach(thread => thread.Start());
            cancellers.ForEach(thread => thread.Join());
            foreach (Task<int> receive in receiving)
            {
                Assert.That(async () => await receive.WaitAsync(Patience), Throws.InstanceOf<OperationCanceledException>());
            }

            cancellations.ForEach(cancellation => cancellation.Dispose());
            byte[] payload = Utf8("{\"after\":\"cancel\"}");
            foreach (var (supervisorEnd, childEnd) in pairs)
            {
                childEnd.SendFrame(payload);
                var received = new System.Buffers.ArrayBufferWriter<byte>();
                Assert.That(await supervisorEnd.ReceiveFrameAsync(received).AsTask().WaitAsync(Patience), Is.EqualTo(payload.Length));
                Assert.That(received.WrittenSpan.ToArray(), Is.EqualTo(payload));
            }
        }
        finally
        {
            foreach (var (supervisorEnd, childEnd) in pairs)
            {
                supervisorEnd.Dispose();
                childEnd.Dispose();
            }
        }
    }

    [Test]
    public async Task Disposing_ends_waiting_calls_with_ObjectDisposedException()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (child)
        {
            Task<SupervisorMessage> waiting = supervisor.ReceiveMessageAsync().AsTask();
            await Task.Delay(50);
            supervisor.Dispose();
            Assert.That(async () => await waiting.WaitAsync(Patience), Throws.InstanceOf<ObjectDisposedException>());
        }
    }

    [Test]
    public async Task Many_idle_connections_wait_without_a_thread_each_and_the_last_ones_are_answered()
    {
        const int Connections = 512;
        var pairs = new List<(SupervisorSocket Supervisor, SupervisorSocket Child)>();
        try
        {
            for (int i = 0; i < Connections; i++)
            {
                pairs.Add(SupervisorSocket.CreatePair());
            }

            int threadsBefore = Process.GetCurrentProcess().Threads.Count;
            Task<SupervisorMessage>[] receives = pairs.Select(p => p.Supervisor.ReceiveMessageAsync().AsTask()).ToArray();
            await Task.Delay(200);
            Assert.That(receives.Any(r => r.IsCompleted), Is.False);
            for (int i = Connections - 8; i < Connections; i++)
            {
                pairs[i].Child.SendMessage(new SupervisorMessage.OpenUrl(new UrlOpenRequest($"u-{i}", "https://example.org", 1, "s")));
            }

            SupervisorMessage[] answered = await Task.WhenAll(receives[^8..]).WaitAsync(Patience);
            Assert.That(answered.Select(m => ((SupervisorMessage.OpenUrl)m).UrlRequest.RequestId), Is.EqualTo(Enumerable.Range(Connections - 8, 8).Select(i => $"u-{i}")));
            Assert.That(Process.GetCurrentProcess().Threads.Count, Is.LessThanOrEqualTo(threadsBefore + 2 * Environment.ProcessorCount + 8), "threads independent of the number of connections");
        }
        finally
        {
            foreach (var (supervisor, child) in pairs)
            {
                child.Dispose();
                supervisor.Dispose();
            }
        }
    }
}
