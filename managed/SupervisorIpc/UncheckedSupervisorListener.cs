using System;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using SupervisorIpc.Interop;
using SupervisorIpc.Readiness;

namespace SupervisorIpc;

/// <summary>
/// A socket listening at a filesystem path (owner-only, mode 0600 from creation), made by
/// <see cref="SupervisorSocket.Bind"/>: the reference's <c>SupervisorSocket::bind</c>, for the supervised child's
/// own connection. Unlike <see cref="SupervisorListener"/> it checks nothing about a peer (no uid allow-list)
/// and gives accepted connections no read timeout: only the socket file's mode keeps others out. Disposing it
/// closes the listening descriptor and removes the socket file if it is still the one this object created.
/// </summary>
/// <remarks>One thread at a time accepts; <see cref="Dispose"/> may be called from any thread and wakes a blocked accept.</remarks>
public sealed class UncheckedSupervisorListener : IDisposable
{
    private readonly SvipcSocketHandle _handle;
    private readonly object _acceptLock = new();
    private readonly object _asyncSetup = new();
    private ReadinessRegistration? _readiness;
    private SemaphoreSlim? _asyncAcceptGate;
    private int _callsInFlight;
    private int _disposed;

    private UncheckedSupervisorListener(SvipcSocketHandle handle, string path)
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

    /// <summary>Accepts one connection, waiting for it on the readiness loop without holding a thread (the same
    /// signature as <see cref="SupervisorListener.AcceptAsync"/>).</summary>
    /// <param name="timeout">How long to wait; null waits without limit.</param>
    /// <param name="cancellationToken">Ends the wait; the listener stays usable and a connection that arrives later waits for the next accept.</param>
    /// <returns>The connection.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorTimeoutException">No connection arrived within <paramref name="timeout"/>.</exception>
    /// <exception cref="SupervisorSocketException">Accepting failed.</exception>
    public Task<SupervisorSocket> AcceptAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        _ = SupervisorSocket.ToMilliseconds(timeout);
        return AcceptConnectionAsync(timeout, cancellationToken);
    }

    private async Task<SupervisorSocket> AcceptConnectionAsync(TimeSpan? timeout, CancellationToken cancellationToken) =>
        SupervisorSocket.FromAcceptedHandle(await AcceptHandleAsync(timeout, cancellationToken).ConfigureAwait(false));

    /// <summary>Closes the listening descriptor and removes the socket file. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        LeaveReadinessLoop();
        if (Volatile.Read(ref _callsInFlight) > 0)
        {
            _ = NativeMethods.Shutdown(_handle);
        }

        _handle.Dispose();
    }

    internal static UncheckedSupervisorListener Bind(string path)
    {
        SupervisorSocket.ValidatePath(path);
        SvipcStatus status = NativeMethods.Bind(path, out SvipcSocketHandle listener);
        if (status != SvipcStatus.Ok)
        {
            int errno = Marshal.GetLastPInvokeError();
            listener.Dispose();
            throw SocketErrors.Create(status, errno, "bind", path);
        }

        return new UncheckedSupervisorListener(listener, path);
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
                static state => ((UncheckedSupervisorListener)state!).ShutdownForCancellation(), this);
            lock (_acceptLock)
            {
                SvipcStatus status;
                SvipcSocketHandle connection;
                long deadline = SupervisorSocket.Deadline(milliseconds);
                while ((status = NativeMethods.Accept(_handle, milliseconds, out connection)) == SvipcStatus.WouldBlock)
                {
                    // Non-blocking since an asynchronous accept: wait in poll() for the rest of this call's timeout.
                    connection.Dispose();
                    int remaining = SupervisorSocket.Remaining(deadline);
                    status = remaining == 0 ? SvipcStatus.Timeout : NativeMethods.WaitReady(NativeMethods.Fd(_handle), NativeMethods.ReadyReadable, remaining);
                    if (status != SvipcStatus.Ok)
                    {
                        connection = new SvipcSocketHandle();
                        break;
                    }
                }

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

    internal async Task<SvipcSocketHandle> AcceptHandleAsync(TimeSpan? timeout, CancellationToken cancellationToken)
    {
        long deadline = SupervisorSocket.Deadline(SupervisorSocket.ToMilliseconds(timeout));
        cancellationToken.ThrowIfCancellationRequested();
        ReadinessRegistration readiness = EnterAsyncMode();
        await _asyncAcceptGate!.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                long sequence = readiness.ReadSequence;
                lock (_acceptLock)
                {
                    ObjectDisposedException.ThrowIf(IsDisposed, this);
                    SvipcStatus status = NativeMethods.Accept(_handle, 0, out SvipcSocketHandle connection);
                    if (status == SvipcStatus.Ok)
                    {
                        return connection;
                    }

                    int errno = Marshal.GetLastPInvokeError();
                    connection.Dispose();
                    if (status != SvipcStatus.WouldBlock)
                    {
                        ObjectDisposedException.ThrowIf(IsDisposed, this);
                        throw SocketErrors.Create(status, errno, "accept", Path);
                    }
                }

                int remaining = SupervisorSocket.Remaining(deadline);
                ReadinessOutcome outcome = remaining == 0
                    ? ReadinessOutcome.TimedOut
                    : await readiness.WaitReadableAsync(sequence, remaining, cancellationToken).ConfigureAwait(false);
                switch (outcome)
                {
                    case ReadinessOutcome.TimedOut:
                        throw SocketErrors.Create(SvipcStatus.Timeout, 0, "accept", Path);
                    case ReadinessOutcome.Cancelled:
                        throw new OperationCanceledException(cancellationToken);
                    case ReadinessOutcome.Closed:
                        throw new ObjectDisposedException(GetType().FullName);
                }
            }
        }
        finally
        {
            _asyncAcceptGate.Release();
        }
    }

    /// <summary>Switches the listener to non-blocking mode and joins the readiness loop, once (as SupervisorSocket does).</summary>
    private ReadinessRegistration EnterAsyncMode()
    {
        lock (_asyncSetup)
        {
            ObjectDisposedException.ThrowIf(IsDisposed, this);
            if (_readiness is null)
            {
                _asyncAcceptGate = new SemaphoreSlim(1, 1);
                SvipcStatus status = NativeMethods.SetNonblocking(_handle, 1);
                if (status != SvipcStatus.Ok)
                {
                    throw SocketErrors.Create(status, Marshal.GetLastPInvokeError(), "enter non-blocking mode", Path);
                }

                _readiness = ReadinessLoop.Shared.AddDescriptor(NativeMethods.Fd(_handle));
            }

            return _readiness;
        }
    }

    private void LeaveReadinessLoop()
    {
        ReadinessRegistration? readiness;
        lock (_asyncSetup)
        {
            readiness = _readiness;
        }

        if (readiness is not null)
        {
            ReadinessLoop.Shared.Remove(readiness);
        }
    }
}
