namespace SupervisorIpc;

/// <summary>The supervisor answered a <see cref="SupervisorClient.RequestAccess"/> with <c>Timeout</c>: nobody decided in time.</summary>
public sealed class ApprovalTimeoutException : SupervisorIpcException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="path">The path that was asked for.</param>
    /// <param name="requestId">The request's id.</param>
    public ApprovalTimeoutException(string path, string requestId)
        : base($"no decision on access to '{path}' was taken in time")
    {
        Path = path;
        RequestId = requestId;
    }

    /// <summary>The path that was asked for.</summary>
    public string Path { get; }

    /// <summary>The request's id.</summary>
    public string RequestId { get; }
}
