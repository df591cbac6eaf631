using System;
using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using SupervisorIpc.Interop;
using SupervisorIpc.Readiness;

namespace SupervisorIpc;

// Asynchronous calls wait for readiness on the process's readiness loop (see SupervisorSocket.NonBlocking.cs and
// ReadinessLoop): no thread is held while nothing has arrived. Each attempt is one non-blocking native call under
// the direction lock; between attempts the call holds neither a thread nor the lock. Cancellation and the
// ReadTimeout/SendTimeout end the wait, never the connection: a receive keeps what part of a frame arrived for
// the next receive, and a send either had nothing of its frame accepted or leaves the accepted rest to the next
// send on the socket (which writes it before its own frame).
public sealed partial class SupervisorSocket
{
    private delegate bool ReceiveAttempt<T>(SupervisorSocket socket, object? state, out T result);

    /// <summary>Accepts one connection at <paramref name="path"/> without blocking a thread; see <see cref="BindAndAccept"/>.</summary>
    /// <param name="path">Absolute path of the socket file.</param>
    /// <param name="timeout">How long to wait for the child; null waits without limit.</param>
    /// <param name="cancellationToken">Cancels the wait; the path is then removed.</param>
    /// <returns>The accepted connection.</returns>
    /// <exception cref="SupervisorSocketException">Binding failed.</exception>
    /// <exception cref="SupervisorTimeoutException">No child connected within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<SupervisorSocket> BindAndAcceptAsync(string path, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ValidatePath(path);
        _ = ToMilliseconds(timeout);
        cancellationToken.ThrowIfCancellationRequested();
        UncheckedSupervisorListener listener = UncheckedSupervisorListener.Bind(path);
        try
        {
            SvipcSocketHandle connection = await listener.AcceptHandleAsync(timeout, cancellationToken).ConfigureAwait(false);
            // The connection owns the listener so that the socket file lives as long as the connection, as in the reference.
            return new SupervisorSocket(connection, listener);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>Receives the next message, waiting for it on the readiness loop.</summary>
    /// <param name="cancellationToken">Ends the wait; the connection stays usable and part of a frame that arrived is kept.</param>
    /// <returns>The message.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">As <see cref="ReceiveMessage"/>.</exception>
    public ValueTask<SupervisorMessage> ReceiveMessageAsync(CancellationToken cancellationToken = default) =>
        ReceiveAsyncCore<SupervisorMessage>(
            static (SupervisorSocket socket, object? _, out SupervisorMessage message) => socket.TryReceiveMessageLocked(out message),
            null,
            "receive message",
            cancellationToken);

    /// <summary>Receives the next response, waiting for it on the readiness loop.</summary>
    /// <param name="cancellationToken">Ends the wait; the connection stays usable and part of a frame that arrived is kept.</param>
    /// <returns>The response.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">As <see cref="ReceiveResponse"/>.</exception>
    public ValueTask<SupervisorResponse> ReceiveResponseAsync(CancellationToken cancellationToken = default) =>
        ReceiveAsyncCore<SupervisorResponse>(
            static (SupervisorSocket socket, object? _, out SupervisorResponse response) => socket.TryReceiveResponseLocked(out response),
            null,
            "receive response",
            cancellationToken);

    /// <summary>Receives the next raw frame into <paramref name="destination"/>, waiting for it on the readiness loop.</summary>
    /// <param name="destination">Receives the payload bytes.</param>
    /// <param name="cancellationToken">Ends the wait; the connection stays usable and part of a frame that arrived is kept.</param>
    /// <returns>The payload length.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">As <see cref="ReceiveFrame(IBufferWriter{byte})"/>.</exception>
    public ValueTask<int> ReceiveFrameAsync(IBufferWriter<byte> destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return ReceiveAsyncCore<int>(
            static (SupervisorSocket socket, object? state, out int length) => socket.TryReceiveFrameLocked((IBufferWriter<byte>)state!, out length),
            destination,
            "receive frame",
            cancellationToken);
    }

    /// <summary>Receives one descriptor, waiting for it on the readiness loop.</summary>
    /// <param name="cancellationToken">Ends the wait; the connection stays usable.</param>
    /// <returns>The received descriptor, owned by the caller.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">As <see cref="ReceiveFileDescriptor"/>.</exception>
    public ValueTask<SafeFileHandle> ReceiveFileDescriptorAsync(CancellationToken cancellationToken = default) =>
        ReceiveAsyncCore<SafeFileHandle>(
            static (SupervisorSocket socket, object? _, out SafeFileHandle handle) => socket.TryReceiveDescriptorLocked(out handle),
            null,
            "receive descriptor",
            cancellationToken);

    /// <summary>Sends a message, waiting for room on the readiness loop when the peer is not reading.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Ends the wait; see <see cref="SendFrameAsync"/> for what a cancelled send leaves.</param>
    /// <returns>Completes when the frame is written; await it once.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">As <see cref="SendMessage"/>.</exception>
    public ValueTask SendMessageAsync(SupervisorMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ThrowIfDisposed();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxPayloadLength);
        if (!SupervisorWireCodec.TryEncode(message, buffer, out int length))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return ValueTask.FromException(TooLargeToSend("send message"));
        }

