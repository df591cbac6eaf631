namespace SupervisorIpc;

/// <summary>
/// A receive, send or accept timed out (<see cref="SupervisorIpcError.Timeout"/>). The connection stays usable:
/// a partly received frame resumes on the next receive.
/// </summary>
public sealed class SupervisorTimeoutException : SupervisorSocketException
{
    /// <summary>Creates a timeout exception.</summary>
    /// <param name="message">Full message naming the operation.</param>
    /// <param name="errno">The OS error number, usually EAGAIN, or 0.</param>
    /// <param name="operation">The operation that timed out.</param>
    /// <param name="path">The socket path involved, if any.</param>
    public SupervisorTimeoutException(string message, int errno, string operation, string? path)
        : base(message, SupervisorIpcError.Timeout, errno, operation, path)
    {
    }
}
