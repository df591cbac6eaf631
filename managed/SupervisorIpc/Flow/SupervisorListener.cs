using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using SupervisorIpc.Interop;
using SupervisorIpc.Readiness;

namespace SupervisorIpc;

/// <summary>
/// The reference's <c>SupervisorListener</c>: a socket bound owner-only at a path for short-lived connections,
/// which authenticates each peer by its kernel-recorded uid against an allow-list and gives every accepted
/// connection a read timeout. Accept from a poll loop (<see cref="FileDescriptor"/> + <see cref="TryAccept"/>),
/// blocking (<see cref="Accept"/>) or asynchronously (<see cref="AcceptAsync"/>). Disposing unlinks the path.
/// </summary>
/// <remarks>
/// Accepts are serialized; <see cref="Dispose"/> may be called from any thread and ends a pending
/// <see cref="AcceptAsync"/> with <see cref="ObjectDisposedException"/>.
/// </remarks>
public sealed class SupervisorListener : IDisposable
{
    // How long one native accept blocks inside AcceptAsync before cancellation and disposal are checked again.

    private readonly SvipcListenerHandle _handle;
    private readonly object _acceptLock = new();
    private readonly object _asyncSetup = new();
    private ReadinessRegistration? _readiness;
    private SemaphoreSlim? _asyncAcceptGate;
    private int _disposed;

    private SupervisorListener(SvipcListenerHandle handle, string path)
    {
        _handle = handle;
        Path = path;
    }

    /// <summary>The path the listener is bound at.</summary>
    public string Path { get; }

    /// <summary>The listening descriptor, readable when a connection waits; for poll/select. Owned by the listener.</summary>
    /// <exception cref="ObjectDisposedException">The listener is disposed.</exception>
    public int FileDescriptor
    {
        get
        {
            ThrowIfDisposed();
            return NativeMethods.ListenerFd(_handle);
        }
    }

    private bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Binds a listener at <paramref name="path"/>: owner-only from creation; a stale socket file is replaced, a
    /// live socket or any other file is left alone.
    /// </summary>
    /// <param name="path">Absolute path of the socket file.</param>
    /// <param name="options">Allow-list and connection timeout; null for the defaults.</param>
    /// <returns>The listener.</returns>
    /// <exception cref="SupervisorSocketException">Binding failed (e.g. <see cref="SupervisorIpcError.AddressInUse"/>).</exception>
    /// <exception cref="ArgumentException">The allow-list is empty or has more than 64 entries.</exception>
    public static unsafe SupervisorListener Bind(string path, SupervisorListenerOptions? options = null)
    {
        SupervisorSocket.ValidatePath(path);
        options ??= new SupervisorListenerOptions();
        if (options.AllowedUids is { } uids && (uids.Count == 0 || uids.Count > NativeMethods.ListenerMaxAllowedUids))
        {
            throw new ArgumentException($"The allow-list must hold 1..{NativeMethods.ListenerMaxAllowedUids} uids.", nameof(options));
        }

        int timeout = SupervisorSocket.ToMilliseconds(options.ConnectionReadTimeout);
        SvipcStatus status = NativeMethods.ListenerBind(path, out SvipcListenerHandle handle);
        if (status != SvipcStatus.Ok)
        {
            int errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            throw SocketErrors.Create(status, errno, "bind listener", path);
        }

        try
        {
            if (options.AllowedUids is { } allowed)
            {
                uint[] copy = [.. allowed];
                fixed (uint* first = copy)
                {
                    Check(NativeMethods.ListenerSetAllowedUids(handle, first, (uint)copy.Length), "set allowed uids", path);
                }
            }

            Check(NativeMethods.ListenerSetConnectionTimeout(handle, timeout), "set connection timeout", path);
            return new SupervisorListener(handle, path);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Accepts a waiting connection without blocking, for use from a poll loop.</summary>
    /// <param name="connection">The accepted connection, with the listener's read timeout.</param>
    /// <returns>False when no connection is waiting.</returns>
    /// <exception cref="SupervisorPeerRejectedException">The waiting peer's uid is not allowed; its connection is closed.</exception>
    /// <exception cref="SupervisorSocketException">Accepting failed.</exception>
    /// <exception cref="ObjectDisposedException">The listener is disposed.</exception>
    public bool TryAccept([NotNullWhen(true)] out SupervisorSocket? connection)
    {
        connection = AcceptCore(0);
        return connection is not null;
    }

    /// <summary>Accepts one connection, blocking.</summary>
    /// <param name="timeout">How long to wait; null waits without limit.</param>
    /// <returns>The accepted connection, with the listener's read timeout.</returns>
    /// <exception cref="SupervisorTimeoutException">No connection arrived in time.</exception>
    /// <exception cref="SupervisorPeerRejectedException">The peer's uid is not allowed; its connection is closed.</exception>
    /// <exception cref="SupervisorSocketException">Accepting failed.</exception>
    /// <exception cref="ObjectDisposedException">The listener is disposed.</exception>
    public SupervisorSocket Accept(TimeSpan? timeout = null)
    {
        int milliseconds = SupervisorSocket.ToMilliseconds(timeout);
        return AcceptCore(milliseconds)
            ?? throw SocketErrors.Create(SvipcStatus.Timeout, 0, "accept", Path);
    }

    /// <summary>Accepts one connection without blocking the caller (the same signature as
    /// <see cref="UncheckedSupervisorListener.AcceptAsync"/>).</summary>
    /// <param name="timeout">How long to wait; null waits without limit.</param>
    /// <param name="cancellationToken">Stops waiting; the listener stays usable.</param>
    /// <returns>The accepted connection, with the listener's read timeout.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorTimeoutException">No connection arrived within <paramref name="timeout"/>; the listener stays usable.</exception>
    /// <exception cref="SupervisorPeerRejectedException">The peer's uid is not allowed; its connection is closed.</exception>
    /// <exception cref="SupervisorSocketException">Accepting failed.</exception>
    /// <exception cref="ObjectDisposedException">The listener is or was disposed while waiting.</exception>
    public Task<SupervisorSocket> AcceptAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        _ = SupervisorSocket.ToMilliseconds(timeout);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<SupervisorSocket>(cancellationToken);
        }

        return timeout is { } limit
            ? AcceptWithinAsync(limit, cancellationToken)
            : AcceptOnLoopAsync(EnterAsyncMode(), cancellationToken);
    }

