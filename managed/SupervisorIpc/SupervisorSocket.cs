using System;
using System.Diagnostics.CodeAnalysis;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Threading;
using SupervisorIpc.Interop;

namespace SupervisorIpc;

/// <summary>
/// One end of a supervisor IPC connection: length-prefixed JSON frames and file descriptors over a Unix
/// stream socket, wire-compatible with nono's <c>SupervisorSocket</c>.
/// </summary>
/// <remarks>
/// <para>
/// Thread safety: one sending call and one receiving call may run at the same time (full duplex). Concurrent
/// senders are serialized by a send lock, so frames and descriptors are never interleaved; concurrent receivers
/// are serialized by a receive lock. Property getters and setters may be used from any thread.
/// </para>
/// <para>
/// <see cref="Dispose"/> may be called from any thread: calls blocked in other threads are woken (they throw
/// <see cref="ObjectDisposedException"/>), and Dispose returns once every call has let go of the native socket,
/// which is then released.
/// A socket bound at a path removes its socket file when disposed.
/// </para>
/// </remarks>
public sealed partial class SupervisorSocket : IDisposable
{
    private readonly SvipcSocketHandle _handle;

    // The same native socket without the SafeHandle's reference count, for the per-frame calls (whose errno comes
    // from the library's per-direction copy instead of SetLastError). Only ever used by a call holding a direction
    // lock after it has checked for disposal: Dispose does not release the handle before every such call has left
    // its lock (see WaitForCallsToLeave).
    private readonly nint _native;
    private readonly UncheckedSupervisorListener? _ownedListener;

    // A call holds its direction's lock from before it checks for disposal until it is done with the native
    // socket, including the receive buffer a borrowed frame points into. Dispose relies on that (see Dispose).
#if NET9_0_OR_GREATER
    private readonly Lock _sendLock = new();
    private readonly Lock _receiveLock = new();
#else
    private readonly object _sendLock = new();
    private readonly object _receiveLock = new();
#endif
    private int _disposed;
    private bool _waitsForDataInPoll;

    private SupervisorSocket(SvipcSocketHandle handle, UncheckedSupervisorListener? ownedListener = null)
    {
        _handle = handle;
        _native = handle.DangerousGetHandle();
        _ownedListener = ownedListener;
    }

    /// <summary>
    /// Creates a connected pair before starting a child: the supervisor keeps the first end and the child
    /// inherits the second (see <see cref="FileDescriptor"/>). Both descriptors are close-on-exec; clear the flag
    /// (or <c>dup2</c>) only on the child's copy when spawning.
    /// </summary>
    /// <returns>The supervisor's end and the child's end.</returns>
    /// <exception cref="SupervisorSocketException">The socket pair could not be created.</exception>
    public static (SupervisorSocket SupervisorEnd, SupervisorSocket ChildEnd) CreatePair()
    {
        SvipcStatus status = NativeMethods.Pair(out SvipcSocketHandle supervisorEnd, out SvipcSocketHandle childEnd);
        if (status != SvipcStatus.Ok)
        {
            int errno = Marshal.GetLastPInvokeError();
            supervisorEnd.Dispose();
            childEnd.Dispose();
            throw SocketErrors.Create(status, errno, "create pair");
        }

        return (new SupervisorSocket(supervisorEnd), new SupervisorSocket(childEnd));
    }

    /// <summary>
    /// The reference's <c>bind</c>: binds an owner-only socket at <paramref name="path"/>, accepts exactly one
    /// connection and returns it. The socket file is removed when the returned socket is disposed.
    /// </summary>
    /// <param name="path">Absolute path of the socket file. A stale socket file is replaced; a live socket or any other file is never touched.</param>
    /// <param name="timeout">How long to wait for the child; null waits without limit.</param>
    /// <param name="cancellationToken">Cancels the wait; the path is then removed.</param>
    /// <returns>The accepted connection.</returns>
    /// <exception cref="SupervisorSocketException">Binding failed (e.g. <see cref="SupervisorIpcError.AddressInUse"/>).</exception>
    /// <exception cref="SupervisorTimeoutException">No child connected within <paramref name="timeout"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static SupervisorSocket BindAndAccept(string path, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        UncheckedSupervisorListener listener = UncheckedSupervisorListener.Bind(path);
        try
        {
            SvipcSocketHandle connection = listener.AcceptHandle(timeout, cancellationToken);
            // The connection owns the listener so that the socket file lives as long as the connection, as in the reference.
            return new SupervisorSocket(connection, listener);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
    }

