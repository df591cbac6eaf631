using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Transport;

/// <summary><see cref="SupervisorSocket.WaitsForDataInPoll"/>: the same traffic, timeouts and disposal as the default.</summary>
[TestFixture]
public sealed class WaitInPollTests
{
    [Test]
    public void A_grant_round_trip_with_a_descriptor_works_with_both_ends_waiting_in_poll()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            Assert.That(child.WaitsForDataInPoll, Is.False, "off by default");
            supervisor.WaitsForDataInPoll = true;
            child.WaitsForDataInPoll = true;
            Assert.That(child.WaitsForDataInPoll, Is.True);
            for (int i = 0; i < 100; i++)
            {
                child.SendMessage(new SupervisorMessage.Request(Messages.Payloads.ValidRequest));
                var request = (SupervisorMessage.Request)supervisor.ReceiveMessage();
                using (SafeFileHandle file = File.OpenHandle("/dev/null"))
                {
                    supervisor.SendFileDescriptor(file);
                }

                supervisor.SendResponse(new SupervisorResponse.Decision(request.Capability.RequestId, ApprovalDecision.Granted.Instance));
                using SafeFileHandle granted = child.ReceiveFileDescriptor();
                Assert.That(granted.IsInvalid, Is.False);
                Assert.That(child.ReceiveResponse(), Is.EqualTo(new SupervisorResponse.Decision("r", ApprovalDecision.Granted.Instance)));
            }
        }
    }

    [Test]
    public void The_read_timeout_still_fires_with_EAGAIN_and_the_connection_stays_usable()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            child.WaitsForDataInPoll = true;
            child.ReadTimeout = TimeSpan.FromMilliseconds(30);
            var timeout = Assert.Throws<SupervisorTimeoutException>(() => child.ReceiveResponse());
            Assert.That(timeout!.Errno, Is.EqualTo(11));
            supervisor.SendResponse(new SupervisorResponse.Decision("r", ApprovalDecision.Timeout.Instance));
            Assert.That(child.ReceiveResponse(), Is.EqualTo(new SupervisorResponse.Decision("r", ApprovalDecision.Timeout.Instance)));
        }
    }

    [Test]
    public void Dispose_on_another_thread_wakes_a_receive_waiting_in_poll()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        {
            child.WaitsForDataInPoll = true;
            var blocked = Task.Run(() => child.ReceiveMessage());
            Thread.Sleep(100);
            child.Dispose();
            Assert.ThrowsAsync<ObjectDisposedException>(async () => await blocked.WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Throws<ObjectDisposedException>(() => child.WaitsForDataInPoll = false);
        }
    }
}
