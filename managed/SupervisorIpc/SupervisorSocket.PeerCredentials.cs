namespace SupervisorIpc;

/// <summary>
/// Kernel-recorded credentials of the peer of a connection (Linux <c>SO_PEERCRED</c>), captured when the
/// connection was made: at <c>connect</c> for a path connection, at creation for a pair.
/// </summary>
/// <param name="Pid">Process id of the peer (for a pair: of the process that created it).</param>
/// <param name="Uid">Effective user id of the peer.</param>
/// <param name="Gid">Effective group id of the peer.</param>
public readonly record struct PeerCredentials(int Pid, uint Uid, uint Gid);
