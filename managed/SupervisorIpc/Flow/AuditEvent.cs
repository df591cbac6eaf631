using System;

namespace SupervisorIpc;

/// <summary>
/// One decision of a <see cref="SupervisorService"/>: what was asked, what was answered, who decided and how long
/// it took. Reported for every message the service answers.
/// </summary>
/// <param name="Timestamp">When the message was received.</param>
/// <param name="Message">The child's message.</param>
/// <param name="Response">The response sent (or, when sending failed, the one that was to be sent).</param>
/// <param name="DecidedBy">Who decided: the backend, the URL opener, or one of the service's own checks.</param>
/// <param name="DeciderName">The backend's or URL opener's <c>Name</c>; for the service's own checks their name in
/// kebab case ("replay-guard", "rate-limit", "identity", "path-check", "confinement", "url-origin").</param>
/// <param name="Duration">From receiving the message to having sent the response.</param>
/// <param name="DescriptorSent">True when a file descriptor was sent with a grant.</param>
/// <param name="Peer">The connection's kernel-recorded peer credentials, when known.</param>
/// <param name="Error">A failure behind the outcome (backend, open, opener or send), if any.</param>
public sealed record AuditEvent(
    DateTimeOffset Timestamp,
    SupervisorMessage Message,
    SupervisorResponse Response,
    AuditDecider DecidedBy,
    string DeciderName,
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

    /// <summary>The outcome in one word.</summary>
    public AuditOutcome Outcome => Response switch
    {
        SupervisorResponse.Decision { Outcome: ApprovalDecision.Granted } => AuditOutcome.Granted,
        SupervisorResponse.Decision { Outcome: ApprovalDecision.Denied } => AuditOutcome.Denied,
        SupervisorResponse.Decision { Outcome: ApprovalDecision.Timeout } => AuditOutcome.Timeout,
        SupervisorResponse.UrlOpened { Success: true } => AuditOutcome.Opened,
        _ => AuditOutcome.Failed,
    };

    /// <summary>
    /// One short line, safe to print: outcome, what was asked, the request id, who decided, the reason sent to the
    /// child and the detail, e.g. <c>Denied Read /etc/shadow (req-7) by policy: the path is outside the allowed roots</c>.
    /// Strings the child chose (path, URL, request id, reasons echoing them) have control and bidirectional-formatting
    /// characters escaped (<see cref="AuditText.Escape"/>), so a request cannot forge another line or reorder this one
    /// on a terminal, and each part is cut to <see cref="MaxPartLength"/> characters, so a long path cannot make the
    /// line long.
    /// </summary>
    /// <returns>The line.</returns>
    public override string ToString()
    {
        var line = new System.Text.StringBuilder();
        line.Append(Outcome).Append(' ').Append(Part(Subject));
        if (Resolved is { } resolved && Message is SupervisorMessage.Request request && resolved.Path != PathPolicy.Normalize(request.Capability.Path))
        {
            line.Append(" -> ").Append(Part(resolved.Path));
        }

        line.Append(" (").Append(Part(RequestId)).Append(") by ").Append(Part(DeciderName));
        if (Reason is { } reason)
        {
            line.Append(": ").Append(Part(reason));
        }

        if ((Detail ?? Error?.Message) is { } detail)
        {
            line.Append(" [").Append(Part(detail)).Append(']');
        }

        return line.ToString();
    }

    /// <summary>The longest any one part of <see cref="ToString"/> gets, in characters (longer ones end in "…").</summary>
    public const int MaxPartLength = 120;

    private static string Part(string text)
    {
        string escaped = AuditText.Escape(text);
        if (escaped.Length <= MaxPartLength)
        {
            return escaped;
        }

        int cut = MaxPartLength - 1;
        if (char.IsHighSurrogate(escaped[cut - 1]))
        {
            cut--; // never half a character
        }

        return string.Concat(escaped.AsSpan(0, cut), "…");
    }

    /// <summary>The denial reason or URL error sent to the child, if any.</summary>
    public string? Reason => Response switch
    {
        SupervisorResponse.Decision { Outcome: ApprovalDecision.Denied denied } => denied.Reason,
        SupervisorResponse.UrlOpened opened => opened.Error,
        _ => null,
    };
}
