namespace SupervisorIpc;

/// <summary>
/// A sandboxed child's request for access to a filesystem path: the payload of
/// <see cref="SupervisorMessage.Request"/>. Wire object (fields in this order):
/// <c>{"request_id":…,"path":…,"access":…,"reason":…,"child_pid":…,"session_id":…}</c>.
/// </summary>
/// <param name="RequestId">Identifier unique per request (<c>request_id</c>); the response carries it back.
/// A supervisor may reject a repeated id as a replay.</param>
/// <param name="Path">The absolute path the child wants (<c>path</c>).</param>
/// <param name="Access">The access wanted (<c>access</c>).</param>
/// <param name="Reason">Why the child wants it, shown to whoever approves (<c>reason</c>); <see langword="null"/>
/// is written as JSON <c>null</c>, and a missing field decodes as <see langword="null"/>.</param>
/// <param name="ChildPid">The child's process id as the child reports it (<c>child_pid</c>, unsigned 32-bit). Not
/// authenticated: compare it with the kernel's peer credentials.</param>
/// <param name="SessionId">The sandbox session the child belongs to (<c>session_id</c>).</param>
public sealed record CapabilityRequest(
    string RequestId,
    string Path,
    AccessMode Access,
    string? Reason,
    uint ChildPid,
    string SessionId);
