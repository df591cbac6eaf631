namespace SupervisorIpc;

/// <summary>The supervisor did not open a URL asked for with <see cref="SupervisorClient.OpenUrl"/>.</summary>
public sealed class UrlOpenFailedException : SupervisorIpcException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="url">The URL.</param>
    /// <param name="requestId">The request's id.</param>
    /// <param name="error">The supervisor's error text, if it gave one.</param>
    public UrlOpenFailedException(string url, string requestId, string? error)
        : base($"the supervisor did not open '{url}': {error ?? "no reason given"}")
    {
        Url = url;
        RequestId = requestId;
        Error = error;
    }

    /// <summary>The URL.</summary>
    public string Url { get; }

    /// <summary>The request's id.</summary>
    public string RequestId { get; }

    /// <summary>The supervisor's error text, if it gave one.</summary>
    public string? Error { get; }
}
