namespace SupervisorIpc;

/// <summary>How a supervised child ended.</summary>
/// <param name="ExitCode">The exit code (0..255) when the child exited normally, otherwise -1.</param>
/// <param name="Signal">The number of the signal that terminated the child, otherwise 0.</param>
public readonly record struct ChildExitStatus(int ExitCode, int Signal)
{
    /// <summary>True when the child exited by itself rather than being killed by a signal.</summary>
    public bool ExitedNormally => Signal == 0;

    /// <inheritdoc />
    public override string ToString() => ExitedNormally ? $"exit code {ExitCode}" : $"killed by signal {Signal}";
}