    private async Task<SupervisorSocket> AcceptWithinAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var limited = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limited.CancelAfter(timeout);
        try
        {
            return await AcceptOnLoopAsync(EnterAsyncMode(), limited.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw SocketErrors.Create(SvipcStatus.Timeout, 0, "accept", Path);
        }
    }

    // Waits for a connection on the readiness loop (see ReadinessLoop); the first asynchronous accept switches the
    // listener to non-blocking mode, after which a synchronous Accept waits in poll() for its timeout.
    private async Task<SupervisorSocket> AcceptOnLoopAsync(ReadinessRegistration readiness, CancellationToken cancellationToken)
    {
        SemaphoreSlim gate = _asyncAcceptGate!;
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                long sequence = readiness.ReadSequence;
                if (AcceptCore(0) is { } connection)
                {
                    return connection;
                }

                switch (await readiness.WaitReadableAsync(sequence, NativeMethods.InfiniteTimeout, cancellationToken).ConfigureAwait(false))
                {
                    case ReadinessOutcome.Cancelled:
                        throw new OperationCanceledException(cancellationToken);
                    case ReadinessOutcome.Closed:
                        throw new ObjectDisposedException(GetType().FullName);
                }
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private ReadinessRegistration EnterAsyncMode()
    {
        lock (_asyncSetup)
        {
            ThrowIfDisposed();
            if (_readiness is null)
            {
                _asyncAcceptGate = new SemaphoreSlim(1, 1);
                Check(NativeMethods.ListenerSetNonblocking(_handle, 1), "enter non-blocking mode", Path);
                _readiness = ReadinessLoop.Shared.AddDescriptor(NativeMethods.ListenerFd(_handle));
            }

            return _readiness;
        }
    }

    /// <summary>Closes the listening socket and removes its file if it is still the one this listener created. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            ReadinessRegistration? readiness;
            lock (_asyncSetup)
            {
                readiness = _readiness;
            }

            if (readiness is not null)
            {
                // Off the loop before the descriptor is closed; ends a waiting AcceptAsync.
                ReadinessLoop.Shared.Remove(readiness);
            }

            // The SafeHandle frees the native listener only after a running accept has returned.
            _handle.Dispose();
        }
    }

    private unsafe SupervisorSocket? AcceptCore(int milliseconds)
    {
        ThrowIfDisposed();
        lock (_acceptLock)
        {
            ThrowIfDisposed();
            SvipcPeerCredentials peer;
            SvipcStatus status;
            SvipcSocketHandle connection;
            int errno;
            long deadline = SupervisorSocket.Deadline(milliseconds);
            while (true)
            {
                status = NativeMethods.ListenerAccept(_handle, milliseconds, out connection, &peer);
                errno = Marshal.GetLastPInvokeError();
                if (status != SvipcStatus.WouldBlock)
                {
                    break;
                }

                // Non-blocking since an asynchronous accept: nothing queued is a timeout for TryAccept, else poll() for the rest.
                connection.Dispose();
                int remaining = milliseconds == 0 ? 0 : SupervisorSocket.Remaining(deadline);
                if (remaining == 0 || NativeMethods.WaitReady(NativeMethods.ListenerFd(_handle), NativeMethods.ReadyReadable, remaining) == SvipcStatus.Timeout)
                {
                    return null;
                }
            }

            switch (status)
            {
                case SvipcStatus.Ok:
                    return SupervisorSocket.FromAcceptedHandle(connection);
                case SvipcStatus.Timeout:
                    connection.Dispose();
                    return null;
                case SvipcStatus.PeerRejected:
                    connection.Dispose();
                    var credentials = new PeerCredentials((uint)peer.Pid, peer.Uid, peer.Gid);
                    throw new SupervisorPeerRejectedException(
                        $"accept '{Path}': rejected a connection from pid {peer.Pid}, uid {peer.Uid}: that uid is not allowed",
                        credentials,
                        Path);
                default:
                    connection.Dispose();
                    ThrowIfDisposed();
                    throw SocketErrors.Create(status, errno, "accept", Path);
            }
        }
    }

    private static void Check(SvipcStatus status, string operation, string path)
    {
        if (status != SvipcStatus.Ok)
        {
            throw SocketErrors.Create(status, Marshal.GetLastPInvokeError(), operation, path);
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);
}
