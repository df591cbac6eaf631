namespace SupervisorIpc;

/// <summary>
/// A message from the supervisor to the sandboxed child: the reference's externally tagged enum
/// <c>SupervisorResponse</c>, written as an object with exactly one key naming the variant,
/// e.g. <c>{"Decision":{…}}</c> or <c>{"UrlOpened":{…}}</c>.
/// </summary>
/// <remarks>
/// The variants are the nested sealed records <see cref="Decision"/> and <see cref="UrlOpened"/>; no other subtype
/// can be created. Encode and decode with <see cref="SupervisorWireCodec"/>.
/// </remarks>
public abstract record SupervisorResponse
{
    // Only the nested variants may derive: the wire has exactly these two.
    private SupervisorResponse()
    {
    }

    /// <summary>
    /// The <c>Decision</c> variant, answering a <see cref="SupervisorMessage.Request"/>:
    /// <c>{"Decision":{"request_id":…,"decision":…}}</c>.
    /// </summary>
    /// <param name="RequestId">The <see cref="CapabilityRequest.RequestId"/> answered (<c>request_id</c>).</param>
    /// <param name="Outcome">The decision (wire field <c>decision</c>; C# does not allow a member named like its
    /// enclosing type, hence the different name).</param>
    public sealed record Decision(string RequestId, ApprovalDecision Outcome) : SupervisorResponse;

    /// <summary>
    /// The <c>UrlOpened</c> variant, answering a <see cref="SupervisorMessage.OpenUrl"/>:
    /// <c>{"UrlOpened":{"request_id":…,"success":…,"error":…}}</c>.
    /// </summary>
    /// <param name="RequestId">The <see cref="UrlOpenRequest.RequestId"/> answered (<c>request_id</c>).</param>
    /// <param name="Success">Whether the URL was opened (<c>success</c>).</param>
    /// <param name="Error">What went wrong (<c>error</c>); <see langword="null"/> is written as JSON <c>null</c>, and a
    /// missing field decodes as <see langword="null"/>.</param>
    public sealed record UrlOpened(string RequestId, bool Success, string? Error) : SupervisorResponse;
}
