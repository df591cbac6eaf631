using System;
using System.IO;
using BenchmarkDotNet.Attributes;
using Microsoft.Win32.SafeHandles;

namespace SupervisorIpc.Benchmarks;

/// <summary>
/// Send then receive on one connected pair from one thread (the socket buffer never fills): the steady-state
/// cost and allocation of each transport operation, without any thread switch.
/// </summary>
public class TransportBenchmarks
{
    private static readonly SupervisorMessage Request =
        new SupervisorMessage.Request(new CapabilityRequest("req-001", "/tmp/test", AccessMode.Read, "test access", 12345, "sess-001"));

    private static readonly SupervisorResponse Granted = new SupervisorResponse.Decision("req-001", ApprovalDecision.Granted.Instance);

    private static readonly byte[] RequestBytes = SupervisorWireCodec.Encode(Request);
    private readonly byte[] _receiveBuffer = new byte[SupervisorSocket.MaxPayloadLength];
    private SupervisorSocket _supervisor = null!;
    private SupervisorSocket _child = null!;
    private SafeFileHandle _file = null!;

    [GlobalSetup]
    public void Setup()
    {
        (_supervisor, _child) = SupervisorSocket.CreatePair();
        _file = File.OpenHandle("/dev/null");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _child.Dispose();
        _supervisor.Dispose();
        _file.Dispose();
    }

    /// <summary>Raw frame send + receive into a caller span: expected to allocate nothing.</summary>
    [Benchmark]
    public int RawFrameSendReceive()
    {
        _child.SendFrame(RequestBytes);
        return _supervisor.ReceiveFrame(_receiveBuffer);
    }

    /// <summary>Typed send of a Request + typed receive: allocates only the decoded message objects.</summary>
    [Benchmark]
    public SupervisorMessage TypedMessageSendReceive()
    {
        _child.SendMessage(Request);
        return _supervisor.ReceiveMessage();
    }

    /// <summary>Typed send of Decision(Granted) + typed receive: allocates only the decoded response objects.</summary>
    [Benchmark]
    public SupervisorResponse TypedResponseSendReceive()
    {
        _supervisor.SendResponse(Granted);
        return _child.ReceiveResponse();
    }

    /// <summary>Typed send only (the frame is drained by a raw receive): expected to allocate nothing.</summary>
    [Benchmark]
    public int TypedMessageSendOnly()
    {
        _child.SendMessage(Request);
        return _supervisor.ReceiveFrame(_receiveBuffer);
    }

    /// <summary>Descriptor send + receive; the received SafeFileHandle is the one object it allocates.</summary>
    [Benchmark]
    public void DescriptorSendReceive()
    {
        _supervisor.SendFileDescriptor(_file);
        using SafeFileHandle received = _child.ReceiveFileDescriptor();
    }
}
