using System;
using System.Diagnostics;
using NUnit.Framework;
using static SupervisorIpc.Tests.Transport.SocketTestSupport;

namespace SupervisorIpc.Tests.Transport;

[TestFixture]
public sealed class TimeoutTests
{
    [Test]
    public void Timeouts_default_to_none_and_read_back_what_was_set()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            Assert.That(child.ReadTimeout, Is.Null);
            Assert.That(child.SendTimeout, Is.Null);
            child.ReadTimeout = TimeSpan.FromMilliseconds(1500);
            child.SendTimeout = TimeSpan.FromSeconds(3);
            Assert.That(child.ReadTimeout, Is.EqualTo(TimeSpan.FromMilliseconds(1500)));
            Assert.That(child.SendTimeout, Is.EqualTo(TimeSpan.FromSeconds(3)));
            // Rounded up to whole milliseconds, never to 0 (which would mean "poll"); the kernel may round further up to its tick.
            child.ReadTimeout = TimeSpan.FromTicks(1);
            Assert.That(child.ReadTimeout, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(1)).And.LessThanOrEqualTo(TimeSpan.FromMilliseconds(20)));
            child.ReadTimeout = null;
            child.SendTimeout = null;
            Assert.That(child.ReadTimeout, Is.Null);
            Assert.That(child.SendTimeout, Is.Null);
        }
    }

    [Test]
    public void Zero_negative_and_huge_timeouts_are_refused()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => child.ReadTimeout = TimeSpan.Zero);
            Assert.Throws<ArgumentOutOfRangeException>(() => child.ReadTimeout = TimeSpan.FromSeconds(-1));
            Assert.Throws<ArgumentOutOfRangeException>(() => child.SendTimeout = TimeSpan.FromDays(30));
            Assert.That(child.ReadTimeout, Is.Null);
        }
    }

    [Test]
    public void A_read_timeout_throws_the_timeout_type_and_the_stream_still_works()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            child.ReadTimeout = TimeSpan.FromMilliseconds(100);
            var watch = Stopwatch.StartNew();
            var error = Assert.Throws<SupervisorTimeoutException>(() => child.ReceiveFrame(new byte[16]));
            Assert.That(error!.Error, Is.EqualTo(SupervisorIpcError.Timeout));
            Assert.That(error.Message, Does.Contain("receive frame failed"));
            Assert.That(watch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(90)), "the receive waited for the timeout");
            Assert.Throws<SupervisorTimeoutException>(() => child.ReceiveFileDescriptor().Dispose());
            Assert.Throws<SupervisorTimeoutException>(() => child.ReceiveResponse());

            supervisor.SendFrame(Utf8("after the timeout"));
            Assert.That(ReceiveText(child), Is.EqualTo("after the timeout"));
        }
    }

    [Test]
    public void A_frame_cut_by_a_timeout_resumes_on_the_next_receive()
    {
        string directory = CreateShortTempDirectory();
        var (wrapped, raw, listener) = RawPeer(directory);
        using (listener)
        using (wrapped)
        using (raw)
        {
            wrapped.ReadTimeout = TimeSpan.FromMilliseconds(100);
            byte[] frame = Frame(Utf8("split across a timeout"));
            raw.Send(frame.AsSpan(0, 6));
            Assert.Throws<SupervisorTimeoutException>(() => wrapped.ReceiveFrame(new byte[64]));
            raw.Send(frame.AsSpan(6));
            Assert.That(ReceiveText(wrapped), Is.EqualTo("split across a timeout"));
        }
    }

    [Test]
    public void A_send_timeout_fires_when_the_peer_does_not_read_and_the_cut_frame_desynchronizes_sending()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            supervisor.SendTimeout = TimeSpan.FromMilliseconds(100);
            byte[] payload = new byte[SupervisorSocket.MaxPayloadLength];
            SupervisorTimeoutException? timeout = null;
            for (int i = 0; i < 1000 && timeout is null; i++)
            {
                try
                {
                    supervisor.SendFrame(payload);
                }
                catch (SupervisorTimeoutException e)
                {
                    timeout = e;
                }
            }

            Assert.That(timeout, Is.Not.Null, "the socket buffer never filled up");
            // Part of the last frame may already be in the socket: the send direction is no longer trustworthy.
            AssertSocketError(SupervisorIpcError.Desynchronized, () => supervisor.SendFrame(Utf8("more")));
        }
    }
}