    /// <summary>Binds a listening socket at <paramref name="path"/> for <see cref="UncheckedSupervisorListener.Accept"/>.</summary>
    /// <param name="path">Absolute path of the socket file.</param>
    /// <returns>The listener; disposing it removes the socket file.</returns>
    /// <exception cref="SupervisorSocketException">Binding failed.</exception>
    public static UncheckedSupervisorListener Bind(string path) => UncheckedSupervisorListener.Bind(path);

    /// <summary>Connects to a supervisor bound at <paramref name="path"/>.</summary>
    /// <param name="path">Path of the socket file.</param>
    /// <returns>The connection (close-on-exec).</returns>
    /// <exception cref="SupervisorSocketException">Connecting failed (errno tells why, e.g. ENOENT or ECONNREFUSED).</exception>
    public static SupervisorSocket Connect(string path)
    {
        ValidatePath(path);
        SvipcStatus status = NativeMethods.Connect(path, out SvipcSocketHandle connection);
        if (status != SvipcStatus.Ok)
        {
            int errno = Marshal.GetLastPInvokeError();
            connection.Dispose();
            throw SocketErrors.Create(status, errno, "connect", path);
        }

        return new SupervisorSocket(connection);
    }

    /// <summary>
    /// Wraps a connected Unix stream socket descriptor, e.g. one inherited across exec, and takes ownership of it
    /// (it is marked close-on-exec). On failure the descriptor stays open and owned by the caller.
    /// </summary>
    /// <param name="fileDescriptor">The descriptor.</param>
    /// <returns>The connection.</returns>
    /// <exception cref="SupervisorSocketException">The descriptor is not a connected Unix stream socket (<see cref="SupervisorIpcError.InvalidArgument"/>).</exception>
    public static SupervisorSocket FromFileDescriptor(int fileDescriptor)
    {
        SvipcStatus status = NativeMethods.FromFd(fileDescriptor, out SvipcSocketHandle connection);
        if (status != SvipcStatus.Ok)
        {
            int errno = Marshal.GetLastPInvokeError();
            connection.Dispose();
            throw SocketErrors.Create(status, errno, $"wrap descriptor {fileDescriptor}");
        }

        return new SupervisorSocket(connection);
    }

