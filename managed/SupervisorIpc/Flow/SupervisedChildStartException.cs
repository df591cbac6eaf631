namespace SupervisorIpc;

/// <summary>
/// <see cref="SupervisedChild.Start(SupervisedChildStartInfo)"/> could not start the program (it is missing, not
/// executable, or the system refused to make a process); nothing was started and nothing is left open.
/// </summary>
public sealed class SupervisedChildStartException : SupervisorIpcException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, naming the program and the OS error.</param>
    /// <param name="error">The native status (usually <see cref="SupervisorIpcError.SystemError"/>).</param>
    /// <param name="errno">The OS error number, e.g. 2 (ENOENT) for a missing program, or 0.</param>
    /// <param name="program">The program as given.</param>
    public SupervisedChildStartException(string message, SupervisorIpcError error, int errno, string program)
        : base(message)
    {
        Error = error;
        Errno = errno;
        Program = program;
    }

    /// <summary>The native status.</summary>
    public SupervisorIpcError Error { get; }

    /// <summary>The OS error number (errno) that ended the start, or 0.</summary>
    public int Errno { get; }

    /// <summary>The program that was to be started.</summary>
    public string Program { get; }
}
