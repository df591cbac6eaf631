namespace SupervisorIpc;

/// <summary>What a <see cref="SupervisorService"/> answered, in one word (<see cref="AuditEvent.Outcome"/>).</summary>
public enum AuditOutcome
{
    /// <summary>A file request was granted (and, unless sending failed, its descriptor sent).</summary>
    Granted,

    /// <summary>A file request was denied; <see cref="AuditEvent.Reason"/> says what the child was told.</summary>
    Denied,

    /// <summary>The backend gave no decision in time; the child was answered <c>Timeout</c>.</summary>
    Timeout,

    /// <summary>A URL was opened.</summary>
    Opened,

    /// <summary>A URL was not opened; <see cref="AuditEvent.Reason"/> says why.</summary>
    Failed,
}
