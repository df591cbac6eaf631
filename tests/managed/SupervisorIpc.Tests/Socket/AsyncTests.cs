using System;
using System.Buffers;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using static SupervisorIpc.Tests.Transport.SocketTestSupport;

namespace SupervisorIpc.Tests.Transport;

[TestFixture]
public sealed class AsyncTests
{
    [Test]
    public async Task Async_receives_return_what_the_peer_sent()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            var request = new SupervisorMessage.Request(new CapabilityRequest("r1", "/x", AccessMode.Write, null, 9, "s"));
            Task<SupervisorMessage> message = supervisor.ReceiveMessageAsync().AsTask();
            child.SendMessage(request);
            Assert.That(await message.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(request));

            var response = new SupervisorResponse.Decision("r1", ApprovalDecision.Timeout.Instance);
            Task<SupervisorResponse> received = child.ReceiveResponseAsync().AsTask();
            supervisor.SendResponse(response);
            Assert.That(await received.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(response));

            var writer = new ArrayBufferWriter<byte>();
            Task<int> frame = child.ReceiveFrameAsync(writer).AsTask();
            supervisor.SendFrame(Utf8("raw"));
            Assert.That(await frame.WaitAsync(TimeSpan.FromSeconds(10)), Is.EqualTo(3));
            Assert.That(Encoding.UTF8.GetString(writer.WrittenSpan), Is.EqualTo("raw"));

