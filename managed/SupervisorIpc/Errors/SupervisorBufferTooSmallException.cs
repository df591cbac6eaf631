namespace SupervisorIpc;

/// <summary>
/// The buffer given to a raw frame receive is smaller than the next frame (<see cref="SupervisorIpcError.BufferTooSmall"/>).
/// The frame is kept; receive again with at least <see cref="RequiredLength"/> bytes.
/// </summary>
public sealed class SupervisorBufferTooSmallException : SupervisorSocketException
{
    /// <summary>Creates a buffer-too-small exception.</summary>
    /// <param name="message">Full message naming the operation.</param>
    /// <param name="requiredLength">Payload size of the pending frame.</param>
    /// <param name="operation">The operation.</param>
    public SupervisorBufferTooSmallException(string message, int requiredLength, string operation)
        : base(message, SupervisorIpcError.BufferTooSmall, 0, operation, path: null)
    {
        RequiredLength = requiredLength;
    }

    /// <summary>Payload size of the pending frame, in bytes.</summary>
    public int RequiredLength { get; }
}
