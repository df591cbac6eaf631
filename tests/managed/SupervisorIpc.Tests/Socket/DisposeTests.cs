using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using static SupervisorIpc.Tests.Transport.SocketTestSupport;

namespace SupervisorIpc.Tests.Transport;

[TestFixture]
public sealed class DisposeTests
{
    [Test]
    public void Every_member_throws_ObjectDisposedException_after_Dispose_and_Dispose_is_idempotent()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        child.Dispose();
        int fd = supervisor.FileDescriptor;
        supervisor.Dispose();
        supervisor.Dispose();
        Assert.That(IsOpen(fd), Is.False, "the descriptor is closed");

        Assert.Multiple(() =>
        {
            Assert.Throws<ObjectDisposedException>(() => _ = supervisor.FileDescriptor);
            Assert.Throws<ObjectDisposedException>(() => _ = supervisor.PeerCredentials);
            Assert.Throws<ObjectDisposedException>(() => _ = supervisor.PeerPid);
            Assert.Throws<ObjectDisposedException>(() => _ = supervisor.ReadTimeout);
            Assert.Throws<ObjectDisposedException>(() => supervisor.ReadTimeout = null);
            Assert.Throws<ObjectDisposedException>(() => _ = supervisor.SendTimeout);
            Assert.Throws<ObjectDisposedException>(() => supervisor.SendTimeout = null);
            Assert.Throws<ObjectDisposedException>(() => supervisor.SendFrame(Utf8("x")));
            Assert.Throws<ObjectDisposedException>(() => supervisor.ReceiveFrame(new byte[4]));
            Assert.Throws<ObjectDisposedException>(() => supervisor.ReceiveFrame(new System.Buffers.ArrayBufferWriter<byte>()));
            Assert.Throws<ObjectDisposedException>(() => supervisor.SendMessage(
                new SupervisorMessage.OpenUrl(new UrlOpenRequest("u", "https://x", 1, "s"))));
            Assert.Throws<ObjectDisposedException>(() => supervisor.ReceiveMessage());
            Assert.Throws<ObjectDisposedException>(() => supervisor.SendResponse(
                new SupervisorResponse.UrlOpened("u", true, null)));
            Assert.Throws<ObjectDisposedException>(() => supervisor.ReceiveResponse());
            Assert.Throws<ObjectDisposedException>(() => supervisor.ReceiveFileDescriptor());
            Assert.Throws<ObjectDisposedException>(() => supervisor.TryReceiveFileDescriptor(out _));
            Assert.Throws<ObjectDisposedException>(() => supervisor.SendFileDescriptor(new Microsoft.Win32.SafeHandles.SafeFileHandle(0, false)));
            Assert.Throws<ObjectDisposedException>(() => supervisor.Shutdown());
            Assert.Throws<ObjectDisposedException>(() => supervisor.ReceiveMessageAsync());
            Assert.Throws<ObjectDisposedException>(() => supervisor.ReceiveResponseAsync());
            Assert.Throws<ObjectDisposedException>(() => supervisor.ReceiveFileDescriptorAsync());
            Assert.Throws<ObjectDisposedException>(() => supervisor.ReceiveFrameAsync(new System.Buffers.ArrayBufferWriter<byte>()));
            Assert.Throws<ObjectDisposedException>(() => supervisor.SendFrameAsync(Utf8("x")));
            Assert.Throws<ObjectDisposedException>(() => supervisor.SendMessageAsync(
                new SupervisorMessage.OpenUrl(new UrlOpenRequest("u", "https://x", 1, "s"))));
            Assert.Throws<ObjectDisposedException>(() => supervisor.SendResponseAsync(new SupervisorResponse.UrlOpened("u", true, null)));
            Assert.Throws<ObjectDisposedException>(() => supervisor.SendFileDescriptorAsync(new Microsoft.Win32.SafeHandles.SafeFileHandle(0, false)));
        });
    }

    [Test]
    public void Dispose_on_another_thread_wakes_a_blocked_receive_with_ObjectDisposedException()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        {
            var blocked = Task.Run(() => child.ReceiveFrame(new byte[16]));
            Thread.Sleep(100); // let the receive block; the outcome does not depend on it having started
            child.Dispose();
            var error = Assert.ThrowsAsync<ObjectDisposedException>(async () => await blocked.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.That(error, Is.Not.Null);
        }
    }

    [Test]
    public void A_buffer_writer_that_disposes_the_socket_mid_receive_still_gets_the_whole_payload()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        {
            byte[] sent = new byte[4096];
            new Random(7).NextBytes(sent);
            supervisor.SendFrame(sent);
            var writer = new DisposingWriter(child);

            int length = child.ReceiveFrame(writer);

            Assert.That(length, Is.EqualTo(sent.Length));
            Assert.That(writer.Written.ToArray(), Is.EqualTo(sent), "the borrowed native buffer outlived the disposal");
            Assert.Throws<ObjectDisposedException>(() => child.ReceiveFrame(new byte[16]));
        }
    }

    [Test]
    public void Racing_dispose_against_busy_senders_and_receivers_only_ever_raises_ObjectDisposedException()
    {
        for (int round = 0; round < 200; round++)
        {
            var (supervisor, child) = SupervisorSocket.CreatePair();
            using (supervisor)
            {
                using var stop = new CancellationTokenSource();
                Task sender = Task.Run(() =>
                {
                    while (true)
                    {
                        child.SendMessage(new SupervisorMessage.Request(Messages.Payloads.ValidRequest));
                    }
                });
                Task echo = Task.Run(() =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        _ = supervisor.ReceiveMessage();
                        supervisor.SendResponse(new SupervisorResponse.Decision("r", ApprovalDecision.Granted.Instance));
                    }
                });
                Task receiver = Task.Run(() =>
                {
                    while (true)
                    {
                        _ = child.ReceiveResponse();
                    }
                });
                Thread.Sleep(round % 5);
                child.Dispose();
                foreach (Task task in new[] { sender, receiver })
                {
                    Assert.ThrowsAsync<ObjectDisposedException>(async () => await task.WaitAsync(TimeSpan.FromSeconds(10)), $"round {round}");
                }

                stop.Cancel();
                supervisor.Dispose();
                // The echo ends when its peer goes away, by whichever error that surfaces as; it must not hang.
                Assert.That(((IAsyncResult)echo).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)), Is.True, $"round {round}: the echo hangs");
            }
        }
    }

    /// <summary>An <see cref="System.Buffers.IBufferWriter{T}"/> that disposes the socket when asked for memory.</summary>
    private sealed class DisposingWriter(SupervisorSocket socket) : System.Buffers.IBufferWriter<byte>
    {
        private readonly System.Buffers.ArrayBufferWriter<byte> _inner = new();

        public ReadOnlyMemory<byte> Written => _inner.WrittenMemory;

        public void Advance(int count) => _inner.Advance(count);

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            socket.Dispose();
            return _inner.GetMemory(sizeHint);
        }

        public Span<byte> GetSpan(int sizeHint = 0)
        {
            socket.Dispose();
            return _inner.GetSpan(sizeHint);
        }
    }

    [Test]
    public void Disposing_one_end_is_seen_by_the_peer_as_an_orderly_close()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        {
            child.SendFrame(Utf8("last words"));
            child.Dispose();
            Assert.That(ReceiveText(supervisor), Is.EqualTo("last words"));
            var closed = Assert.Throws<SupervisorConnectionClosedException>(() => supervisor.ReceiveMessage());
            Assert.That(closed!.IsOrderly, Is.True);
        }
    }

    [Test]
    public void Shutdown_wakes_blocked_calls_and_the_peer_sees_the_close()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            var blocked = Task.Run(() => child.ReceiveFrame(new byte[16]));
            Thread.Sleep(100);
            child.Shutdown();
            var error = Assert.ThrowsAsync(Is.InstanceOf<SupervisorSocketException>(), async () => await blocked.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.That(((SupervisorSocketException)error!).Error, Is.AnyOf(SupervisorIpcError.ShutDown, SupervisorIpcError.Closed));
            Assert.Throws<SupervisorConnectionClosedException>(() => supervisor.ReceiveFrame(new byte[16]));
            child.Shutdown(); // repeatable
        }
    }

    [Test]
    public void Disposing_a_bound_connection_removes_its_socket_file()
    {
        string directory = CreateShortTempDirectory();
        string path = Path.Combine(directory, "bound.sock");
        var accepting = Task.Run(() => SupervisorSocket.BindAndAccept(path, TimeSpan.FromSeconds(10)));
        SupervisorSocket client = ConnectWhenBound(path);
        SupervisorSocket server = accepting.GetAwaiter().GetResult();
        Assert.That(File.Exists(path), Is.True, "the path lives as long as the connection");
        client.Dispose();
        server.Dispose();
        Assert.That(File.Exists(path), Is.False);
        server.Dispose();
        Directory.Delete(directory);
    }

    [Test]
    public void Disposing_a_listener_removes_its_socket_file_and_is_idempotent()
    {
        string directory = CreateShortTempDirectory();
        string path = Path.Combine(directory, "listen.sock");
        UncheckedSupervisorListener listener = SupervisorSocket.Bind(path);
        Assert.That(File.Exists(path), Is.True);
        int fd = listener.FileDescriptor;
        Assert.That(IsCloseOnExec(fd), Is.True);
        listener.Dispose();
        listener.Dispose();
        Assert.That(File.Exists(path), Is.False);
        Assert.Throws<ObjectDisposedException>(() => _ = listener.FileDescriptor);
        Assert.Throws<ObjectDisposedException>(() => listener.Accept(TimeSpan.FromSeconds(1)));
        Assert.Throws<ObjectDisposedException>(() => listener.AcceptAsync());
        Directory.Delete(directory);
    }

    /// <summary>Connects once the socket file exists (the binding thread may not have created it yet).</summary>
    internal static SupervisorSocket ConnectWhenBound(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            try
            {
                return SupervisorSocket.Connect(path);
            }
            catch (SupervisorSocketException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(10);
            }
        }
    }
}
