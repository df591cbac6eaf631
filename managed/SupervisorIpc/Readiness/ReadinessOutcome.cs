namespace SupervisorIpc.Readiness;

/// <summary>How a wait for readiness ended.</summary>
internal enum ReadinessOutcome
{
    /// <summary>The state changed since the caller's attempt: try again.</summary>
    Ready,

    /// <summary>The caller's deadline passed.</summary>
    TimedOut,

    /// <summary>The caller's token was cancelled.</summary>
    Cancelled,

    /// <summary>The registration was removed (the socket is being disposed).</summary>
    Closed,
}
