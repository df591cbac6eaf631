using System.Runtime.InteropServices;

namespace SupervisorIpc.Interop;

/// <summary>Owns one native <c>svipc_resolved_file</c>; released with <c>svipc_resolved_file_free</c> after the last running call.</summary>
internal sealed class SvipcResolvedFileHandle : SafeHandle
{
    /// <summary>Creates an empty handle; the LibraryImport marshaller fills it from an output parameter.</summary>
    public SvipcResolvedFileHandle()
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        NativeMethods.ResolvedFileFree(handle);
        return true;
    }
}
