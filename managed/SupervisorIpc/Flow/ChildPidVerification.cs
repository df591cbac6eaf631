namespace SupervisorIpc;

/// <summary>How a <see cref="SupervisorService"/> checks the <c>child_pid</c> a message carries.</summary>
public enum ChildPidVerification
{
    /// <summary>
    /// The message's <c>child_pid</c> must be the pid the supervisor knows from the kernel: the spawned child's
    /// for <see cref="SupervisorService.ServeAsync(SupervisedChild, System.Threading.CancellationToken)"/>, the
    /// pid given by the caller, or else the connection's peer pid (<c>SO_PEERCRED</c>) when the peer is another
    /// process. A child in its own PID namespace reports a pid the supervisor does not see, and is denied.
    /// </summary>
    Kernel,

    /// <summary>
    /// The pid in the message is not compared: the connection itself identifies the child (only the spawned child
    /// holds the other end of its pair; a path connection is authenticated by the listener's uid allow-list). For
    /// children in a PID namespace (<c>unshare -p</c>, bubblewrap, containers), whose own pid differs from the one
    /// the supervisor sees.
    /// </summary>
    TrustConnection,
}
