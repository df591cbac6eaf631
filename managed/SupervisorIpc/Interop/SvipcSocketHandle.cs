using System.Runtime.InteropServices;

namespace SupervisorIpc.Interop;

/// <summary>
/// Owns one native <c>svipc_socket</c>. Every generated call takes a reference on the handle for its duration,
/// so the object is freed by <see cref="ReleaseHandle"/> only after the last running call has returned.
/// </summary>
internal sealed class SvipcSocketHandle : SafeHandle
{
    /// <summary>Creates an empty handle; the LibraryImport marshaller fills it from an output parameter.</summary>
    public SvipcSocketHandle()
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        NativeMethods.Close(handle);
        return true;
    }
}
