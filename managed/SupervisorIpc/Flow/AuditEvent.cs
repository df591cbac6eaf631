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
/// ("replay-guard", "rate-limit", "identity", "path-check", "confinement", "url-origin").</param>
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
    /// <summary>The file the request resolved to beneath the held roots, when it resolved.</summary>
    public ResolvedFile? Resolved { get; init; }

    /// <summary>
    /// Why the service refused, in more detail than the child was told (it hears
    /// <see cref="SupervisorService.NotAvailable"/> whether the path is outside the roots, missing or of the wrong
    /// type); null when the answer says it all.
    /// </summary>
    public string? Detail { get; init; }

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

    /// <summary>
    /// One line, safe to print: outcome, what was asked, the request id, who decided, the reason sent to the child
    /// and the detail. Strings the child chose (path, URL, request id, reasons echoing them) have control and
    /// bidirectional-formatting characters escaped (<see cref="AuditText.Escape"/>), so a request cannot forge
    /// another line or reorder this one on a terminal.
    /// </summary>
    /// <returns>The line.</returns>
    public override string ToString()
    {
        var line = new System.Text.StringBuilder();
        line.Append(Outcome).Append(' ').Append(AuditText.Escape(Subject));
        if (Resolved is { } resolved && Message is SupervisorMessage.Request request && resolved.Path != PathPolicy.Normalize(request.Capability.Path))
        {
            line.Append(" -> ").Append(AuditText.Escape(resolved.Path));
        }

        line.Append(" (").Append(AuditText.Escape(RequestId)).Append(") by ").Append(AuditText.Escape(DecidedBy));
        if (Reason is { } reason)
        {
            line.Append(": ").Append(AuditText.Escape(reason));
        }

        if (Detail is { } detail)
        {
            line.Append(" [").Append(AuditText.Escape(detail)).Append(']');
        }

        if (Error is { } error && Detail is null)
        {
            line.Append(" [").Append(AuditText.Escape(error.Message)).Append(']');
        }

        return line.ToString();
    }

    /// <summary>The denial reason or URL error sent to the child, if any.</summary>
    public string? Reason => Response switch
    {
        SupervisorResponse.Decision { Outcome: ApprovalDecision.Denied denied } => denied.Reason,
        SupervisorResponse.UrlOpened opened => opened.Error,
        _ => null,
    };
}
