using System;

namespace SupervisorIpc;

/// <summary>
/// Base type of every error SupervisorIpc reports: transport failures carry the native status and errno,
/// message-format failures describe what in the payload was wrong.
/// </summary>
public class SupervisorIpcException : Exception
{
    /// <summary>Creates an exception with a message.</summary>
    /// <param name="message">What failed, naming the operation.</param>
    public SupervisorIpcException(string message) : base(message) { }

    /// <summary>Creates an exception with a message and the error that caused it.</summary>
    /// <param name="message">What failed, naming the operation.</param>
    /// <param name="innerException">The underlying error.</param>
    public SupervisorIpcException(string message, Exception? innerException) : base(message, innerException) { }
}
