namespace SupervisorIpc;

/// <summary>
/// A <see cref="SupervisorListener"/> accepted a connection from a peer whose user id is not in its allow-list;
/// that connection is already closed and the listener can accept again.
/// </summary>
public sealed class SupervisorPeerRejectedException : SupervisorSocketException
{
    /// <summary>Creates the exception for a rejected peer.</summary>
    /// <param name="message">What happened, naming the peer.</param>
    /// <param name="peer">The rejected peer's kernel-recorded credentials.</param>
    /// <param name="path">The listener's path.</param>
    public SupervisorPeerRejectedException(string message, PeerCredentials peer, string? path)
        : base(message, SupervisorIpcError.PeerRejected, 0, "accept", path)
    {
        Peer = peer;
    }

    /// <summary>The rejected peer's kernel-recorded credentials.</summary>
    public PeerCredentials Peer { get; }
}
