namespace SupervisorIpc;

/// <summary>A socket operation failed; carries the native status and the OS error number.</summary>
public class SupervisorSocketException : SupervisorIpcException
{
    /// <summary>Creates an exception for a failed operation.</summary>
    /// <param name="message">Full message naming the operation and, where there is one, the path.</param>
    /// <param name="error">What went wrong.</param>
    /// <param name="errno">The OS error number, or 0 when the failure did not come from the OS.</param>
    /// <param name="operation">The operation that failed, e.g. <c>bind</c>.</param>
    /// <param name="path">The socket path involved, if any.</param>
    public SupervisorSocketException(string message, SupervisorIpcError error, int errno, string operation, string? path)
        : base(message)
    {
        Error = error;
        Errno = errno;
        Operation = operation;
        Path = path;
    }

    /// <summary>What went wrong.</summary>
    public SupervisorIpcError Error { get; }

    /// <summary>The OS error number (errno) of the failing call, or 0 when the failure did not come from the OS.</summary>
    public int Errno { get; }

    /// <summary>The operation that failed, e.g. <c>bind</c>, <c>receive frame</c>.</summary>
    public string Operation { get; }

    /// <summary>The socket path involved, or null.</summary>
    public string? Path { get; }
}
