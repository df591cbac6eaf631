using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using SupervisorIpc.Interop;
using SupervisorIpc.Readiness;

namespace SupervisorIpc;

/// <summary>
/// The supervisor's side of the grant flow: serves a child connection until it closes. For each
/// <c>Request</c> it rejects replayed ids, applies the rate limit, checks the child's identity, asks the
/// <see cref="IApprovalBackend"/>, and on a grant opens the file itself (confined to the allowed roots) and sends
/// the descriptor and the <c>Decision</c>; any failure on the way becomes a <c>Denied</c> with a reason and no
/// descriptor. For each <c>OpenUrl</c> it checks the origin allow-list and calls the <see cref="IUrlOpener"/>.
/// Every answer is reported as an <see cref="AuditEvent"/>.
/// </summary>
/// <remarks>
/// One service may serve several connections at once; the replay memory and the rate limit are shared by all of
/// them. The confinement roots are opened once, here, and held until <see cref="Dispose"/>: a request is resolved
/// beneath the held roots before the backend is asked (a path that does not resolve to a regular file beneath a
/// root is denied without asking), the backend decides on the resolved path, and a grant opens exactly the file
/// that was resolved. Descriptors opened for a grant are always closed after sending; a descriptor a child sends is
/// never taken and is closed with the connection (sockets abortively, so that their close cannot linger). Audit
/// observers run on the serving task after the child got its answer; one that throws is isolated: the others still
/// get the event, serving goes on, and the failure is counted on <c>supervisoripc.audit.failures</c> and recorded
/// as an exception event on the request's activity (see <see cref="SupervisorIpcTelemetry"/>).
/// </remarks>
public sealed class SupervisorService : IObservable<AuditEvent>, IDisposable
{
    /// <summary>
    /// The one denial reason a child gets for a path that is outside the roots, missing, not a regular file,
    /// hard-linked or replaced: the audit event's <see cref="AuditEvent.Detail"/> keeps which.
    /// </summary>
    public const string NotAvailable = "the path is not available";

    private readonly SupervisorServiceOptions _options;
    private readonly IApprovalBackend _backend;
    private readonly PathPolicy? _confinement;
    private readonly HeldRoots? _roots;
    private readonly HashSet<string> _allowedOrigins = new(StringComparer.Ordinal);
    private readonly ReplayGuard _replayGuard;
    private readonly TokenBucket _rateLimit;
    private readonly TimeProvider _time;
    private readonly List<IObserver<AuditEvent>> _observers = new();
    private readonly object _observersLock = new();

    /// <summary>Creates a service.</summary>
    /// <param name="options">Backend, confinement, URL opener and limits.</param>
    /// <exception cref="ArgumentException">No backend, an origin that is not an http(s) origin, a limit out of range,
    /// or a confinement root that does not exist or is neither a directory nor a regular file.</exception>
    public SupervisorService(SupervisorServiceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _backend = options.ApprovalBackend ?? throw new ArgumentException("An approval backend is required.", nameof(options));
        _confinement = options.Confinement ?? (_backend as PolicyApprovalBackend)?.Policy;
        _time = options.TimeProvider ?? throw new ArgumentException("A time provider is required.", nameof(options));
        _replayGuard = new ReplayGuard(options.ReplayMemory);
        _rateLimit = new TokenBucket(options.RequestsPerSecond, options.RequestBurst, _time);
        foreach (string origin in options.AllowedUrlOrigins ?? Array.Empty<string>())
        {
            if (!UrlOrigin.TryGetOrigin(origin, out Uri? parsed, out string? normalized) || parsed!.AbsolutePath != "/" || parsed.Query.Length != 0)
            {
                throw new ArgumentException($"'{origin}' is not an http(s) origin such as https://example.com.", nameof(options));
            }

            _allowedOrigins.Add(normalized!);
        }

        if (_confinement is not null)
        {
            _roots = HeldRoots.Open(_confinement, options.AllowHardLinks, options.StayOnRootFileSystem);
        }
    }

