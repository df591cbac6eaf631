using System;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Transport;

/// <summary>The transport allocates nothing per frame: raw frames and encoded responses go through reused buffers.</summary>
[TestFixture]
public sealed class AllocationTests
{
    [Test]
    public void Raw_frames_allocate_nothing_per_frame()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            byte[] payload = new byte[512];
            byte[] buffer = new byte[SupervisorSocket.MaxPayloadLength];
            void RoundTrip()
            {
                supervisor.SendFrame(payload);
                child.ReceiveFrame(buffer);
            }

            RoundTrip(); // first calls resolve the native library and JIT the stubs
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++)
            {
                RoundTrip();
            }

            Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        }
    }

    [Test]
    public void Asynchronous_frames_that_need_no_wait_allocate_nothing_per_frame()
    {
        // ValueTask, as System.Net.Sockets returns: a receive whose frame is already there completes without a Task
        // (Task<int> would allocate one per call for any length above 9), and a pending one reuses a pooled box.
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            byte[] payload = new byte[512];
            var destination = new System.Buffers.ArrayBufferWriter<byte>(SupervisorSocket.MaxPayloadLength);
            void RoundTrip()
            {
                // No Assert inside: its constraints allocate.
                System.Threading.Tasks.ValueTask send = supervisor.SendFrameAsync(payload);
                if (!send.IsCompletedSuccessfully)
                {
                    Assert.Fail("the send had to wait, though the socket had room");
                }

                send.GetAwaiter().GetResult();
                System.Threading.Tasks.ValueTask<int> receive = child.ReceiveFrameAsync(destination);
                if (!receive.IsCompletedSuccessfully || receive.Result != payload.Length)
                {
                    Assert.Fail("the receive had to wait, though the frame was there");
                }

                destination.ResetWrittenCount();
            }

            RoundTrip(); // first calls join the readiness loop, resolve the native library and JIT the stubs
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++)
            {
                RoundTrip();
            }

            Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        }
    }

    [Test]
    public void Sending_messages_and_responses_allocates_nothing_per_frame()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            var response = new SupervisorResponse.Decision("req-1", new ApprovalDecision.Denied("not allowed"));
            var message = new SupervisorMessage.OpenUrl(new UrlOpenRequest("url-1", "https://example.com/", 1, "s"));
            byte[] buffer = new byte[SupervisorSocket.MaxPayloadLength];
            void RoundTrip()
            {
                supervisor.SendResponse(response);
                child.ReceiveFrame(buffer);
                child.SendMessage(message);
                supervisor.ReceiveFrame(buffer);
            }

            RoundTrip();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 200; i++)
            {
                RoundTrip();
            }

            Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
        }
    }
}
