using System;
using System.Collections.Generic;

namespace SupervisorIpc;

/// <summary>Settings of a <see cref="SupervisorListener"/>.</summary>
public sealed class SupervisorListenerOptions
{
    /// <summary>
    /// The user ids whose connections are accepted (at most 64); null (the default) allows only this process's
    /// effective uid, as the reference does.
    /// </summary>
    public IReadOnlyList<uint>? AllowedUids { get; set; }

    /// <summary>
    /// The read timeout each accepted connection gets, so that a client that connects and stays silent cannot stall
    /// the supervisor; null for none. Five seconds by default, as the reference.
    /// </summary>
    public TimeSpan? ConnectionReadTimeout { get; set; } = TimeSpan.FromMilliseconds(Interop.NativeMethods.ListenerDefaultReadTimeoutMs);
}
