using System;
using System.IO;
using Microsoft.Win32.SafeHandles;

namespace SupervisorIpc.Bench.Harness;

/// <summary>The managed raw-frame API with pre-encoded bytes: the facade's cost without the JSON codec.</summary>
internal sealed class RawFramePeers : IPeers
{
    private readonly SupervisorSocket _supervisor;
    private readonly SupervisorSocket _child;
    private readonly SafeFileHandle _grantedFile;
    private readonly bool _withFd;
    private readonly byte[] _childBuffer = new byte[SupervisorSocket.MaxPayloadLength];
    private readonly byte[] _supervisorBuffer = new byte[SupervisorSocket.MaxPayloadLength];

    public RawFramePeers(bool withFd)
    {
        (_supervisor, _child) = SupervisorSocket.CreatePair();
        _grantedFile = File.OpenHandle(Payloads.GrantedFile);
        _withFd = withFd;
    }

    public void ChildRoundTrip()
    {
        _child.SendFrame(Payloads.RequestBytes);
        if (_withFd)
        {
            using SafeFileHandle granted = _child.ReceiveFileDescriptor();
        }

        Expect(_child.ReceiveFrame(_childBuffer), Payloads.DecisionBytes.Length);
    }

    public void SupervisorRoundTrip()
    {
        Expect(_supervisor.ReceiveFrame(_supervisorBuffer), Payloads.RequestBytes.Length);
        if (_withFd)
        {
            _supervisor.SendFileDescriptor(_grantedFile);
        }

        _supervisor.SendFrame(Payloads.DecisionBytes);
    }

    public void ChildSend() => _child.SendFrame(Payloads.RequestBytes);

    public void SupervisorReceive() => Expect(_supervisor.ReceiveFrame(_supervisorBuffer), Payloads.RequestBytes.Length);

    public void Dispose()
    {
        _child.Dispose();
        _supervisor.Dispose();
        _grantedFile.Dispose();
    }

    private static void Expect(int actual, int expected)
    {
        if (actual != expected)
        {
            throw new InvalidOperationException($"received a {actual}-byte frame, expected {expected} bytes");
        }
    }
}
