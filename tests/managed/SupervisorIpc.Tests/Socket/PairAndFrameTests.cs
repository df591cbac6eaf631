using System;
using System.Buffers;
using System.Linq;
using System.Text;
using NUnit.Framework;
using static SupervisorIpc.Tests.Transport.SocketTestSupport;

namespace SupervisorIpc.Tests.Transport;

[TestFixture]
public sealed class PairAndFrameTests
{
    [Test]
    public void A_pair_carries_frames_both_ways()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            supervisor.SendFrame(Utf8("to child"));
            child.SendFrame(Utf8("to supervisor"));
            Assert.That(ReceiveText(child), Is.EqualTo("to child"));
            Assert.That(ReceiveText(supervisor), Is.EqualTo("to supervisor"));
        }
    }

    [Test]
    public void Both_ends_of_a_pair_are_distinct_close_on_exec_descriptors()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            Assert.That(supervisor.FileDescriptor, Is.GreaterThan(2));
            Assert.That(child.FileDescriptor, Is.GreaterThan(2).And.Not.EqualTo(supervisor.FileDescriptor));
            Assert.That(IsCloseOnExec(supervisor.FileDescriptor), Is.True);
            Assert.That(IsCloseOnExec(child.FileDescriptor), Is.True);
        }
    }

    [Test]
    public void Peer_credentials_of_a_pair_name_this_process()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            (uint uid, uint gid) = EffectiveIds();
            Assert.That(supervisor.PeerCredentials, Is.EqualTo(new PeerCredentials((uint)Environment.ProcessId, uid, gid)));
            Assert.That(child.PeerPid, Is.EqualTo(Environment.ProcessId));
        }
    }

    [Test]
    public void Empty_and_maximum_size_frames_arrive_intact()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            byte[] largest = Enumerable.Range(0, SupervisorSocket.MaxPayloadLength).Select(i => (byte)(i * 7)).ToArray();
            var receiver = System.Threading.Tasks.Task.Run(() =>
            {
                byte[] buffer = new byte[SupervisorSocket.MaxPayloadLength];
                int empty = child.ReceiveFrame(buffer);
                int full = child.ReceiveFrame(buffer);
                return (empty, full, buffer);
            });
            supervisor.SendFrame(ReadOnlySpan<byte>.Empty);
            supervisor.SendFrame(largest);
            var (emptyLength, fullLength, received) = receiver.GetAwaiter().GetResult();
            Assert.That(emptyLength, Is.Zero);
            Assert.That(fullLength, Is.EqualTo(SupervisorSocket.MaxPayloadLength));
            Assert.That(received, Is.EqualTo(largest));
        }
    }

    [Test]
    public void A_payload_above_64_KiB_is_refused_before_anything_is_written()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            AssertSocketError(SupervisorIpcError.TooLarge, () => supervisor.SendFrame(new byte[SupervisorSocket.MaxPayloadLength + 1]));
            supervisor.SendFrame(Utf8("still in sync"));
            Assert.That(ReceiveText(child), Is.EqualTo("still in sync"));
        }
    }

    [Test]
    public void A_too_small_buffer_reports_the_size_and_keeps_the_frame()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            supervisor.SendFrame(Utf8("twelve bytes"));
            var error = Assert.Throws<SupervisorBufferTooSmallException>(() => child.ReceiveFrame(new byte[4]));
            Assert.That(error!.RequiredLength, Is.EqualTo(12));
            Assert.That(error.Error, Is.EqualTo(SupervisorIpcError.BufferTooSmall));
            Assert.That(error.Message, Does.Contain("receive frame"));
            byte[] buffer = new byte[12];
            Assert.That(child.ReceiveFrame(buffer), Is.EqualTo(12));
            Assert.That(Encoding.UTF8.GetString(buffer), Is.EqualTo("twelve bytes"));
        }
    }

    [Test]
    public void A_frame_can_be_received_into_a_buffer_writer()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            var writer = new ArrayBufferWriter<byte>();
            writer.Write(Utf8("prefix|"));
            supervisor.SendFrame(Utf8("payload"));
            Assert.That(child.ReceiveFrame(writer), Is.EqualTo(7));
            Assert.That(Encoding.UTF8.GetString(writer.WrittenSpan), Is.EqualTo("prefix|payload"));
        }
    }

    [Test]
    public void An_orderly_close_is_told_apart_from_a_close_inside_a_frame()
    {
        string directory = CreateShortTempDirectory();
        var (wrapped, raw, listener) = RawPeer(directory);
        using (listener)
        using (wrapped)
        using (raw)
        {
            raw.Send(Frame(Utf8("whole")));
            raw.Send(new byte[] { 0, 0, 0, 10, (byte)'p', (byte)'a' });
            raw.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            Assert.That(ReceiveText(wrapped), Is.EqualTo("whole"));
            var cut = Assert.Throws<SupervisorConnectionClosedException>(() => wrapped.ReceiveFrame(new byte[64]));
            Assert.That(cut!.Error, Is.EqualTo(SupervisorIpcError.Truncated));
            Assert.That(cut.IsOrderly, Is.False);
        }

        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (child)
        {
            supervisor.Dispose();
            var closed = Assert.Throws<SupervisorConnectionClosedException>(() => child.ReceiveFrame(new byte[64]));
            Assert.That(closed!.Error, Is.EqualTo(SupervisorIpcError.Closed));
            Assert.That(closed.IsOrderly, Is.True);
            Assert.That(closed.Message, Does.Contain("receive frame failed"));
        }
    }

    [Test]
    public void A_length_prefix_above_the_limit_is_refused_without_reading_the_payload()
    {
        string directory = CreateShortTempDirectory();
        var (wrapped, raw, listener) = RawPeer(directory);
        using (listener)
        using (wrapped)
        using (raw)
        {
            raw.Send(new byte[] { 0, 1, 0, 1 }); // 65,537
            AssertSocketError(SupervisorIpcError.TooLarge, () => wrapped.ReceiveFrame(new byte[SupervisorSocket.MaxPayloadLength]));
        }
    }
}
