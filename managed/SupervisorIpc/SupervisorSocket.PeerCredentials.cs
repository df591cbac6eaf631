namespace SupervisorIpc;

/// <summary>
/// Kernel-recorded credentials of the peer of a connection (Linux <c>SO_PEERCRED</c>; macOS <c>LOCAL_PEERPID</c> and
/// <c>getpeereid</c>). Uid and gid are captured when the connection was made (at <c>connect</c> for a path connection,
/// at creation for a pair); the pid differs by system, see <paramref name="Pid"/>.
/// </summary>
/// <param name="Pid">Process id of the peer. Linux: recorded at connect or socketpair time (for a pair: the process that created it).
/// macOS: the last process that used the peer's socket (a child that used its end of a pair made before it started).</param>
/// <param name="Uid">Effective user id of the peer.</param>
/// <param name="Gid">Effective group id of the peer.</param>
public readonly record struct PeerCredentials(uint Pid, uint Uid, uint Gid);
