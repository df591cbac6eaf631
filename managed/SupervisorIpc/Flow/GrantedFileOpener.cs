using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using SupervisorIpc.Interop;

namespace SupervisorIpc;

/// <summary>
/// Opens a granted path through <c>svipc_open_confined</c>: close-on-exec, flags from the access mode, no symlink
/// as last component, regular files only, and the file the kernel actually opened must lie inside the roots.
/// </summary>
internal static class GrantedFileOpener
{
    private static readonly int SymlinkLoopErrno = OperatingSystem.IsMacOS() ? 62 : 40;

    /// <summary>Opens <paramref name="path"/>; on failure gives the reason to send to the child.</summary>
    public static unsafe bool TryOpen(
        string path,
        AccessMode access,
        IReadOnlyList<string> roots,
        out SafeFileHandle? handle,
        out string? failure,
        out Exception? error)
    {
        handle = null;
        failure = null;
        error = null;
        if (roots.Count == 0)
        {
            failure = $"no allowed root permits {access} access";
            return false;
        }

        int nativeAccess = access switch
        {
            AccessMode.Read => NativeMethods.AccessRead,
            AccessMode.Write => NativeMethods.AccessWrite,
            AccessMode.ReadWrite => NativeMethods.AccessReadWrite,
            _ => throw new ArgumentOutOfRangeException(nameof(access), access, "Unknown access mode."),
        };

        using var nativeRoots = new NativeStringArray(roots, nameof(roots));
        int fd;
        SvipcStatus status = NativeMethods.OpenConfined(path, nativeAccess, nativeRoots.Pointer, (uint)nativeRoots.Count, &fd);
        int errno = Marshal.GetLastPInvokeError();
        if (status == SvipcStatus.Ok)
        {
            handle = new SafeFileHandle(fd, ownsHandle: true);
            return true;
        }

        error = SocketErrors.Create(status, errno, "open granted file", path);
        failure = status switch
        {
            SvipcStatus.NotConfined => "the path resolves outside the allowed roots",
            SvipcStatus.Unsupported => "the path is not a regular file",
            SvipcStatus.InvalidArgument => "the path must be absolute",
            SvipcStatus.SystemError when errno == SymlinkLoopErrno => "the path is a symbolic link, which is never followed",
            SvipcStatus.SystemError => $"the file cannot be opened: {Marshal.GetPInvokeErrorMessage(errno)}",
            _ => "the file cannot be opened",
        };
        return false;
    }
}
