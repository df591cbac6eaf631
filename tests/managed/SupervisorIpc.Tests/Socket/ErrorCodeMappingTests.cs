using System;
using NUnit.Framework;
using SupervisorIpc.Interop;

namespace SupervisorIpc.Tests.Transport;

/// <summary>The public error enum must name every native status, with the same number, so no error shows as a bare number.</summary>
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
}
