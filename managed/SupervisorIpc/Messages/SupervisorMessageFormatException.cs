using System;

namespace SupervisorIpc;

/// <summary>
/// A payload is not a valid <see cref="SupervisorMessage"/> or <see cref="SupervisorResponse"/>: not JSON, not
/// UTF-8, the wrong shape, an unknown variant, a wrong type, a missing or duplicate field, a number out of range,
/// or data after the value. The message says what is wrong and where.
/// </summary>
public sealed class SupervisorMessageFormatException : SupervisorIpcException
{
    /// <summary>Creates an exception describing a malformed payload.</summary>
    /// <param name="message">What is wrong, naming the field where there is one.</param>
    /// <param name="byteOffset">Offset in the payload where the problem was found, or -1 when unknown.</param>
    /// <param name="innerException">The JSON reader's own error, if it found the problem.</param>
    public SupervisorMessageFormatException(string message, long byteOffset = -1, Exception? innerException = null)
        : base(message, innerException)
    {
        ByteOffset = byteOffset;
    }

    /// <summary>Offset in the payload (in bytes) where the problem was found, or -1 when unknown.</summary>
    public long ByteOffset { get; }
}
