using System;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SupervisorIpc.Interop;

namespace SupervisorIpc;

public sealed partial class SupervisorSocket
{
    /// <summary>
    /// Sends the descriptor <paramref name="handle"/> holds as one <c>SCM_RIGHTS</c> descriptor on a one-byte
    /// carrier. The handle stays the caller's; the peer receives its own descriptor for the same open file.
    /// </summary>
    /// <param name="handle">Any open descriptor handle, e.g. a <see cref="SafeFileHandle"/> from <c>File.OpenHandle</c>.</param>
    /// <exception cref="SupervisorSocketException">A transport error.</exception>
    /// <exception cref="ObjectDisposedException">The socket or <paramref name="handle"/> is closed.</exception>
    public void SendFileDescriptor(SafeHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ObjectDisposedException.ThrowIf(handle.IsClosed, handle);
        if (handle.IsInvalid)
        {
            throw new ArgumentException("The handle does not hold a descriptor.", nameof(handle));
        }

        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            int fd = checked((int)handle.DangerousGetHandle());
            lock (_sendLock)
            {
                ThrowIfDisposed();
                long deadline = 0;
                while (!TrySendDescriptorLocked(fd))
                {
                    WaitForOutputRoomLocked(ref deadline, "send descriptor");
                }
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Receives one descriptor; the caller owns the returned handle. The descriptor is close-on-exec.</summary>
    /// <returns>The received descriptor.</returns>
    /// <exception cref="SupervisorSocketException">
    /// <see cref="SupervisorIpcError.NoDescriptor"/> when frame data comes next (the frame is kept), or a transport or protocol error.
    /// </exception>
    /// <exception cref="SupervisorTimeoutException">The <see cref="ReadTimeout"/> expired.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public SafeFileHandle ReceiveFileDescriptor() =>
        TryReceiveFileDescriptorCore(throwOnNoDescriptor: true) ?? throw new InvalidOperationException("unreachable");

    /// <summary>
    /// Receives one descriptor if that is what comes next on the stream. Whichever order a supervisor sends a
    /// descriptor and its decision in, a child can call this before receiving the decision.
    /// </summary>
    /// <param name="handle">The received descriptor (close-on-exec, owned by the caller), or null.</param>
    /// <returns>False when frame data comes next; that frame is kept for the next frame receive.</returns>
    /// <exception cref="SupervisorSocketException">A transport or protocol error.</exception>
    /// <exception cref="SupervisorTimeoutException">The <see cref="ReadTimeout"/> expired.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public bool TryReceiveFileDescriptor([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SafeFileHandle? handle)
    {
        handle = TryReceiveFileDescriptorCore(throwOnNoDescriptor: false);
        return handle is not null;
    }

    private unsafe SafeFileHandle? TryReceiveFileDescriptorCore(bool throwOnNoDescriptor)
    {
        lock (_receiveLock)
        {
            ThrowIfDisposed();
            int fd;
            SvipcStatus status;
            long deadline = 0;
            while ((status = NativeMethods.RecvFd(_native, &fd)) == SvipcStatus.WouldBlock)
            {
                WaitForInputLocked(ref deadline, "receive descriptor");
            }

            if (status == SvipcStatus.Ok)
            {
                // Wrap at once so that the descriptor is owned (and closed) even if the caller drops it.
                return new SafeFileHandle(fd, ownsHandle: true);
            }

            if (status == SvipcStatus.NoDescriptor && !throwOnNoDescriptor)
            {
                return null;
            }

            ThrowReceiveFailure(status, NativeMethods.LastReceiveErrno(_native), "receive descriptor");
            return null;
        }
    }

    /// <summary>One native descriptor send; false when nothing was accepted (non-blocking mode only).</summary>
    private bool TrySendDescriptorLocked(int fd)
    {
        SvipcStatus status = NativeMethods.SendFd(_native, fd);
        if (status == SvipcStatus.WouldBlock)
        {
            return false;
        }

        if (status != SvipcStatus.Ok)
        {
            Throw(status, NativeMethods.LastSendErrno(_native), "send descriptor");
        }

        return true;
    }
}
