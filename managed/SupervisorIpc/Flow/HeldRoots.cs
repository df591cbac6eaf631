using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;
using SupervisorIpc.Interop;

namespace SupervisorIpc;

/// <summary>
/// The service's confinement roots, opened once through <c>svipc_confinement_create</c> and held as descriptors:
/// requests are resolved beneath them by the kernel, never by re-reading the roots' paths, so renaming a root or
/// replacing it with a symlink cannot widen what is reachable.
/// </summary>
internal sealed class HeldRoots : IDisposable
{
    private static readonly int StaleErrno = OperatingSystem.IsMacOS() ? 70 : 116;
    private static readonly int TooManyLinksErrno = 31;
    private static readonly int MissingErrno = 2;

    private readonly SvipcConfinementHandle _handle;

    private HeldRoots(SvipcConfinementHandle handle) => _handle = handle;

    /// <summary>Opens the distinct roots of <paramref name="policy"/>; null when it has none.</summary>
    /// <exception cref="ArgumentException">A root is missing or neither a directory nor a regular file.</exception>
    public static unsafe HeldRoots? Open(PathPolicy policy, bool allowHardLinks, bool stayOnRootFileSystem)
    {
        string[] roots = policy.Rules.Select(rule => rule.Root).Distinct(StringComparer.Ordinal).ToArray();
        if (roots.Length == 0)
        {
            return null;
        }

        uint flags = (allowHardLinks ? (uint)NativeMethods.ConfineAllowHardLinks : 0u) | (stayOnRootFileSystem ? (uint)NativeMethods.ConfineNoXdev : 0u);
        using var nativeRoots = new NativeStringArray(roots, nameof(policy));
        SvipcStatus status = NativeMethods.ConfinementCreate(nativeRoots.Pointer, (uint)nativeRoots.Count, flags, out SvipcConfinementHandle handle);
        int errno = Marshal.GetLastPInvokeError();
        if (status != SvipcStatus.Ok)
        {
            handle.Dispose();
            throw new ArgumentException(
                $"A confinement root cannot be held ({Marshal.GetPInvokeErrorMessage(errno)}): every root must be an existing directory or regular file. Roots: {string.Join(", ", roots)}",
                nameof(policy),
                SocketErrors.Create(status, errno, "hold confinement roots"));
        }

        return new HeldRoots(handle);
    }

    /// <summary>Resolves <paramref name="path"/> beneath the roots without opening it.</summary>
    public unsafe bool TryResolve(string path, out SvipcResolvedFileHandle? resolution, out ResolvedFile? file, out string? detail, out Exception? error)
    {
        file = null;
        detail = null;
        error = null;
        SvipcStatus status = NativeMethods.ConfinementResolve(_handle, path, out SvipcResolvedFileHandle handle);
        int errno = Marshal.GetLastPInvokeError();
        if (status != SvipcStatus.Ok)
        {
            handle.Dispose();
            resolution = null;
            detail = Explain(status, errno);
            error = SocketErrors.Create(status, errno, "resolve the requested path", path);
            return false;
        }

        resolution = handle;
        SvipcFileIdentity identity;
        uint length = 0;
        NativeMethods.ResolvedFileIdentity(handle, &identity);
        NativeMethods.ResolvedFilePath(handle, null, 0, &length);
        byte[] buffer = new byte[length + 1];
        fixed (byte* bytes = buffer)
        {
            NativeMethods.ResolvedFilePath(handle, bytes, (uint)buffer.Length, &length);
        }

        file = new ResolvedFile(
            Encoding.UTF8.GetString(buffer, 0, (int)length),
            identity.Device,
            identity.Inode,
            identity.Mode,
            identity.Uid,
            identity.Gid,
            identity.LinkCount);
        return true;
    }

    /// <summary>Opens a resolution for a grant; the file must still be the one resolved.</summary>
    public static unsafe bool TryOpen(SvipcResolvedFileHandle resolution, AccessMode access, out SafeFileHandle? file, out string? detail, out Exception? error)
    {
        int nativeAccess = access switch
        {
            AccessMode.Read => NativeMethods.AccessRead,
            AccessMode.Write => NativeMethods.AccessWrite,
            AccessMode.ReadWrite => NativeMethods.AccessReadWrite,
            _ => throw new ArgumentOutOfRangeException(nameof(access), access, "Unknown access mode."),
        };
        int fd;
        SvipcStatus status = NativeMethods.ResolvedFileOpen(resolution, nativeAccess, &fd);
        int errno = Marshal.GetLastPInvokeError();
        if (status == SvipcStatus.Ok)
        {
            file = new SafeFileHandle(fd, ownsHandle: true);
            detail = null;
            error = null;
            return true;
        }

        file = null;
        detail = Explain(status, errno);
        error = SocketErrors.Create(status, errno, "open the granted file");
        return false;
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    /// <summary>The reason for the audit; the child only ever hears <see cref="SupervisorService.NotAvailable"/>.</summary>
    private static string Explain(SvipcStatus status, int errno) => status switch
    {
        SvipcStatus.NotConfined when errno == TooManyLinksErrno => "the file has more than one hard link, and another may lie outside the roots",
        SvipcStatus.NotConfined when errno == StaleErrno => "the file was replaced while it was being resolved or opened",
        SvipcStatus.NotConfined => "the path resolves outside the allowed roots",
        SvipcStatus.Unsupported => "the path is not a regular file",
        SvipcStatus.SystemError when errno == MissingErrno => "the file does not exist",
        SvipcStatus.SystemError => $"the path cannot be resolved or opened: {Marshal.GetPInvokeErrorMessage(errno)}",
        _ => $"the path cannot be resolved or opened ({status})",
    };
}