    /// <summary>Wraps a close-on-exec duplicate of the socket descriptor <paramref name="handle"/> holds; the handle stays the caller's.</summary>
    /// <param name="handle">An open handle to a connected Unix stream socket.</param>
    /// <returns>The connection.</returns>
    /// <exception cref="SupervisorSocketException">The descriptor is not a connected Unix stream socket.</exception>
    /// <exception cref="ObjectDisposedException"><paramref name="handle"/> is closed.</exception>
    public static SupervisorSocket FromSafeHandle(SafeHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = checked((int)handle.DangerousGetHandle());
            SvipcStatus status = NativeMethods.FromFdDup(fd, out SvipcSocketHandle connection);
            if (status != SvipcStatus.Ok)
            {
                int errno = Marshal.GetLastPInvokeError();
                connection.Dispose();
                throw SocketErrors.Create(status, errno, $"wrap duplicate of descriptor {fd}");
            }

            return new SupervisorSocket(connection);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Wraps a close-on-exec duplicate of a connected Unix stream <see cref="Socket"/>; the socket stays the caller's.</summary>
    /// <param name="socket">A connected <see cref="AddressFamily.Unix"/> stream socket.</param>
    /// <returns>The connection.</returns>
    /// <exception cref="SupervisorSocketException">The socket is not a connected Unix stream socket.</exception>
    public static SupervisorSocket FromSocket(Socket socket)
    {
        ArgumentNullException.ThrowIfNull(socket);
        return FromSafeHandle(socket.SafeHandle);
    }

    /// <summary>
    /// The raw descriptor, for poll/select or for handing to a child; still owned by this object. Receives read ahead,
    /// so a message can be waiting in this object while the descriptor is not readable: check
    /// <see cref="HasBufferedInput"/> before waiting for it.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public int FileDescriptor
    {
        get
        {
            ThrowIfDisposed();
            return NativeMethods.Fd(_handle);
        }
    }

    /// <summary>
    /// Whether the next receive has something without reading the socket: frame bytes an earlier receive read ahead,
    /// or a descriptor that arrived in front of a frame and was not taken yet. False when the receive side can no
    /// longer deliver anything (desynchronized).
    /// </summary>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public bool HasBufferedInput
    {
        get
        {
            lock (_receiveLock)
            {
                ThrowIfDisposed();
                return NativeMethods.HasBufferedInput(_native) != 0;
            }
        }
    }

    /// <summary>The peer's kernel-recorded credentials.</summary>
    /// <exception cref="SupervisorSocketException">The credentials could not be read.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public unsafe PeerCredentials PeerCredentials
    {
        get
        {
            ThrowIfDisposed();
            SvipcPeerCredentials credentials;
            Check(NativeMethods.GetPeerCredentials(_handle, &credentials), "read peer credentials");
            return new PeerCredentials((uint)credentials.Pid, credentials.Uid, credentials.Gid);
        }
    }

    /// <summary>The peer's process id (the reference's <c>peer_pid</c>).</summary>
    /// <exception cref="SupervisorSocketException">The credentials could not be read.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public uint PeerPid => PeerCredentials.Pid;

    /// <summary>
    /// Timeout of each blocking receive (frame or descriptor); null waits without limit (the default). On expiry
    /// a receive throws <see cref="SupervisorTimeoutException"/> and the connection stays usable.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive or exceeds <see cref="int.MaxValue"/> milliseconds.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public unsafe TimeSpan? ReadTimeout
    {
        get
        {
            ThrowIfDisposed();
            int milliseconds;
            Check(NativeMethods.GetReadTimeout(_handle, &milliseconds), "get read timeout");
            return FromMilliseconds(milliseconds);
        }

        set
        {
            ThrowIfDisposed();
            Check(NativeMethods.SetReadTimeout(_handle, ToMilliseconds(value)), "set read timeout");
        }
    }

    /// <summary>
    /// Whether a receive first waits for data in <c>poll(POLLIN)</c> and only then reads (false by default: it waits
    /// in the read). Linux wakes a thread blocked in a read on a Unix socket also every time the peer frees data this
    /// end sent, so in request/response traffic each such wake-up costs two context switches; <c>poll</c> is woken
    /// only for data. Costs one system call more per receive. Timeouts, shutdown and disposal work as usual.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public bool WaitsForDataInPoll
    {
        get
        {
            ThrowIfDisposed();
            return Volatile.Read(ref _waitsForDataInPoll);
        }

        set
        {
            ThrowIfDisposed();
            Check(NativeMethods.SetWaitInPoll(_handle, value ? 1 : 0), "set wait in poll");
            Volatile.Write(ref _waitsForDataInPoll, value);
        }
    }

    /// <summary>Timeout of each blocking send; null waits without limit (the default).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive or exceeds <see cref="int.MaxValue"/> milliseconds.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public unsafe TimeSpan? SendTimeout
    {
        get
        {
            ThrowIfDisposed();
            int milliseconds;
            Check(NativeMethods.GetSendTimeout(_handle, &milliseconds), "get send timeout");
            return FromMilliseconds(milliseconds);
        }

        set
        {
            ThrowIfDisposed();
            Check(NativeMethods.SetSendTimeout(_handle, ToMilliseconds(value)), "set send timeout");
        }
    }

    /// <summary>
    /// Shuts the connection down in both directions: blocked calls in other threads return, and the peer sees
    /// the connection closed. The object still needs <see cref="Dispose"/>.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public void Shutdown()
    {
        ThrowIfDisposed();
        Check(NativeMethods.Shutdown(_handle), "shutdown");
    }

    /// <summary>
    /// Closes the socket, closes descriptors received but not yet taken, and removes the socket file if this
    /// object bound it. Idempotent. Calls blocked in other threads are woken first and throw
    /// <see cref="ObjectDisposedException"/>.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Asynchronous calls waiting on the loop hold no lock: ending their waits is what wakes them.
        LeaveReadinessLoop();
        WaitForCallsToLeave();
        _handle.Dispose();
        _ownedListener?.Dispose();
    }

