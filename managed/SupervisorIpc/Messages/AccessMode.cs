namespace SupervisorIpc;

/// <summary>
/// The access a <see cref="CapabilityRequest"/> asks for. On the wire each member is written as its name
/// (<c>"Read"</c>, <c>"Write"</c>, <c>"ReadWrite"</c>), as the reference's unit enum variants are.
/// </summary>
public enum AccessMode
{
    /// <summary>Read-only access (<c>"Read"</c>).</summary>
    Read = 0,

    /// <summary>Write-only access (<c>"Write"</c>).</summary>
    Write = 1,

    /// <summary>Read and write access (<c>"ReadWrite"</c>).</summary>
    ReadWrite = 2,
}
