namespace SupervisorIpc;

/// <summary>
/// A sandboxed start was refused because the kernel cannot enforce all of the sandbox (no Landlock, or a feature
/// that needs a later ABI) and <see cref="SandboxOptions.BestEffort"/> was not set. No process was started.
/// </summary>
public sealed class SandboxUnavailableException : SupervisorIpcException
{
    /// <summary>Creates the exception for a refused start.</summary>
    /// <param name="program">The program that was not started.</param>
    /// <param name="status">What the kernel could have enforced.</param>
    public SandboxUnavailableException(string program, SandboxStatus status)
        : base($"The sandbox for '{program}' cannot be enforced here, so it was not started ({status?.Shortfall}).")
    {
        Program = program;
        Status = status!;
    }

    /// <summary>The program that was not started.</summary>
    public string Program { get; }

    /// <summary>What the kernel could have enforced: <see cref="SandboxStatus.Shortfall"/> says what is missing.</summary>
    public SandboxStatus Status { get; }
}
