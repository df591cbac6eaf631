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
