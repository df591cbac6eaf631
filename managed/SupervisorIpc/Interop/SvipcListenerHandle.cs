using System.Runtime.InteropServices;

namespace SupervisorIpc.Interop;

/// <summary>Owns one native <c>svipc_listener</c>; released with <c>svipc_listener_close</c> after the last running call.</summary>
internal sealed class SvipcListenerHandle : SafeHandle
{
    /// <summary>Creates an empty handle; the LibraryImport marshaller fills it from an output parameter.</summary>
    public SvipcListenerHandle()
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        NativeMethods.ListenerClose(handle);
        return true;
    }
}
