namespace SupervisorIpc;

/// <summary>Rights granted beneath one path (a directory and everything under it, or a single file).</summary>
/// <param name="Path">The path; it must exist when the child starts.</param>
/// <param name="Access">What the child may do there.</param>
public sealed record SandboxPathRule(string Path, SandboxAccess Access);
