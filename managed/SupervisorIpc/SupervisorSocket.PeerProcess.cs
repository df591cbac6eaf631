using System;
using Microsoft.Win32.SafeHandles;
using SupervisorIpc.Interop;

namespace SupervisorIpc;

public sealed partial class SupervisorSocket
{
    /// <summary>
    /// A pidfd of the peer process the kernel recorded when the connection was made (Linux 6.5 and later,
    /// <c>SO_PEERPIDFD</c>). Unlike <see cref="PeerPid"/>, it cannot come to name another process after the peer
    /// exits: use it to signal or wait for the peer without a pid-reuse race. For a pair it names the process that
    /// created the pair.
    /// </summary>
    /// <returns>The pidfd, close-on-exec, owned by the caller.</returns>
    /// <exception cref="SupervisorSocketException">The kernel or system has no peer pidfd
    /// (<see cref="SupervisorIpcError.Unsupported"/>), or it could not be read.</exception>
    /// <exception cref="ObjectDisposedException">The socket is disposed.</exception>
    public unsafe SafeFileHandle OpenPeerPidFd()
    {
        ThrowIfDisposed();
        int pidfd;
        Check(NativeMethods.PeerPidfd(_handle, &pidfd), "read the peer's pidfd");
        return new SafeFileHandle(pidfd, ownsHandle: true);
    }
}
