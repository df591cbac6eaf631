using System;

namespace SupervisorIpc;

public sealed partial class SupervisorSocket
{
    // Encoded under the send lock into one buffer per socket: no allocation per frame.
    private byte[]? _sendBuffer;

    /// <summary>Sends a child-to-supervisor message as one frame (the reference's <c>send_message</c>).</summary>
    /// <param name="message">The message.</param>
    /// <exception cref="SupervisorSocketException"><see cref="SupervisorIpcError.TooLarge"/> when the encoded message exceeds 64 KiB (nothing is sent), or a transport error.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public void SendMessage(SupervisorMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_sendLock)
        {
            ThrowIfDisposed();
            byte[] buffer = _sendBuffer ??= new byte[MaxPayloadLength];
            if (!SupervisorWireCodec.TryEncode(message, buffer, out int length))
            {
                throw TooLargeToSend("send message");
            }

            SendFrameLocked(buffer.AsSpan(0, length), "send message");
        }
    }

    /// <summary>Sends a supervisor-to-child response as one frame (the reference's <c>send_response</c>).</summary>
    /// <param name="response">The response.</param>
    /// <exception cref="SupervisorSocketException"><see cref="SupervisorIpcError.TooLarge"/> when the encoded response exceeds 64 KiB (nothing is sent), or a transport error.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public void SendResponse(SupervisorResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        lock (_sendLock)
        {
            ThrowIfDisposed();
            byte[] buffer = _sendBuffer ??= new byte[MaxPayloadLength];
            if (!SupervisorWireCodec.TryEncode(response, buffer, out int length))
            {
                throw TooLargeToSend("send response");
            }

            SendFrameLocked(buffer.AsSpan(0, length), "send response");
        }
    }

    /// <summary>Receives and decodes the next child-to-supervisor message (the reference's <c>recv_message</c>).</summary>
    /// <returns>The message.</returns>
    /// <exception cref="SupervisorMessageFormatException">The frame is not a valid message; the frame is consumed and the stream stays in sync.</exception>
    /// <exception cref="SupervisorConnectionClosedException">The peer closed the connection.</exception>
    /// <exception cref="SupervisorTimeoutException">The <see cref="ReadTimeout"/> expired.</exception>
    /// <exception cref="SupervisorSocketException">A transport or protocol error.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public SupervisorMessage ReceiveMessage()
    {
        lock (_receiveLock)
        {
            ThrowIfDisposed();
            // Decoded straight from the native buffer, which stays valid until the next receive.
            ReadOnlySpan<byte> payload = ReceiveBorrowedLocked("receive message");
            try
            {
                return SupervisorWireCodec.DecodeMessage(payload);
            }
            catch (SupervisorMessageFormatException malformed)
            {
                Instruments.ReceiveFailed(malformed);
                throw;
            }
        }
    }

    /// <summary>Receives and decodes the next supervisor-to-child response (the reference's <c>recv_response</c>).</summary>
    /// <returns>The response.</returns>
    /// <exception cref="SupervisorMessageFormatException">The frame is not a valid response; the frame is consumed and the stream stays in sync.</exception>
    /// <exception cref="SupervisorConnectionClosedException">The peer closed the connection.</exception>
    /// <exception cref="SupervisorTimeoutException">The <see cref="ReadTimeout"/> expired.</exception>
    /// <exception cref="SupervisorSocketException">A transport or protocol error.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public SupervisorResponse ReceiveResponse()
    {
        lock (_receiveLock)
        {
            ThrowIfDisposed();
            ReadOnlySpan<byte> payload = ReceiveBorrowedLocked("receive response");
            try
            {
                return SupervisorWireCodec.DecodeResponse(payload);
            }
            catch (SupervisorMessageFormatException malformed)
            {
                Instruments.ReceiveFailed(malformed);
                throw;
            }
        }
    }

    private static SupervisorSocketException TooLargeToSend(string operation) =>
        new($"{operation} failed: the encoded payload exceeds the {MaxPayloadLength}-byte frame limit; nothing was sent",
            SupervisorIpcError.TooLarge, 0, operation, path: null);
}
