namespace SupervisorIpc;

/// <summary>The supervisor denied a <see cref="SupervisorClient.RequestAccess"/>.</summary>
public sealed class AccessDeniedException : SupervisorIpcException
{
    /// <summary>Creates the exception for a denial.</summary>
    /// <param name="path">The path that was asked for.</param>
    /// <param name="requestId">The request's id.</param>
    /// <param name="reason">The supervisor's reason.</param>
    public AccessDeniedException(string path, string requestId, string reason)
        : base($"access to '{path}' was denied: {reason}")
    {
        Path = path;
        RequestId = requestId;
        Reason = reason;
    }

    /// <summary>The path that was asked for.</summary>
    public string Path { get; }

    /// <summary>The request's id.</summary>
    public string RequestId { get; }

    /// <summary>The supervisor's reason.</summary>
    public string Reason { get; }
}
