namespace SupervisorIpc;

/// <summary>
/// Who decided an answer (<see cref="AuditEvent.DecidedBy"/>): the approval backend or URL opener, or one of the
/// service's own checks, which run first. <see cref="AuditEvent.DeciderName"/> names the backend or opener.
/// </summary>
public enum AuditDecider
{
    /// <summary>The <see cref="IApprovalBackend"/> (its <see cref="IApprovalBackend.Name"/> is the decider name).</summary>
    Backend,

    /// <summary>The <see cref="IUrlOpener"/> (its <see cref="IUrlOpener.Name"/> is the decider name).</summary>
    UrlOpener,

    /// <summary>The request id was seen before (a replay).</summary>
    ReplayGuard,

    /// <summary>More requests than <see cref="SupervisorServiceOptions.RequestBurst"/> and
    /// <see cref="SupervisorServiceOptions.RequestsPerSecond"/> allow.</summary>
    RateLimit,

    /// <summary>The message's <c>child_pid</c> or <c>session_id</c> is not the expected one.</summary>
    Identity,

    /// <summary>The requested path is not absolute.</summary>
    PathCheck,

    /// <summary>The path does not resolve to an allowed file beneath the held roots, or opening or sending it failed.</summary>
    Confinement,

    /// <summary>The URL is not an http(s) URL of an allowed origin, or no opener is configured.</summary>
    UrlOrigin,
}
