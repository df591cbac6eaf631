using System;
using System.Buffers;
using System.Threading;
using System.Threading.Tasks;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SupervisorIpc.Interop;

namespace SupervisorIpc;

// Asynchronous variants run the blocking call on the thread pool. Cancellation shuts the connection down
// (both directions, as Shutdown does) to wake the blocked call: the task is then cancelled
// (OperationCanceledException) and the socket is unusable afterwards, like a cancelled NetworkStream read.
// A token cancelled before the call starts cancels the task without touching the connection.
// Use ReadTimeout instead when the connection must survive a wait that ends without data.
public sealed partial class SupervisorSocket
{
    /// <summary>Accepts one connection at <paramref name="path"/> without blocking the caller; see <see cref="BindAndAccept"/>.</summary>
    /// <param name="path">Absolute path of the socket file.</param>
    /// <param name="timeout">How long to wait for the child; null waits without limit.</param>
    /// <param name="cancellationToken">Cancels the wait; the path is then removed.</param>
    /// <returns>The accepted connection.</returns>
    /// <exception cref="SupervisorSocketException">Binding failed.</exception>
    /// <exception cref="SupervisorTimeoutException">No child connected within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static Task<SupervisorSocket> BindAndAcceptAsync(string path, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ValidatePath(path);
        _ = ToMilliseconds(timeout);
        return Task.Run(() => BindAndAccept(path, timeout, cancellationToken), cancellationToken);
    }

    /// <summary>Receives the next message on the thread pool; cancellation shuts the connection down.</summary>
    /// <param name="cancellationToken">Cancels the receive and shuts the connection down.</param>
    /// <returns>The message.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">As <see cref="ReceiveMessage"/>.</exception>
    public Task<SupervisorMessage> ReceiveMessageAsync(CancellationToken cancellationToken = default) =>
        RunBlockingAsync(static socket => socket.ReceiveMessage(), cancellationToken);

    /// <summary>Receives the next response on the thread pool; cancellation shuts the connection down.</summary>
    /// <param name="cancellationToken">Cancels the receive and shuts the connection down.</param>
    /// <returns>The response.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">As <see cref="ReceiveResponse"/>.</exception>
    public Task<SupervisorResponse> ReceiveResponseAsync(CancellationToken cancellationToken = default) =>
        RunBlockingAsync(static socket => socket.ReceiveResponse(), cancellationToken);

    /// <summary>Receives the next raw frame into <paramref name="destination"/> on the thread pool; cancellation shuts the connection down.</summary>
    /// <param name="destination">Receives the payload bytes.</param>
    /// <param name="cancellationToken">Cancels the receive and shuts the connection down.</param>
    /// <returns>The payload length.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">As <see cref="ReceiveFrame(IBufferWriter{byte})"/>.</exception>
    public Task<int> ReceiveFrameAsync(IBufferWriter<byte> destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        return RunBlockingAsync(socket => socket.ReceiveFrame(destination), cancellationToken);
    }

    /// <summary>Receives one descriptor on the thread pool; cancellation shuts the connection down.</summary>
    /// <param name="cancellationToken">Cancels the receive and shuts the connection down.</param>
    /// <returns>The received descriptor, owned by the caller.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">As <see cref="ReceiveFileDescriptor"/>.</exception>
    public Task<SafeFileHandle> ReceiveFileDescriptorAsync(CancellationToken cancellationToken = default) =>
        RunBlockingAsync(static socket => socket.ReceiveFileDescriptor(), cancellationToken);

    /// <summary>Sends a message on the thread pool; cancellation while the send blocks (peer not reading) shuts the connection down.</summary>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the send and shuts the connection down.</param>
    /// <returns>A task that completes when the frame is written.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">As <see cref="SendMessage"/>.</exception>
    public Task SendMessageAsync(SupervisorMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return RunBlockingAsync(socket => socket.SendMessage(message), cancellationToken);
    }

    /// <summary>Sends a response on the thread pool; cancellation while the send blocks (peer not reading) shuts the connection down.</summary>
    /// <param name="response">The response.</param>
    /// <param name="cancellationToken">Cancels the send and shuts the connection down.</param>
    /// <returns>A task that completes when the frame is written.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">As <see cref="SendResponse"/>.</exception>
    public Task SendResponseAsync(SupervisorResponse response, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(response);
        return RunBlockingAsync(socket => socket.SendResponse(response), cancellationToken);
    }

    /// <summary>Sends a raw frame on the thread pool; cancellation while the send blocks shuts the connection down.</summary>
    /// <param name="payload">The payload, at most <see cref="MaxPayloadLength"/> bytes; must not change until the task completes.</param>
    /// <param name="cancellationToken">Cancels the send and shuts the connection down.</param>
    /// <returns>A task that completes when the frame is written.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">As <see cref="SendFrame"/>.</exception>
    public Task SendFrameAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken = default) =>
        RunBlockingAsync(socket => socket.SendFrame(payload.Span), cancellationToken);

    /// <summary>Sends a descriptor on the thread pool; cancellation while the send blocks shuts the connection down.</summary>
    /// <param name="handle">The descriptor to send; stays the caller's and must stay open until the task completes.</param>
    /// <param name="cancellationToken">Cancels the send and shuts the connection down.</param>
    /// <returns>A task that completes when the descriptor is sent.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">As <see cref="SendFileDescriptor"/>.</exception>
    public Task SendFileDescriptorAsync(SafeHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        return RunBlockingAsync(socket => socket.SendFileDescriptor(handle), cancellationToken);
    }

    private Task RunBlockingAsync(Action<SupervisorSocket> operation, CancellationToken cancellationToken) =>
        RunBlockingAsync(
            socket =>
            {
                operation(socket);
                return true;
            },
            cancellationToken);

    private Task<T> RunBlockingAsync<T>(Func<SupervisorSocket, T> operation, CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<T>(cancellationToken);
        }

        return Task.Run(
            () =>
            {
                using CancellationTokenRegistration registration = cancellationToken.Register(
                    static state => ((SupervisorSocket)state!).ShutdownForCancellation(), this);
                try
                {
                    return operation(this);
                }
                catch (SupervisorSocketException) when (cancellationToken.IsCancellationRequested)
                {
                    throw new OperationCanceledException("The operation was cancelled; the connection is shut down.", cancellationToken);
                }
            },
            cancellationToken);
    }

    private void ShutdownForCancellation()
    {
        if (!IsDisposed)
        {
            // A failure here only means there is nothing left to wake.
            _ = NativeMethods.Shutdown(_handle);
        }
    }
}
