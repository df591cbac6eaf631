using System;
using System.IO;
using Microsoft.Win32.SafeHandles;

namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// (c) The typed API: SupervisorMessage/SupervisorResponse encoded, framed and decoded on both sides; <c>cs-typed-poll</c>
/// with <see cref="SupervisorSocket.WaitsForDataInPoll"/> on both ends.
/// </summary>
internal sealed class TypedPeers : IPeers
{
    private readonly SupervisorSocket _supervisor;
    private readonly SupervisorSocket _child;
    private readonly SafeFileHandle _grantedFile;
    private readonly bool _withFd;

    public TypedPeers(bool withFd, bool waitInPoll = false)
    {
        (_supervisor, _child) = SupervisorSocket.CreatePair();
        _supervisor.WaitsForDataInPoll = waitInPoll;
        _child.WaitsForDataInPoll = waitInPoll;
        _grantedFile = File.OpenHandle(Payloads.GrantedFile);
        _withFd = withFd;
    }

    public void ChildRoundTrip()
    {
        _child.SendMessage(Payloads.Request);
        if (_withFd)
        {
            using SafeFileHandle granted = _child.ReceiveFileDescriptor();
        }

        if (_child.ReceiveResponse() is not SupervisorResponse.Decision { Outcome: ApprovalDecision.Granted })
        {
            throw new InvalidOperationException("the child did not receive Decision(Granted)");
        }
    }

    public void SupervisorRoundTrip()
    {
        if (_supervisor.ReceiveMessage() is not SupervisorMessage.Request request)
        {
            throw new InvalidOperationException("the supervisor did not receive a Request");
        }

        if (_withFd)
        {
            _supervisor.SendFileDescriptor(_grantedFile);
        }

        _supervisor.SendResponse(Payloads.Grant(request.Capability.RequestId));
    }

    public void ChildSend() => _child.SendMessage(Payloads.Request);

    public void SupervisorReceive()
    {
        if (_supervisor.ReceiveMessage() is not SupervisorMessage.Request)
        {
            throw new InvalidOperationException("the supervisor did not receive a Request");
        }
    }

    public void Dispose()
    {
        _child.Dispose();
        _supervisor.Dispose();
        _grantedFile.Dispose();
    }
}