    /// <summary>Closes the held confinement roots; grants after this are denied.</summary>
    public void Dispose() => _roots?.Dispose();

    /// <summary>Subscribes to audit events.</summary>
    /// <param name="observer">Receives every event, on the serving task.</param>
    /// <returns>Disposing it ends the subscription.</returns>
    public IDisposable Subscribe(IObserver<AuditEvent> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        lock (_observersLock)
        {
            _observers.Add(observer);
        }

        return new Subscription(this, observer);
    }

    /// <summary>Serves a child started by <see cref="SupervisedChild.Start(SupervisedChildStartInfo)"/> until it closes its end.</summary>
    /// <param name="child">The child; messages whose <c>child_pid</c> is not its process id are denied (unless
    /// <see cref="SupervisorServiceOptions.ChildPidVerification"/> is <see cref="ChildPidVerification.TrustConnection"/>).</param>
    /// <param name="cancellationToken">Stops serving; the connection stays open (a frame that had partly arrived is kept).</param>
    /// <returns>Completes when the child closed the connection.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">The connection failed or the child sent something malformed.</exception>
    public Task ServeAsync(SupervisedChild child, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(child);
        return ServeAsync(child.Socket, child.ProcessId, cancellationToken);
    }

    /// <summary>Serves one connection until the peer closes it in an orderly way.</summary>
    /// <param name="connection">The connection (from a pair, a listener, or <see cref="SupervisedChild.Socket"/>).</param>
    /// <param name="expectedChildPid">When set, messages whose <c>child_pid</c> differs are denied. When null and the
    /// peer is another process (a path connection), the kernel's peer pid is expected instead; on a pair made in this
    /// process the kernel names this process, so only the caller can say which child holds the other end.</param>
    /// <param name="cancellationToken">Stops serving; the connection stays open (a frame that had partly arrived is kept).</param>
    /// <returns>Completes when the peer closed the connection.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">The connection failed, timed out, or the peer sent something malformed.</exception>
    public async Task ServeAsync(SupervisorSocket connection, uint? expectedChildPid = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        PeerCredentials? peer = TryGetPeer(connection);
        uint? expectedPid = ExpectedPid(expectedChildPid, peer);
        Instruments.ActiveConnections.Add(1);
        try
        {
            // Served on the thread that completes the connection's waits: a wait that completed on that thread while
            // this one was still registering its continuation would be queued to the thread pool by the runtime.
            await connection.SwitchToReadinessThread();
            while (true)
            {
                SupervisorMessage message;
                try
                {
                    message = await connection.ReceiveMessageAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (SupervisorConnectionClosedException closed) when (closed.IsOrderly)
                {
                    return;
                }

                await HandleAsync(connection, message, peer, expectedPid, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            Instruments.ActiveConnections.Add(-1);
        }
    }

    /// <summary>Answers one message already received on <paramref name="connection"/> (for callers with their own receive loop).</summary>
    /// <param name="connection">Where to send the answer (and descriptor).</param>
    /// <param name="message">The message.</param>
    /// <param name="expectedChildPid">When set, a message whose <c>child_pid</c> differs is denied; when null, as for
    /// <see cref="ServeAsync(SupervisorSocket, uint?, CancellationToken)"/>.</param>
    /// <param name="cancellationToken">Cancels the decision (nothing is sent then) or a blocked send (the connection is then shut down).</param>
    /// <returns>The audit event of the answer.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorSocketException">Sending the answer failed.</exception>
    public Task<AuditEvent> HandleAsync(SupervisorSocket connection, SupervisorMessage message, uint? expectedChildPid = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        PeerCredentials? peer = TryGetPeer(connection);
        return HandleAsync(connection, message, peer, ExpectedPid(expectedChildPid, peer), cancellationToken);
    }

    /// <summary>The pid a message must carry, from the caller or the kernel, or null when none can be known.</summary>
    private uint? ExpectedPid(uint? expectedChildPid, PeerCredentials? peer)
    {
        if (_options.ChildPidVerification == ChildPidVerification.TrustConnection)
        {
            return null;
        }

        if (expectedChildPid is not null)
        {
            return expectedChildPid;
        }

        // The kernel records the connecting process; for a pair it records the creator, this process.
        return peer is { Pid: > 0 } known && known.Pid != (uint)Environment.ProcessId ? known.Pid : null;
    }

    private async Task<AuditEvent> HandleAsync(
        SupervisorSocket connection,
        SupervisorMessage message,
        PeerCredentials? peer,
        uint? expectedChildPid,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        DateTimeOffset receivedAt = _time.GetUtcNow();
        long started = _time.GetTimestamp();
        using Activity? activity = StartActivity(message);
        AuditEvent Audit(Outcome final, Exception? error) =>
            new(receivedAt, message, final.Response, final.DecidedBy, final.DeciderName, _time.GetElapsedTime(started), final.DescriptorSent, peer, error ?? final.Error)
            {
                Resolved = final.Resolved,
                Detail = final.Detail,
            };

        // While the request is decided the connection is watched for the child's hang-up (on the readiness loop): a
        // child that is gone cannot be answered, so the decision's token is cancelled and nothing is sent. A decision
        // that completes synchronously (a policy) needs no watch, which would cost two hand-offs through the
        // readiness port per request to start and stop; a hang-up the loop has already reported is still honoured,
        // and one that comes later is found by the send like any other.
        Outcome outcome;
        using (var decision = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            Task<Outcome> deciding = Decide(message, peer, expectedChildPid, decision.Token);
            bool hungUp;
            if (deciding.IsCompleted)
            {
                outcome = await deciding.ConfigureAwait(false);
                hungUp = connection.HasHungUp;
            }
            else
            {
                HangUpWatch watch = connection.WatchForHangUp(decision);
                try
                {
                    outcome = await deciding.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (watch.HungUp && !cancellationToken.IsCancellationRequested)
                {
                    outcome = HungUp(message);
                }
                finally
                {
                    await watch.StopAsync().ConfigureAwait(false);
                }

                hungUp = watch.HungUp;
            }

            if (hungUp && outcome.Detail != ChildHungUpDetail)
            {
                // Decided anyway (the decider ignored its token): still nobody to answer, and a grant's file is not sent.
                outcome.File?.Dispose();
                outcome = HungUp(message);
            }
        }

        if (outcome.Detail == ChildHungUpDetail)
        {
            AuditEvent abandoned = Audit(outcome, null);
            Report(abandoned, activity);
            return abandoned;
        }

        try
        {
            outcome = await SendAsync(connection, outcome, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception sendFailure)
        {
            activity?.SetStatus(ActivityStatusCode.Error, sendFailure.Message);
            Report(Audit(outcome, sendFailure), activity);
            throw;
        }
        finally
        {
            outcome.File?.Dispose();
        }

        AuditEvent audit = Audit(outcome, null);
        Report(audit, activity);
        return audit;
    }

    private Task<Outcome> Decide(SupervisorMessage message, PeerCredentials? peer, uint? expectedChildPid, CancellationToken cancellationToken) =>
        message switch
        {
            SupervisorMessage.Request request => DecideRequestAsync(request.Capability, peer, expectedChildPid, cancellationToken),
            SupervisorMessage.OpenUrl open => OpenUrlAsync(open.UrlRequest, expectedChildPid, cancellationToken),
            _ => throw new ArgumentException("Unknown message variant.", nameof(message)),
        };

    /// <summary>What <see cref="AuditEvent.Detail"/> says when the child hung up while its message was decided.</summary>
    internal const string ChildHungUpDetail = "the child hung up while this was being decided: the decision was cancelled and nothing was sent";

    private static Outcome HungUp(SupervisorMessage message)
    {
        var closed = new SupervisorConnectionClosedException(
            "the child hung up before it was answered", SupervisorIpcError.Closed, 0, "answer");
        return message switch
        {
            SupervisorMessage.OpenUrl open => Outcome.UrlFailed(open.UrlRequest.RequestId, "the child hung up", AuditDecider.UrlOpener, closed) with { Detail = ChildHungUpDetail },
            SupervisorMessage.Request request => Outcome.Deny(request.Capability.RequestId, "the child hung up", AuditDecider.Backend, closed) with { Detail = ChildHungUpDetail },
            _ => throw new ArgumentException("Unknown message variant.", nameof(message)),
        };
    }

    private static Activity? StartActivity(SupervisorMessage message)
    {
        Activity? activity = Instruments.ActivitySource.StartActivity(
            message is SupervisorMessage.OpenUrl ? "SupervisorIpc OpenUrl" : "SupervisorIpc Request", ActivityKind.Server);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("supervisoripc.message.kind", Instruments.Kind(message));
            switch (message)
            {
                case SupervisorMessage.Request request:
                    activity.SetTag("supervisoripc.request_id", request.Capability.RequestId);
                    activity.SetTag("supervisoripc.access", request.Capability.Access.ToString());
                    break;
                case SupervisorMessage.OpenUrl open:
                    activity.SetTag("supervisoripc.request_id", open.UrlRequest.RequestId);
                    break;
            }
        }

        return activity;
    }

    private async Task<Outcome> DecideRequestAsync(CapabilityRequest request, PeerCredentials? peer, uint? expectedChildPid, CancellationToken cancellationToken)
    {
        if (Precheck(request.RequestId, request.ChildPid, request.SessionId, expectedChildPid) is { } refused)
        {
            return Outcome.Deny(request.RequestId, refused.Reason, refused.DecidedBy);
        }

        if (PathPolicy.Normalize(request.Path) is null)
        {
            return Outcome.Deny(request.RequestId, "the path must be absolute", AuditDecider.PathCheck);
        }

        if (_roots is null || _confinement is null)
        {
            return Outcome.Deny(request.RequestId, NotAvailable, AuditDecider.Confinement) with { Detail = "the supervisor has no allowed roots to open files in" };
        }

        // Resolved before anyone decides, so that the decision is about the file a grant would open.
        if (!_roots.TryResolve(request.Path, out SvipcResolvedFileHandle? resolution, out ResolvedFile? resolved, out string? detail, out Exception? resolveError))
        {
            return Outcome.Deny(request.RequestId, NotAvailable, AuditDecider.Confinement, resolveError) with { Detail = detail };
        }

        using (resolution)
        {
            ApprovalDecision decision;
            try
            {
                decision = await _backend.DecideAsync(new ApprovalRequest(request, peer) { Resolved = resolved }, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception failure)
            {
                return Outcome.Deny(request.RequestId, "the approval backend failed", AuditDecider.Backend, failure) with { DeciderName = _backend.Name, Resolved = resolved };
            }

            if (decision is not ApprovalDecision.Granted)
            {
                return new Outcome(new SupervisorResponse.Decision(request.RequestId, decision), AuditDecider.Backend, _backend.Name) { Resolved = resolved };
            }

            if (!_confinement.TryFindRule(resolved!.Path, request.Access, out _))
            {
                return Outcome.Deny(request.RequestId, NotAvailable, AuditDecider.Confinement) with
                {
                    Resolved = resolved,
                    Detail = $"no confinement rule allows {request.Access} access at the resolved path",
                };
            }

            if (!HeldRoots.TryOpen(resolution!, request.Access, out SafeFileHandle? file, out string? openDetail, out Exception? openError))
            {
                return Outcome.Deny(request.RequestId, NotAvailable, AuditDecider.Confinement, openError) with { Resolved = resolved, Detail = openDetail };
            }

            return new Outcome(new SupervisorResponse.Decision(request.RequestId, decision), AuditDecider.Backend, _backend.Name) { File = file, Resolved = resolved };
        }
    }

    private async Task<Outcome> OpenUrlAsync(UrlOpenRequest request, uint? expectedChildPid, CancellationToken cancellationToken)
    {
        if (Precheck(request.RequestId, request.ChildPid, request.SessionId, expectedChildPid) is { } refused)
        {
            return Outcome.UrlFailed(request.RequestId, refused.Reason, refused.DecidedBy);
        }

        if (!UrlOrigin.TryGetOrigin(request.Url, out Uri? url, out string? origin))
        {
            return Outcome.UrlFailed(request.RequestId, "only absolute http and https URLs can be opened", AuditDecider.UrlOrigin);
        }

        if (!_allowedOrigins.Contains(origin!))
        {
            return Outcome.UrlFailed(request.RequestId, "the URL's origin is not allowed", AuditDecider.UrlOrigin);
        }

        if (_options.UrlOpener is not { } opener)
        {
            return Outcome.UrlFailed(request.RequestId, "this supervisor does not open URLs", AuditDecider.UrlOrigin);
        }

        try
        {
            await opener.OpenAsync(url!, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception failure)
        {
            return Outcome.UrlFailed(request.RequestId, "opening the URL failed", AuditDecider.UrlOpener, failure) with { DeciderName = opener.Name };
        }

        return new Outcome(new SupervisorResponse.UrlOpened(request.RequestId, true, null), AuditDecider.UrlOpener, opener.Name);
    }

    /// <summary>The service's own checks, common to both message kinds, in order: replay, rate, identity.</summary>
    private (string Reason, AuditDecider DecidedBy)? Precheck(string requestId, uint childPid, string sessionId, uint? expectedChildPid)
    {
        if (!_replayGuard.TryRecord(requestId))
        {
            return ("the request id was already used (replay)", AuditDecider.ReplayGuard);
        }

        if (!_rateLimit.TryTake())
        {
            // Which limit a quick series hits first is the burst: name both, the burst first.
            return (FormattableString.Invariant(
                $"rate limit exceeded: more than {_options.RequestBurst} requests at once (RequestBurst), then at most {_options.RequestsPerSecond:0.##} per second (RequestsPerSecond)"),
                AuditDecider.RateLimit);
        }

        if (expectedChildPid is { } pid && childPid != pid)
        {
            return ("child_pid does not match the supervised child", AuditDecider.Identity);
        }

        if (_options.ExpectedSessionId is { } session && !string.Equals(sessionId, session, StringComparison.Ordinal))
        {
            return ("session_id does not match this session", AuditDecider.Identity);
        }

        return null;
    }

    // Sends go through the asynchronous API so that cancellation also ends a send blocked on a child that
    // does not read (the connection is then shut down).
    private async Task<Outcome> SendAsync(SupervisorSocket connection, Outcome outcome, CancellationToken cancellationToken)
    {
        if (outcome.File is not { } file)
        {
            await connection.SendResponseAsync(outcome.Response, cancellationToken).ConfigureAwait(false);
            return outcome;
        }

        if (_options.GrantOrder == GrantOrder.DecisionFirst)
        {
            await connection.SendResponseAsync(outcome.Response, cancellationToken).ConfigureAwait(false);
            await connection.SendFileDescriptorAsync(file, cancellationToken).ConfigureAwait(false);
            return outcome with { DescriptorSent = true };
        }

        try
        {
            await connection.SendFileDescriptorAsync(file, cancellationToken).ConfigureAwait(false);
        }
        catch (SupervisorSocketException failure)
        {
            // Nothing of the grant reached the child: it gets a denial and no descriptor.
            string requestId = ((SupervisorResponse.Decision)outcome.Response).RequestId;
            Outcome denied = Outcome.Deny(requestId, "the supervisor could not send the file descriptor", AuditDecider.Confinement, failure) with { File = file };
            await connection.SendResponseAsync(denied.Response, cancellationToken).ConfigureAwait(false);
            return denied;
        }

        await connection.SendResponseAsync(outcome.Response, cancellationToken).ConfigureAwait(false);
        return outcome with { DescriptorSent = true };
    }

    private void Report(AuditEvent audit, Activity? activity)
    {
        AuditOutcome outcome = audit.Outcome;
        string kind = Instruments.Kind(audit.Message);
        string outcomeTag = Instruments.Tag(outcome);
        Instruments.Requests.Add(
            1,
            new KeyValuePair<string, object?>("supervisoripc.message.kind", kind),
            new KeyValuePair<string, object?>("supervisoripc.outcome", outcomeTag),
            new KeyValuePair<string, object?>("supervisoripc.decided_by", KebabName(audit.DecidedBy)));
        Instruments.DecisionDuration.Record(
            audit.Duration.TotalSeconds,
            new KeyValuePair<string, object?>("supervisoripc.message.kind", kind),
            new KeyValuePair<string, object?>("supervisoripc.outcome", outcomeTag));
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("supervisoripc.outcome", outcomeTag);
            activity.SetTag("supervisoripc.decided_by", KebabName(audit.DecidedBy));
            activity.SetTag("supervisoripc.decider", audit.DeciderName);
            activity.SetTag("supervisoripc.descriptor_sent", audit.DescriptorSent);
        }

        if (_options.Audit is { } callback)
        {
            Notify(static (callback, audit) => callback(audit), callback, audit, activity);
        }

        IObserver<AuditEvent>[] observers;
        lock (_observersLock)
        {
            observers = _observers.ToArray();
        }

        foreach (IObserver<AuditEvent> observer in observers)
        {
            Notify(static (observer, audit) => observer.OnNext(audit), observer, audit, activity);
        }
    }

    // An observer's failure must not end serving (the child is waiting for its next answer) nor keep the event from
    // the other observers; it is counted and recorded on the activity instead.
    private static void Notify<T>(Action<T, AuditEvent> notify, T target, AuditEvent audit, Activity? activity)
    {
        try
        {
            notify(target, audit);
        }
        catch (Exception failure)
        {
            Instruments.AuditFailures.Add(1);
            activity?.AddEvent(new ActivityEvent("exception", tags: new ActivityTagsCollection
            {
                { "exception.type", failure.GetType().FullName },
                { "exception.message", failure.Message },
            }));
        }
    }

    /// <summary>The decider as the audit's <c>DeciderName</c> and the metrics' tag spell it.</summary>
    internal static string KebabName(AuditDecider decider) => decider switch
    {
        AuditDecider.Backend => "backend",
        AuditDecider.UrlOpener => "url-opener",
        AuditDecider.ReplayGuard => "replay-guard",
        AuditDecider.RateLimit => "rate-limit",
        AuditDecider.Identity => "identity",
        AuditDecider.PathCheck => "path-check",
        AuditDecider.Confinement => "confinement",
        _ => "url-origin",
    };

    private static PeerCredentials? TryGetPeer(SupervisorSocket connection)
    {
        try
        {
            return connection.PeerCredentials;
        }
        catch (SupervisorSocketException)
        {
            return null;
        }
    }

    private sealed record Outcome(SupervisorResponse Response, AuditDecider DecidedBy, string DeciderName)
    {
        public SafeFileHandle? File { get; init; }

        public bool DescriptorSent { get; init; }

        public Exception? Error { get; init; }

        public ResolvedFile? Resolved { get; init; }

        public string? Detail { get; init; }

        public static Outcome Deny(string requestId, string reason, AuditDecider decidedBy, Exception? error = null) =>
            new(new SupervisorResponse.Decision(requestId, new ApprovalDecision.Denied(reason)), decidedBy, KebabName(decidedBy)) { Error = error };

        public static Outcome UrlFailed(string requestId, string error, AuditDecider decidedBy, Exception? failure = null) =>
            new(new SupervisorResponse.UrlOpened(requestId, false, error), decidedBy, KebabName(decidedBy)) { Error = failure };
    }

    private sealed class Subscription(SupervisorService service, IObserver<AuditEvent> observer) : IDisposable
    {
        public void Dispose()
        {
            lock (service._observersLock)
            {
                service._observers.Remove(observer);
            }
        }
    }
}