    internal static SupervisorSocket FromAcceptedHandle(SvipcSocketHandle handle) => new(handle);

    internal static void ValidatePath(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A socket path cannot contain a NUL character.", nameof(path));
        }
    }

    internal static int ToMilliseconds(TimeSpan? timeout)
    {
        if (timeout is not { } value)
        {
            return NativeMethods.InfiniteTimeout;
        }

        if (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), value, "A timeout must be positive and at most int.MaxValue milliseconds, or null for none.");
        }

        // Round up so that a sub-millisecond timeout does not become 0, which means "poll".
        return (int)Math.Ceiling(value.TotalMilliseconds);
    }

    private static TimeSpan? FromMilliseconds(int milliseconds) =>
        milliseconds == NativeMethods.InfiniteTimeout ? null : TimeSpan.FromMilliseconds(milliseconds);

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>
    /// Makes sure no call is using the native socket any more. A call that already holds a lock either is blocked
    /// in the kernel or will be soon; shutting the connection down wakes it. A call not yet holding one will see
    /// the disposal once it gets the lock. Shutting down affects every copy of the descriptor (e.g. one a child
    /// inherited), so it is done only when a call must be woken; a plain close is what the reference does on drop.
    /// </summary>
    private void WaitForCallsToLeave()
    {
        bool sendIdle = TryEnter(_sendLock);
        bool receiveIdle = TryEnter(_receiveLock);
        if (!sendIdle || !receiveIdle)
        {
            _ = NativeMethods.Shutdown(_handle);
            if (!sendIdle)
            {
                Enter(_sendLock);
            }

            if (!receiveIdle)
            {
                Enter(_receiveLock);
            }
        }

        Exit(_receiveLock);
        Exit(_sendLock);
    }

#if NET9_0_OR_GREATER
    private static bool TryEnter(Lock gate) => gate.TryEnter();

    private static void Enter(Lock gate) => gate.Enter();

    private static void Exit(Lock gate) => gate.Exit();
#else
    private static bool TryEnter(object gate) => Monitor.TryEnter(gate);

    private static void Enter(object gate) => Monitor.Enter(gate);

    private static void Exit(object gate) => Monitor.Exit(gate);
#endif

    private void Check(SvipcStatus status, string operation)
    {
        if (status != SvipcStatus.Ok)
        {
            Throw(status, Marshal.GetLastPInvokeError(), operation);
        }
    }

    /// <summary>As <see cref="Throw"/>, counting a failure the peer caused on <c>supervisoripc.protocol_violations</c>.</summary>
    [DoesNotReturn]
    private void ThrowReceiveFailure(SvipcStatus status, int errno, string operation)
    {
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        SupervisorSocketException failure = SocketErrors.Create(status, errno, operation);
        Instruments.ReceiveFailed(failure);
        throw failure;
    }

    [DoesNotReturn]
    private void Throw(SvipcStatus status, int errno, string operation)
    {
        // A call woken because another thread disposed the socket reports the disposal, not the shutdown.
        ObjectDisposedException.ThrowIf(IsDisposed, this);
        throw SocketErrors.Create(status, errno, operation);
    }
}
