using System;
using System.Collections.Generic;

namespace SupervisorIpc;

/// <summary>Settings of a <see cref="SupervisorService"/>.</summary>
public sealed class SupervisorServiceOptions
{
    /// <summary>Decides on file requests. Required.</summary>
    public IApprovalBackend? ApprovalBackend { get; set; }

    /// <summary>
    /// The roots granted files must really lie in, and the access each allows. The service opens the roots once,
    /// when it is created, and resolves every request beneath the held roots (a symlink cannot lead out, and a
    /// root renamed or replaced afterwards changes nothing). Null uses the policy of a
    /// <see cref="PolicyApprovalBackend"/>; with any other backend and no confinement, every request is denied.
    /// </summary>
    public PathPolicy? Confinement { get; set; }

    /// <summary>
    /// Grant regular files that have more than one hard link. Off by default: another name of such a file may lie
    /// outside every root (a child that can write inside a root can link any file of its filesystem there).
    /// </summary>
    public bool AllowHardLinks { get; set; }

    /// <summary>Refuse paths that cross into another filesystem (a mount point) beneath a root.</summary>
    public bool StayOnRootFileSystem { get; set; }

    /// <summary>How the <c>child_pid</c> of messages is checked; <see cref="ChildPidVerification.Kernel"/> by default.</summary>
    public ChildPidVerification ChildPidVerification { get; set; } = ChildPidVerification.Kernel;

    /// <summary>Opens URLs for <c>OpenUrl</c>; null answers every <c>OpenUrl</c> with a failure.</summary>
    public IUrlOpener? UrlOpener { get; set; }

    /// <summary>
    /// The origins (scheme://host[:port], http or https) whose URLs may be opened, e.g. <c>https://example.com</c>.
    /// Empty (the default) allows none.
    /// </summary>
    public IReadOnlyCollection<string> AllowedUrlOrigins { get; set; } = Array.Empty<string>();

    /// <summary>Sustained rate of messages the service answers, per second, before denying (10, as the reference).</summary>
    public double RequestsPerSecond { get; set; } = 10;

    /// <summary>How many messages may come at once before the rate applies (5, as the reference).</summary>
    public int RequestBurst { get; set; } = 5;

    /// <summary>How many recent request ids are remembered to reject replays (oldest forgotten first).</summary>
    public int ReplayMemory { get; set; } = 4096;

    /// <summary>Order of descriptor and decision on a grant; descriptor first by default, as the reference.</summary>
    public GrantOrder GrantOrder { get; set; } = GrantOrder.DescriptorFirst;

    /// <summary>When set, messages whose <c>session_id</c> differs are denied.</summary>
    public string? ExpectedSessionId { get; set; }

    /// <summary>Receives every audit event (as do the service's <see cref="IObservable{T}"/> subscribers).</summary>
    public Action<AuditEvent>? Audit { get; set; }

    /// <summary>The clock for the rate limit and the audit times.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;
}
