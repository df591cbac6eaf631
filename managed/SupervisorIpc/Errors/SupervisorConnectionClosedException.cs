namespace SupervisorIpc;

/// <summary>
/// The peer closed the connection: in an orderly way at a frame boundary (<see cref="SupervisorIpcError.Closed"/>)
/// or in the middle of a frame (<see cref="SupervisorIpcError.Truncated"/>).
/// </summary>
public sealed class SupervisorConnectionClosedException : SupervisorSocketException
{
    /// <summary>Creates a connection-closed exception.</summary>
    /// <param name="message">Full message naming the operation.</param>
    /// <param name="error"><see cref="SupervisorIpcError.Closed"/> or <see cref="SupervisorIpcError.Truncated"/>.</param>
    /// <param name="errno">The OS error number, or 0.</param>
    /// <param name="operation">The operation that met the close.</param>
    public SupervisorConnectionClosedException(string message, SupervisorIpcError error, int errno, string operation)
        : base(message, error, errno, operation, path: null)
    {
    }

    /// <summary>True when the close came at a frame boundary, false when it cut a frame or carrier short.</summary>
    public bool IsOrderly => Error == SupervisorIpcError.Closed;
}
