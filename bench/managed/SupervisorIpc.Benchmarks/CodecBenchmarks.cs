using System;
using BenchmarkDotNet.Attributes;

namespace SupervisorIpc.Benchmarks;

/// <summary>Encode into a caller buffer and decode from a span, for each message type of the protocol.</summary>
public class CodecBenchmarks
{
    private readonly byte[] _buffer = new byte[SupervisorSocket.MaxPayloadLength];
    private SupervisorMessage? _message;
    private SupervisorResponse? _response;
    private byte[] _encoded = [];

    /// <summary>The message type (the reference vector it is built from).</summary>
    [Params("Request", "OpenUrl", "Decision.Granted", "Decision.Denied", "Decision.Timeout", "UrlOpened")]
    public string Message { get; set; } = "";

    [GlobalSetup]
    public void Setup()
    {
        _message = null;
        _response = null;
        switch (Message)
        {
            case "Request":
                _message = new SupervisorMessage.Request(new CapabilityRequest("req-001", "/tmp/test", AccessMode.Read, "test access", 12345, "sess-001"));
                break;
            case "OpenUrl":
                _message = new SupervisorMessage.OpenUrl(new UrlOpenRequest("url-001", "https://example.com/oauth?x=1&y=<2>", 12345, "sess-001"));
                break;
            case "Decision.Granted":
                _response = new SupervisorResponse.Decision("req-001", ApprovalDecision.Granted.Instance);
                break;
            case "Decision.Denied":
                _response = new SupervisorResponse.Decision("req-002", new ApprovalDecision.Denied("not allowed"));
                break;
            case "Decision.Timeout":
                _response = new SupervisorResponse.Decision("req-003", ApprovalDecision.Timeout.Instance);
                break;
            case "UrlOpened":
                _response = new SupervisorResponse.UrlOpened("url-002", false, "origin not allowed");
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(Message), Message, "unknown message type");
        }

        _encoded = _message is not null ? SupervisorWireCodec.Encode(_message) : SupervisorWireCodec.Encode(_response!);
    }

    [Benchmark]
    public int Encode()
    {
        bool fits = _message is not null
            ? SupervisorWireCodec.TryEncode(_message, _buffer, out int written)
            : SupervisorWireCodec.TryEncode(_response!, _buffer, out written);
        return fits ? written : throw new InvalidOperationException("does not fit");
    }

    [Benchmark]
    public object Decode() =>
        _message is not null ? SupervisorWireCodec.DecodeMessage(_encoded) : SupervisorWireCodec.DecodeResponse(_encoded);
}
