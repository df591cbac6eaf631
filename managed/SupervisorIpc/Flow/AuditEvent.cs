using System;

namespace SupervisorIpc;

/// <summary>
/// One decision of a <see cref="SupervisorService"/>: what was asked, what was answered, who decided and how long
/// it took. Reported for every message the service answers.
/// </summary>
/// <param name="Timestamp">When the message was received.</param>
/// <param name="Message">The child's message.</param>
/// <param name="Response">The response sent (or, when sending failed, the one that was to be sent).</param>
/// <param name="DecidedBy">Who decided: the backend's or URL opener's name, or one of the service's own checks
/// ("replay-guard", "rate-limit", "identity", "confinement", "url-origin").</param>
/// <param name="Duration">From receiving the message to having sent the response.</param>
/// <param name="DescriptorSent">True when a file descriptor was sent with a grant.</param>
/// <param name="Peer">The connection's kernel-recorded peer credentials, when known.</param>
/// <param name="Error">A failure behind the outcome (backend, open, opener or send), if any.</param>
public sealed record AuditEvent(
    DateTimeOffset Timestamp,
    SupervisorMessage Message,
    SupervisorResponse Response,
    string DecidedBy,
    TimeSpan Duration,
    bool DescriptorSent,
    PeerCredentials? Peer,
    Exception? Error)
{
    /// <summary>The request id the message carried.</summary>
    public string RequestId => Message switch
    {
        SupervisorMessage.Request request => request.Capability.RequestId,
        SupervisorMessage.OpenUrl open => open.UrlRequest.RequestId,
        _ => string.Empty,
    };

    /// <summary>What was asked, in a few words: "Read /path" or "OpenUrl https://…".</summary>
    public string Subject => Message switch
    {
        SupervisorMessage.Request request => $"{request.Capability.Access} {request.Capability.Path}",
        SupervisorMessage.OpenUrl open => $"OpenUrl {open.UrlRequest.Url}",
        _ => string.Empty,
    };

    /// <summary>The outcome in one word: Granted, Denied, Timeout, Opened or Failed.</summary>
    public string Outcome => Response switch
    {
        SupervisorResponse.Decision { Outcome: ApprovalDecision.Granted } => "Granted",
        SupervisorResponse.Decision { Outcome: ApprovalDecision.Denied } => "Denied",
        SupervisorResponse.Decision { Outcome: ApprovalDecision.Timeout } => "Timeout",
        SupervisorResponse.UrlOpened { Success: true } => "Opened",
        _ => "Failed",
    };

    /// <summary>The denial reason or URL error sent to the child, if any.</summary>
    public string? Reason => Response switch
    {
        SupervisorResponse.Decision { Outcome: ApprovalDecision.Denied denied } => denied.Reason,
        SupervisorResponse.UrlOpened opened => opened.Error,
        _ => null,
    };
}
