namespace SupervisorIpc;

/// <summary>What an <see cref="IApprovalBackend"/> decides on.</summary>
/// <param name="Capability">The child's request, as received (<c>approval.Capability.Path</c> is what it asked for).</param>
/// <param name="Peer">The kernel-recorded credentials of the connection's peer, when known. On a socket pair made
/// before the child started they name the supervisor itself, not the child.</param>
public sealed record ApprovalRequest(CapabilityRequest Capability, PeerCredentials? Peer)
{
    /// <summary>
    /// The file a grant would open: the requested path resolved beneath the service's held roots (symlinks
    /// replaced by where they lead) and its identity. Decide on <see cref="ResolvedFile.Path"/>, not on
    /// <c>Capability.Path</c>: the two differ when the child's path leads through a symlink. Set by
    /// <see cref="SupervisorService"/> for every request it asks about; null only when a caller builds the request
    /// itself.
    /// </summary>
    public ResolvedFile? Resolved { get; init; }
}
