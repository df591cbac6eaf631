using System;
using System.Net.Sockets;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Transport;

/// <summary>
/// <see cref="SupervisorSocket.HasBufferedInput"/>: receives read ahead, so an event loop that waits for
/// <see cref="SupervisorSocket.FileDescriptor"/> to become readable must ask this first.
/// </summary>
[TestFixture]
public sealed class BufferedInputTests
{
    [Test]
    public void A_message_read_ahead_is_reported_while_the_descriptor_is_not_readable()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            Assert.That(supervisor.HasBufferedInput, Is.False);
            child.SendMessage(new SupervisorMessage.Request(Messages.Payloads.ValidRequest));
            child.SendMessage(new SupervisorMessage.Request(Messages.Payloads.ValidRequest));
            Assert.That(supervisor.ReceiveMessage(), Is.InstanceOf<SupervisorMessage.Request>());

            using var view = new Socket(new SafeSocketHandle(supervisor.FileDescriptor, ownsHandle: false));
            if (OperatingSystem.IsLinux())
            {
                Assert.That(view.Poll(0, SelectMode.SelectRead), Is.False, "the second message left the kernel with the first");
                Assert.That(supervisor.HasBufferedInput, Is.True);
            }
            else
            {
                // Without read-ahead (macOS) the second message may still be the kernel's; either way it is announced.
                Assert.That(view.Poll(0, SelectMode.SelectRead) || supervisor.HasBufferedInput, Is.True);
            }

            Assert.That(supervisor.ReceiveMessage(), Is.InstanceOf<SupervisorMessage.Request>());
            Assert.That(supervisor.HasBufferedInput, Is.False);
        }
    }

    [Test]
    public void Reading_it_after_disposal_throws()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        child.Dispose();
        supervisor.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _ = supervisor.HasBufferedInput);
    }
}
