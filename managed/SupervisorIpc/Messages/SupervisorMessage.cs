namespace SupervisorIpc;

/// <summary>
/// A message from the sandboxed child to its supervisor: the reference's externally tagged enum
/// <c>SupervisorMessage</c>, written as an object with exactly one key naming the variant,
/// e.g. <c>{"Request":{…}}</c> or <c>{"OpenUrl":{…}}</c>.
/// </summary>
/// <remarks>
/// The variants are the nested sealed records <see cref="Request"/> and <see cref="OpenUrl"/>; no other
/// subtype can be created, so a <c>switch</c> over the two is exhaustive:
/// <code>
/// switch (message)
/// {
///     case SupervisorMessage.Request { Capability: var request }: …
///     case SupervisorMessage.OpenUrl { UrlRequest: var open }: …
/// }
/// </code>
/// Encode and decode with <see cref="SupervisorWireCodec"/>.
/// </remarks>
public abstract record SupervisorMessage
{
    // Only the nested variants may derive: the wire has exactly these two.
    private SupervisorMessage()
    {
    }

    /// <summary>The <c>Request</c> variant: the child asks for access to a path.</summary>
    /// <param name="Capability">What is asked for.</param>
    public sealed record Request(CapabilityRequest Capability) : SupervisorMessage;

    /// <summary>The <c>OpenUrl</c> variant: the child asks the supervisor to open a URL.</summary>
    /// <param name="UrlRequest">The URL and who asks.</param>
    public sealed record OpenUrl(UrlOpenRequest UrlRequest) : SupervisorMessage;
}