            string file = Path.GetTempFileName();
            try
            {
                File.WriteAllText(file, "async fd");
                Task<SafeFileHandle> descriptor = child.ReceiveFileDescriptorAsync().AsTask();
                using (SafeFileHandle handle = File.OpenHandle(file))
                {
                    supervisor.SendFileDescriptor(handle);
                }

                using SafeFileHandle got = await descriptor.WaitAsync(TimeSpan.FromSeconds(10));
                byte[] buffer = new byte[16];
                Assert.That(Encoding.UTF8.GetString(buffer, 0, RandomAccess.Read(got, buffer, 0)), Is.EqualTo("async fd"));
            }
            finally
            {
                File.Delete(file);
            }
        }
    }

    [Test]
    public void Cancelling_a_waiting_async_receive_throws_OperationCanceledException_and_leaves_the_connection_usable()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            using var cancellation = new CancellationTokenSource();
            Task<SupervisorResponse> waiting = child.ReceiveResponseAsync(cancellation.Token).AsTask();
            Thread.Sleep(100);
            Assert.That(waiting.IsCompleted, Is.False);
            cancellation.Cancel();
            Assert.That(async () => await waiting.WaitAsync(TimeSpan.FromSeconds(10)), Throws.InstanceOf<OperationCanceledException>());
            Assert.That(waiting.IsCanceled, Is.True);
            // Nothing was consumed: both directions still work, synchronously and asynchronously.
            supervisor.SendResponse(new SupervisorResponse.UrlOpened("req-1", true, null));
            Assert.That(child.ReceiveResponseAsync().AsTask().Wait(TimeSpan.FromSeconds(10)), Is.True);
            child.SendFrame(Utf8("still open"));
            Assert.That(ReceiveText(supervisor), Is.EqualTo("still open"));
        }
    }

    [Test]
    public async Task Async_sends_deliver_messages_responses_frames_and_descriptors()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            var request = new SupervisorMessage.Request(new CapabilityRequest("r2", "/y", AccessMode.Read, "why", 3, "s"));
            await child.SendMessageAsync(request).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.That(supervisor.ReceiveMessage(), Is.EqualTo(request));

            var response = new SupervisorResponse.UrlOpened("u1", true, null);
            await supervisor.SendResponseAsync(response).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.That(child.ReceiveResponse(), Is.EqualTo(response));

            await supervisor.SendFrameAsync(Utf8("async raw")).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            Assert.That(ReceiveText(child), Is.EqualTo("async raw"));

            string file = Path.GetTempFileName();
            try
            {
                File.WriteAllText(file, "sent async");
                using (SafeFileHandle handle = File.OpenHandle(file))
                {
                    await supervisor.SendFileDescriptorAsync(handle).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
                }

                using SafeFileHandle got = child.ReceiveFileDescriptor();
                byte[] buffer = new byte[16];
                Assert.That(Encoding.UTF8.GetString(buffer, 0, RandomAccess.Read(got, buffer, 0)), Is.EqualTo("sent async"));
            }
            finally
            {
                File.Delete(file);
            }
        }
    }

    [Test]
    public async Task Cancelling_a_send_waiting_on_a_peer_that_does_not_read_ends_it_and_cuts_no_frame()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            using var cancellation = new CancellationTokenSource();
            byte[] payload = new byte[SupervisorSocket.MaxPayloadLength];
            int sent = 0;
            Task flooding = Task.Run(async () =>
            {
                while (true)
                {
                    await supervisor.SendFrameAsync(payload, cancellation.Token);
                    sent++;
                }
            });
            Assert.That(flooding.Wait(TimeSpan.FromMilliseconds(300)), Is.False, "the sends wait once the socket buffer is full");
            cancellation.Cancel();
            Assert.That(async () => await flooding.WaitAsync(TimeSpan.FromSeconds(10)), Throws.InstanceOf<OperationCanceledException>());

            // The peer reads on; the next send writes whatever rest of the cancelled frame was accepted, then its own.
            Task<int> draining = Task.Run(() =>
            {
                byte[] buffer = new byte[SupervisorSocket.MaxPayloadLength];
                int frames = 0;
                while (child.ReceiveFrame(buffer) == SupervisorSocket.MaxPayloadLength)
                {
                    frames++;
                }

                return frames;
            });
            await supervisor.SendFrameAsync(Utf8("after")).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
            int whole = await draining.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.That(whole, Is.InRange(sent, sent + 1), "every frame arrived whole, the cancelled one too if it had been accepted");
        }
    }

    [Test]
    public void An_already_cancelled_token_completes_at_once_without_touching_the_connection()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            Task<SupervisorMessage> cancelled = supervisor.ReceiveMessageAsync(new CancellationToken(canceled: true)).AsTask();
            Assert.That(cancelled.IsCanceled, Is.True);
            child.SendFrame(Utf8("still open"));
            Assert.That(ReceiveText(supervisor), Is.EqualTo("still open"));
        }
    }

    [Test]
    public async Task BindAndAcceptAsync_accepts_and_cancellation_removes_the_path()
    {
        string directory = CreateShortTempDirectory();
        string path = Path.Combine(directory, "async.sock");
        Task<SupervisorSocket> accepting = SupervisorSocket.BindAndAcceptAsync(path, TimeSpan.FromSeconds(10));
        using (SupervisorSocket client = DisposeTests.ConnectWhenBound(path))
        using (SupervisorSocket server = await accepting.WaitAsync(TimeSpan.FromSeconds(10)))
        {
            client.SendFrame(Utf8("hello"));
            Assert.That(ReceiveText(server), Is.EqualTo("hello"));
        }

        Assert.That(File.Exists(path), Is.False);

        using var cancellation = new CancellationTokenSource();
        Task<SupervisorSocket> waiting = SupervisorSocket.BindAndAcceptAsync(path, null, cancellation.Token);
        SpinWait.SpinUntil(() => File.Exists(path), TimeSpan.FromSeconds(10));
        Assert.That(File.Exists(path), Is.True);
        cancellation.Cancel();
        Assert.That(async () => await waiting.WaitAsync(TimeSpan.FromSeconds(10)), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(File.Exists(path), Is.False, "a cancelled accept removes the socket file");
        Directory.Delete(directory);
    }

    [Test]
    public async Task Listener_AcceptAsync_accepts_and_honours_cancellation()
    {
        string directory = CreateShortTempDirectory();
        using (UncheckedSupervisorListener listener = SupervisorSocket.Bind(Path.Combine(directory, "l.sock")))
        {
            Task<SupervisorSocket> accepting = listener.AcceptAsync(TimeSpan.FromSeconds(10));
            using (SupervisorSocket client = SupervisorSocket.Connect(listener.Path))
            using (SupervisorSocket server = await accepting.WaitAsync(TimeSpan.FromSeconds(10)))
            {
                Assert.That(server.PeerPid, Is.EqualTo(Environment.ProcessId));
            }

            using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
            Assert.That(
                async () => await listener.AcceptAsync(null, cancellation.Token).WaitAsync(TimeSpan.FromSeconds(10)),
                Throws.InstanceOf<OperationCanceledException>());
        }

        Directory.Delete(directory);
    }
}