        return SendPooledAsync(buffer, length, "send message", cancellationToken);
    }

    /// <summary>Sends a response, waiting for room on the readiness loop when the peer is not reading.</summary>
    /// <param name="response">The response.</param>
    /// <param name="cancellationToken">Ends the wait; see <see cref="SendFrameAsync"/> for what a cancelled send leaves.</param>
    /// <returns>Completes when the frame is written; await it once.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">As <see cref="SendResponse"/>.</exception>
    public ValueTask SendResponseAsync(SupervisorResponse response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        ThrowIfDisposed();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        byte[] buffer = ArrayPool<byte>.Shared.Rent(MaxPayloadLength);
        if (!SupervisorWireCodec.TryEncode(response, buffer, out int length))
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return ValueTask.FromException(TooLargeToSend("send response"));
        }

        return SendPooledAsync(buffer, length, "send response", cancellationToken);
    }

    /// <summary>
    /// Sends a raw frame, waiting for room on the readiness loop when the peer is not reading. A cancelled or timed-out
    /// send either had nothing of its frame accepted (the connection is as before) or had it accepted and written in
    /// part: the socket keeps the rest and the next send writes it before its own frame, so no frame is ever cut.
    /// </summary>
    /// <param name="payload">The payload, at most <see cref="MaxPayloadLength"/> bytes; must not change until the task completes.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>Completes when the frame is written; await it once.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">As <see cref="SendFrame"/>.</exception>
    public ValueTask SendFrameAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        SendAsyncCore(payload, descriptor: null, "send frame", cancellationToken);

    /// <summary>Sends a descriptor, waiting for room on the readiness loop when the peer is not reading.</summary>
    /// <param name="handle">The descriptor to send; stays the caller's and must stay open until the task completes.</param>
    /// <param name="cancellationToken">Ends the wait; a cancelled descriptor send sent nothing.</param>
    /// <returns>Completes when the descriptor is sent; await it once.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">As <see cref="SendFileDescriptor"/>.</exception>
    public ValueTask SendFileDescriptorAsync(SafeHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        if (handle.IsInvalid)
        {
            throw new ArgumentException("The handle does not hold a descriptor.", nameof(handle));
        }

        return SendAsyncCore(ReadOnlyMemory<byte>.Empty, handle, "send descriptor", cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendPooledAsync(byte[] buffer, int length, string operation, CancellationToken cancellationToken)
    {
        try
        {
            // The socket copies whatever rest of an accepted frame it keeps, so the buffer is free once this returns.
            await SendAsyncCore(buffer.AsMemory(0, length), descriptor: null, operation, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private ValueTask<T> ReceiveAsyncCore<T>(ReceiveAttempt<T> attempt, object? state, string operation, CancellationToken cancellationToken)
    {
        // Disposal is reported by the call, cancellation before the start by the task, as before.
        ThrowIfDisposed();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T>(cancellationToken);
        }

        return ReceiveOnLoopAsync(EnterAsyncMode(), attempt, state, operation, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<T> ReceiveOnLoopAsync<T>(ReadinessRegistration readiness, ReceiveAttempt<T> attempt, object? state, string operation, CancellationToken cancellationToken)
    {
        SemaphoreSlim gate = _asyncReceiveGate!;
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long deadline = 0;
            while (true)
            {
                long sequence = readiness.ReadSequence;
                lock (_receiveLock)
                {
                    ThrowIfDisposed();
                    // A receive that would block has used what was buffered and needs the socket: wait for it.
                    if (attempt(this, state, out T result))
                    {
                        return result;
                    }
                }

                if (deadline == 0)
                {
                    deadline = Deadline(ReadTimeoutMilliseconds());
                }

                ThrowUnlessReady(
                    await readiness.WaitReadableAsync(sequence, RemainingOrTimeout(deadline, operation), cancellationToken).ConfigureAwait(false),
                    operation,
                    cancellationToken);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private ValueTask SendAsyncCore(ReadOnlyMemory<byte> payload, SafeHandle? descriptor, string operation, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled(cancellationToken);
        }

        return SendOnLoopAsync(EnterAsyncMode(), payload, descriptor, operation, cancellationToken);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private async ValueTask SendOnLoopAsync(ReadinessRegistration readiness, ReadOnlyMemory<byte> payload, SafeHandle? descriptor, string operation, CancellationToken cancellationToken)
    {
        SemaphoreSlim gate = _asyncSendGate!;
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        bool added = false;
        try
        {
            descriptor?.DangerousAddRef(ref added);
            bool accepted = false;
            long deadline = 0;
            while (true)
            {
                long sequence = readiness.WriteSequence;
                lock (_sendLock)
                {
                    ThrowIfDisposed();
                    if (TrySendLocked(payload.Span, descriptor, operation, ref accepted))
                    {
                        return;
                    }
                }

                if (deadline == 0)
                {
                    deadline = Deadline(SendTimeoutMilliseconds());
                }

                ThrowUnlessReady(
                    await readiness.WaitWritableAsync(sequence, RemainingOrTimeout(deadline, operation), cancellationToken).ConfigureAwait(false),
                    operation,
                    cancellationToken);
            }
        }
        finally
        {
            if (added)
            {
                descriptor!.DangerousRelease();
            }

            gate.Release();
        }
    }

    /// <summary>
    /// One step of an asynchronous send: write what an earlier send left pending, then (once) this frame or
    /// descriptor, then the rest of this frame. True when all of it is written; false when the socket is full.
    /// </summary>
    private bool TrySendLocked(ReadOnlySpan<byte> payload, SafeHandle? descriptor, string operation, ref bool accepted)
    {
        SvipcStatus status = NativeMethods.Flush(_native);
        if (status == SvipcStatus.WouldBlock)
        {
            return false;
        }

        if (status != SvipcStatus.Ok)
        {
            Throw(status, NativeMethods.LastSendErrno(_native), operation);
        }

        if (accepted)
        {
            return true;
        }

        accepted = descriptor is null
            ? TrySendFrameLocked(payload, operation)
            : TrySendDescriptorLocked(checked((int)descriptor.DangerousGetHandle()));
        if (!accepted)
        {
            return false;
        }

        // Accepted: written whole, or the socket keeps the rest (then the next step flushes it).
        return NativeMethods.HasPendingOutput(_native) == 0;
    }

    private bool TryReceiveMessageLocked(out SupervisorMessage message)
    {
        if (!TryReceiveBorrowedLocked("receive message", out ReadOnlySpan<byte> payload))
        {
            message = null!;
            return false;
        }

        try
        {
            message = SupervisorWireCodec.DecodeMessage(payload);
            return true;
        }
        catch (SupervisorMessageFormatException malformed)
        {
            Instruments.ReceiveFailed(malformed);
            throw;
        }
    }

    private bool TryReceiveResponseLocked(out SupervisorResponse response)
    {
        if (!TryReceiveBorrowedLocked("receive response", out ReadOnlySpan<byte> payload))
        {
            response = null!;
            return false;
        }

        try
        {
            response = SupervisorWireCodec.DecodeResponse(payload);
            return true;
        }
        catch (SupervisorMessageFormatException malformed)
        {
            Instruments.ReceiveFailed(malformed);
            throw;
        }
    }

    private bool TryReceiveFrameLocked(IBufferWriter<byte> destination, out int length)
    {
        // As in ReceiveFrame(IBufferWriter): the reference keeps the native buffer alive while the writer copies.
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            if (!TryReceiveBorrowedLocked("receive frame", out ReadOnlySpan<byte> payload))
            {
                length = 0;
                return false;
            }

            payload.CopyTo(destination.GetSpan(payload.Length));
            destination.Advance(payload.Length);
            length = payload.Length;
            return true;
        }
        finally
        {
            if (added)
            {
                _handle.DangerousRelease();
            }
        }
    }

    private unsafe bool TryReceiveDescriptorLocked(out SafeFileHandle handle)
    {
        int fd;
        SvipcStatus status = NativeMethods.RecvFd(_native, &fd);
        if (status == SvipcStatus.Ok)
        {
            handle = new SafeFileHandle(fd, ownsHandle: true);
            return true;
        }

        handle = null!;
        if (status == SvipcStatus.WouldBlock)
        {
            return false;
        }

        ThrowReceiveFailure(status, NativeMethods.LastReceiveErrno(_native), "receive descriptor");
        return false;
    }

    /// <summary>The time left until <paramref name="deadline"/>; throws the timeout when none is.</summary>
    private int RemainingOrTimeout(long deadline, string operation)
    {
        int remaining = Remaining(deadline);
        if (remaining == 0)
        {
            Throw(SvipcStatus.Timeout, 0, operation);
        }

        return remaining;
    }

    /// <summary>
    /// What a wait on the loop ended with, as the operation's outcome. Not an async method of its own around the
    /// wait: its pooled box would complete on a loop thread and race with the awaiting method's registration, and
    /// the loser of that race is queued to the thread pool (which a process served by the loop need not start).
    /// </summary>
    private void ThrowUnlessReady(ReadinessOutcome outcome, string operation, CancellationToken cancellationToken)
    {
        switch (outcome)
        {
            case ReadinessOutcome.Ready:
                return;
            case ReadinessOutcome.TimedOut:
                Throw(SvipcStatus.Timeout, 0, operation);
                break;
            case ReadinessOutcome.Cancelled:
                throw new OperationCanceledException(cancellationToken);
            default:
                throw new ObjectDisposedException(GetType().FullName);
        }
    }
}
