using System;
using NUnit.Framework;
using SupervisorIpc.Interop;

namespace SupervisorIpc.Tests.Transport;

/// <summary>
/// The public error enum must name every native status, with the same number, so no error shows as a bare number;
/// and the per-frame calls, which read errno from the library's per-direction copy instead of SetLastError, must
/// report the errno of their own failure.
/// </summary>
public sealed class ErrorCodeMappingTests
{
    [Test]
    public void EveryNativeStatusHasAPublicErrorWithTheSameNameAndValue()
    {
        foreach (SvipcStatus status in Enum.GetValues<SvipcStatus>())
        {
            if (status == SvipcStatus.Ok)
            {
                continue;
            }
            var error = (SupervisorIpcError)(int)status;
            Assert.That(Enum.IsDefined(error), Is.True, $"SupervisorIpcError lacks native status {status} ({(int)status})");
            Assert.That(error.ToString(), Is.EqualTo(status.ToString()));
        }
    }

    [Test]
    public void A_receive_timeout_reports_EAGAIN_through_every_receive()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            child.ReadTimeout = TimeSpan.FromMilliseconds(20);
            const int EAGAIN = 11;
            Assert.That(Assert.Throws<SupervisorTimeoutException>(() => child.ReceiveFrame(new byte[16]))!.Errno, Is.EqualTo(EAGAIN));
            Assert.That(Assert.Throws<SupervisorTimeoutException>(() => child.ReceiveResponse())!.Errno, Is.EqualTo(EAGAIN));
            Assert.That(Assert.Throws<SupervisorTimeoutException>(() => child.ReceiveFileDescriptor())!.Errno, Is.EqualTo(EAGAIN));
        }
    }

    [Test]
    public void A_send_timeout_reports_EAGAIN()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            child.SendTimeout = TimeSpan.FromMilliseconds(20);
            byte[] payload = new byte[SupervisorSocket.MaxPayloadLength];
            SupervisorTimeoutException? timeout = null;
            for (int i = 0; i < 1000 && timeout is null; i++)
            {
                try
                {
                    child.SendFrame(payload); // the supervisor never reads: the socket buffer fills up
                }
                catch (SupervisorTimeoutException e)
                {
                    timeout = e;
                }
            }

            const int EAGAIN = 11;
            Assert.That(timeout, Is.Not.Null);
            Assert.That(timeout!.Errno, Is.EqualTo(EAGAIN));
        }
    }
}
