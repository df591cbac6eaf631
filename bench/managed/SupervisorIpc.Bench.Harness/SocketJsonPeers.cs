using System;
using System.Buffers;
using System.Buffers.Binary;
using System.IO;
using System.Net.Sockets;
using System.Text.Json;

namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// (d) System.Net.Sockets.Socket on a Unix socket bound at a path, framed by hand (one Send per frame, the
/// prefix and then exactly the payload received, as the protocol requires), JSON by System.Text.Json.
/// No descriptor passing: Socket has no SCM_RIGHTS API.
/// </summary>
internal sealed class SocketJsonPeers : IPeers
{
    private readonly string _path;
    private readonly Socket _listener;
    private readonly Socket _child;
    private readonly Socket _supervisor;
    private readonly Framer _childFramer = new();
    private readonly Framer _supervisorFramer = new();

    public SocketJsonPeers()
    {
        _path = Path.Combine(Path.GetTempPath(), $"svipc-bench-{Environment.ProcessId}.sock");
        File.Delete(_path);
        var endpoint = new UnixDomainSocketEndPoint(_path);
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(endpoint);
        _listener.Listen(1);
        _child = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _child.Connect(endpoint);
        _supervisor = _listener.Accept();
    }

    public void ChildRoundTrip()
    {
        _childFramer.Send(_child, SocketJson.SampleRequest, SocketJsonContext.Default.RequestEnvelope);
        DecisionEnvelope decision = _childFramer.Receive(_child, SocketJsonContext.Default.DecisionEnvelope);
        if (decision.Decision?.Decision != "Granted")
        {
            throw new InvalidOperationException("the child did not receive Decision(Granted)");
        }
    }

    public void SupervisorRoundTrip()
    {
        RequestEnvelope request = _supervisorFramer.Receive(_supervisor, SocketJsonContext.Default.RequestEnvelope);
        string requestId = request.Request?.RequestId ?? throw new InvalidOperationException("the supervisor did not receive a Request");
        _supervisorFramer.Send(_supervisor, SocketJson.Grant(requestId), SocketJsonContext.Default.DecisionEnvelope);
    }

    public void ChildSend() => _childFramer.Send(_child, SocketJson.SampleRequest, SocketJsonContext.Default.RequestEnvelope);

    public void SupervisorReceive()
    {
        if (_supervisorFramer.Receive(_supervisor, SocketJsonContext.Default.RequestEnvelope).Request is null)
        {
            throw new InvalidOperationException("the supervisor did not receive a Request");
        }
    }

    public void Dispose()
    {
        _child.Dispose();
        _supervisor.Dispose();
        _listener.Dispose();
        File.Delete(_path);
    }

    /// <summary>One side's reusable buffers.</summary>
    private sealed class Framer
    {
        private const int HeaderSize = 4;
        private readonly ArrayBufferWriter<byte> _json = new(1024);
        private readonly Utf8JsonWriter _writer = new(new ArrayBufferWriter<byte>());
        private readonly byte[] _frame = new byte[HeaderSize + SupervisorSocket.MaxPayloadLength];

        public void Send<T>(Socket socket, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
        {
            SocketJson.Write(_writer, _json, value, typeInfo);
            int length = _json.WrittenCount;
            if (length > SupervisorSocket.MaxPayloadLength)
            {
                throw new InvalidOperationException("payload too large");
            }

            BinaryPrimitives.WriteUInt32BigEndian(_frame, (uint)length);
            _json.WrittenSpan.CopyTo(_frame.AsSpan(HeaderSize));
            ReadOnlySpan<byte> pending = _frame.AsSpan(0, HeaderSize + length);
            while (!pending.IsEmpty)
            {
                pending = pending[socket.Send(pending)..];
            }
        }

        public T Receive<T>(Socket socket, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo)
        {
            ReceiveExactly(socket, _frame.AsSpan(0, HeaderSize));
            uint length = BinaryPrimitives.ReadUInt32BigEndian(_frame);
            if (length > SupervisorSocket.MaxPayloadLength)
            {
                throw new InvalidOperationException("frame too large");
            }

            Span<byte> payload = _frame.AsSpan(HeaderSize, (int)length);
            ReceiveExactly(socket, payload);
            return JsonSerializer.Deserialize(payload, typeInfo) ?? throw new InvalidOperationException("null message");
        }

        private static void ReceiveExactly(Socket socket, Span<byte> destination)
        {
            while (!destination.IsEmpty)
            {
                int received = socket.Receive(destination);
                if (received == 0)
                {
                    throw new EndOfStreamException("the peer closed the connection");
                }

                destination = destination[received..];
            }
        }
    }
}
