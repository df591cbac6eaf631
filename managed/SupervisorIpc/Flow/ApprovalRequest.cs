namespace SupervisorIpc;

/// <summary>What an <see cref="IApprovalBackend"/> decides on.</summary>
/// <param name="Request">The child's request, as received.</param>
/// <param name="Peer">The kernel-recorded credentials of the connection's peer, when known. On a socket pair made
/// before the child started they name the supervisor itself, not the child.</param>
public sealed record ApprovalRequest(CapabilityRequest Request, PeerCredentials? Peer);
