namespace SupervisorIpc;

/// <summary>
/// The file a request leads to, resolved beneath the supervisor's held roots before anyone decides: the path with
/// every symlink replaced by where it leads, and the identity of the file that a grant will open (the open checks
/// that it is still this one).
/// </summary>
/// <param name="Path">The resolved absolute path: the root as it was resolved when the service was created, then
/// the components walked. Rules and backends decide on this, not on the text the child sent.</param>
/// <param name="Device">The file's device number.</param>
/// <param name="Inode">The file's inode number.</param>
/// <param name="Mode">The file's type and permission bits (<c>st_mode</c>).</param>
/// <param name="OwnerId">The file's owner (uid).</param>
/// <param name="GroupId">The file's group (gid).</param>
/// <param name="LinkCount">How many names the file has; more than one is refused unless
/// <see cref="SupervisorServiceOptions.AllowHardLinks"/> is set.</param>
public sealed record ResolvedFile(string Path, ulong Device, ulong Inode, uint Mode, uint OwnerId, uint GroupId, uint LinkCount);
