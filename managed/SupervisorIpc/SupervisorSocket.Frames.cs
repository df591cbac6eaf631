using System;
using System.Buffers;
using System.Threading;
using System.Runtime.InteropServices;
using SupervisorIpc.Interop;

namespace SupervisorIpc;

public sealed partial class SupervisorSocket
{
    /// <summary>Largest payload a frame may carry: 65,536 bytes, as the protocol fixes it.</summary>
    public const int MaxPayloadLength = NativeMethods.MaxPayload;

    /// <summary>Sends one raw frame: the 4-byte big-endian length, then <paramref name="payload"/>.</summary>
    /// <param name="payload">The payload, at most <see cref="MaxPayloadLength"/> bytes (normally UTF-8 JSON).</param>
    /// <exception cref="SupervisorSocketException">
    /// <see cref="SupervisorIpcError.TooLarge"/> before anything is written, or a transport error. After a failure
    /// that wrote part of a frame every later send throws <see cref="SupervisorIpcError.Desynchronized"/>.
    /// </exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public void SendFrame(ReadOnlySpan<byte> payload)
    {
        lock (_sendLock)
        {
            ThrowIfDisposed();
            SendFrameLocked(payload, "send frame");
        }
    }

    /// <summary>Receives the next raw frame's payload into <paramref name="destination"/>.</summary>
    /// <param name="destination">Where the payload goes; <see cref="MaxPayloadLength"/> bytes always suffice.</param>
    /// <returns>The payload length.</returns>
    /// <exception cref="SupervisorBufferTooSmallException">The frame does not fit; it is kept for the next receive.</exception>
    /// <exception cref="SupervisorConnectionClosedException">The peer closed the connection.</exception>
    /// <exception cref="SupervisorTimeoutException">The <see cref="ReadTimeout"/> expired; a partial frame resumes on the next receive.</exception>
    /// <exception cref="SupervisorSocketException">The peer sent a length above the limit, broke the protocol, or the OS failed.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public unsafe int ReceiveFrame(Span<byte> destination)
    {
        lock (_receiveLock)
        {
            ThrowIfDisposed();
            uint length;
            SvipcStatus status;
            long deadline = 0;
            while (true)
            {
                fixed (byte* buffer = destination)
                {
                    status = NativeMethods.RecvFrame(_native, buffer, (uint)destination.Length, &length);
                }

                if (status != SvipcStatus.WouldBlock)
                {
                    break;
                }

                WaitForInputLocked(ref deadline, "receive frame");
            }

            if (status == SvipcStatus.BufferTooSmall)
            {
                ObjectDisposedException.ThrowIf(IsDisposed, this);
                throw new SupervisorBufferTooSmallException(
                    $"receive frame failed: the {length}-byte frame does not fit in {destination.Length} bytes; it is kept for the next receive",
                    (int)length,
                    "receive frame");
            }

            if (status != SvipcStatus.Ok)
            {
                ThrowReceiveFailure(status, NativeMethods.LastReceiveErrno(_native), "receive frame");
            }

            Instruments.FrameReceived((int)length);
            return (int)length;
        }
    }

