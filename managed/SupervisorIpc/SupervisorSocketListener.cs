using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using SupervisorIpc.Interop;

namespace SupervisorIpc;

/// <summary>
/// A socket listening at a filesystem path (owner-only, mode 0600 from creation), made by
/// <see cref="SupervisorSocket.Bind"/>. Disposing it closes the listening descriptor and removes the socket
/// file if it is still the one this object created.
/// </summary>
/// <remarks>One thread at a time accepts; <see cref="Dispose"/> may be called from any thread and wakes a blocked accept.</remarks>
public sealed class SupervisorSocketListener : IDisposable
{
    private readonly SvipcSocketHandle _handle;
    private readonly object _acceptLock = new();
    private int _callsInFlight;
    private int _disposed;

    private SupervisorSocketListener(SvipcSocketHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    /// <summary>The path the listener is bound at.</summary>
    public string Path { get; }

    /// <summary>The listening descriptor, readable when a connection is waiting; still owned by the listener.</summary>
    /// <exception cref="ObjectDisposedException">The listener is disposed.</exception>
    public int FileDescriptor
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            return NativeMethods.Fd(_handle);
        }
    }

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>Accepts one connection.</summary>
    /// <param name="timeout">How long to wait; null waits without limit.</param>
    /// <returns>The connection (close-on-exec). It does not own the path.</returns>
    /// <exception cref="SupervisorTimeoutException">No connection arrived within <paramref name="timeout"/>.</exception>
    /// <exception cref="SupervisorSocketException">Accepting failed.</exception>
    /// <exception cref="ObjectDisposedException">The listener is disposed.</exception>
    public SupervisorSocket Accept(TimeSpan? timeout = null) =>
        SupervisorSocket.FromAcceptedHandle(AcceptHandle(timeout, CancellationToken.None));

    /// <summary>Accepts one connection on the thread pool.</summary>
    /// <param name="timeout">How long to wait; null waits without limit.</param>
    /// <param name="cancellationToken">Cancels the accept; the listener is then shut down and accepts nothing more.</param>
    /// <returns>The connection.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorTimeoutException">No connection arrived within <paramref name="timeout"/>.</exception>
    /// <exception cref="SupervisorSocketException">Accepting failed.</exception>
    public Task<SupervisorSocket> AcceptAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        _ = SupervisorSocket.ToMilliseconds(timeout);
        return Task.Run(() => SupervisorSocket.FromAcceptedHandle(AcceptHandle(timeout, cancellationToken)), cancellationToken);
    }

    /// <summary>Closes the listening descriptor and removes the socket file. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (Volatile.Read(ref _callsInFlight) > 0)
        {
            _ = NativeMethods.Shutdown(_handle);
        }

        _handle.Dispose();
    }

    internal static SupervisorSocketListener Bind(string path)
    {
        SupervisorSocket.ValidatePath(path);
        SvipcStatus status = NativeMethods.Bind(path, out SvipcSocketHandle listener);
        if (status != SvipcStatus.Ok)
        {
            int errno = Marshal.GetLastPInvokeError();
            listener.Dispose();
            throw SocketErrors.Create(status, errno, "bind", path);
        }

        return new SupervisorSocketListener(listener, path);
    }

    internal SvipcSocketHandle AcceptHandle(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        int milliseconds = SupervisorSocket.ToMilliseconds(timeout);
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref _callsInFlight);
        try
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            using CancellationTokenRegistration registration = cancellationToken.Register(
                static state => ((SupervisorSocketListener)state!).ShutdownForCancellation(), this);
            lock (_acceptLock)
            {
                SvipcStatus status = NativeMethods.Accept(_handle, milliseconds, out SvipcSocketHandle connection);
                if (status == SvipcStatus.Ok)
                {
                    return connection;
                }

                int errno = Marshal.GetLastPInvokeError();
                connection.Dispose();
                cancellationToken.ThrowIfCancellationRequested();
                ObjectDisposedException.ThrowIf(IsDisposed, this);
                throw SocketErrors.Create(status, errno, "accept", Path);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _callsInFlight);
        }
    }

    private void ShutdownForCancellation()
    {
        if (!IsDisposed)
        {
            _ = NativeMethods.Shutdown(_handle);
        }
    }
}
