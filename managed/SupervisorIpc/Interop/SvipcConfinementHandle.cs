using System.Runtime.InteropServices;

namespace SupervisorIpc.Interop;

/// <summary>Owns one native <c>svipc_confinement</c>; released with <c>svipc_confinement_free</c> after the last running call.</summary>
internal sealed class SvipcConfinementHandle : SafeHandle
{
    /// <summary>Creates an empty handle; the LibraryImport marshaller fills it from an output parameter.</summary>
    public SvipcConfinementHandle()
        : base(invalidHandleValue: 0, ownsHandle: true)
    {
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == 0;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        NativeMethods.ConfinementFree(handle);
        return true;
    }
}