    /// <summary>Receives the next raw frame's payload and appends it to <paramref name="destination"/>.</summary>
    /// <param name="destination">Receives the payload bytes.</param>
    /// <returns>The payload length.</returns>
    /// <exception cref="SupervisorConnectionClosedException">The peer closed the connection.</exception>
    /// <exception cref="SupervisorTimeoutException">The <see cref="ReadTimeout"/> expired.</exception>
    /// <exception cref="SupervisorSocketException">A transport or protocol error.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public int ReceiveFrame(IBufferWriter<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        lock (_receiveLock)
        {
            ThrowIfDisposed();
            // The caller's writer runs while the payload is borrowed from the native socket: should it dispose this
            // socket (the lock is reentrant), the reference keeps the native buffer alive until the copy is done.
            bool added = false;
            try
            {
                _handle.DangerousAddRef(ref added);
                ReadOnlySpan<byte> payload = ReceiveBorrowedLocked("receive frame");
                payload.CopyTo(destination.GetSpan(payload.Length));
                destination.Advance(payload.Length);
                return payload.Length;
            }
            finally
            {
                if (added)
                {
                    _handle.DangerousRelease();
                }
            }
        }
    }

    private void SendFrameLocked(ReadOnlySpan<byte> payload, string operation)
    {
        long deadline = 0;
        while (!TrySendFrameLocked(payload, operation))
        {
            WaitForOutputRoomLocked(ref deadline, operation);
        }

        if (_nonBlocking)
        {
            FlushLocked(ref deadline, operation);
        }
    }

    /// <summary>One native send; false when nothing was accepted (non-blocking mode only).</summary>
    private unsafe bool TrySendFrameLocked(ReadOnlySpan<byte> payload, string operation)
    {
        SvipcStatus status;
        fixed (byte* bytes = payload)
        {
            status = NativeMethods.SendFrame(_native, bytes, (uint)payload.Length);
        }

        if (status == SvipcStatus.WouldBlock)
        {
            return false;
        }

        if (status != SvipcStatus.Ok)
        {
            Throw(status, NativeMethods.LastSendErrno(_native), operation);
        }

        Instruments.FrameSent(payload.Length);
        return true;
    }

    /// <summary>A synchronous send that would block: wait for room, then write what an earlier send left pending.</summary>
    private void WaitForOutputRoomLocked(ref long deadline, string operation)
    {
        WaitSynchronously(NativeMethods.ReadyWritable, ref deadline, operation);
        SvipcStatus status = NativeMethods.Flush(_native);
        if (status is not (SvipcStatus.Ok or SvipcStatus.WouldBlock))
        {
            Throw(status, NativeMethods.LastSendErrno(_native), operation);
        }
    }

    /// <summary>Writes the rest of an accepted frame, waiting in poll(): a synchronous send returns with its frame written.</summary>
    private void FlushLocked(ref long deadline, string operation)
    {
        while (true)
        {
            SvipcStatus status = NativeMethods.Flush(_native);
            if (status == SvipcStatus.Ok)
            {
                return;
            }

            if (status != SvipcStatus.WouldBlock)
            {
                Throw(status, NativeMethods.LastSendErrno(_native), operation);
            }

            WaitSynchronously(NativeMethods.ReadyWritable, ref deadline, operation);
        }
    }

    /// <summary>A synchronous receive that would block (it has used what was buffered): poll() for more.</summary>
    private void WaitForInputLocked(ref long deadline, string operation) =>
        WaitSynchronously(NativeMethods.ReadyReadable, ref deadline, operation);

    /// <summary>Receives a frame into the native socket's own buffer; the span is valid until the next receive, so only under the receive lock.</summary>
    private ReadOnlySpan<byte> ReceiveBorrowedLocked(string operation)
    {
        long deadline = 0;
        ReadOnlySpan<byte> payload;
        while (!TryReceiveBorrowedLocked(operation, out payload))
        {
            WaitForInputLocked(ref deadline, operation);
        }

        return payload;
    }

    /// <summary>One native receive of a borrowed frame; false when it would block (non-blocking mode only; what arrived is kept).</summary>
    private unsafe bool TryReceiveBorrowedLocked(string operation, out ReadOnlySpan<byte> received)
    {
        byte* payload;
        uint length;
        SvipcStatus status = NativeMethods.RecvFrameBorrowed(_native, &payload, &length);
        if (status == SvipcStatus.WouldBlock)
        {
            received = default;
            return false;
        }

        if (status != SvipcStatus.Ok)
        {
            ThrowReceiveFailure(status, NativeMethods.LastReceiveErrno(_native), operation);
        }

        Instruments.FrameReceived(checked((int)length));
        received = new ReadOnlySpan<byte>(payload, checked((int)length));
        return true;
    }

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;
}
