namespace SupervisorIpc;

/// <summary>
/// A sandboxed child's request to open a URL in the user's browser, outside the sandbox: the payload of
/// <see cref="SupervisorMessage.OpenUrl"/>. Wire object (fields in this order):
/// <c>{"request_id":…,"url":…,"child_pid":…,"session_id":…}</c>.
/// </summary>
/// <param name="RequestId">Identifier unique per request (<c>request_id</c>); the response carries it back.</param>
/// <param name="Url">The URL to open (<c>url</c>). Not validated by the codec: the supervisor decides what is allowed.</param>
/// <param name="ChildPid">The child's process id as the child reports it (<c>child_pid</c>, unsigned 32-bit).</param>
/// <param name="SessionId">The sandbox session the child belongs to (<c>session_id</c>).</param>
public sealed record UrlOpenRequest(
    string RequestId,
    string Url,
    uint ChildPid,
    string SessionId);
