using System;

namespace SupervisorIpc;

/// <summary>
/// Lays out messages and responses in the reference's field order. Field names are UTF-8 literals so encoding
/// allocates nothing.
/// </summary>
internal static class MessageEncoder
{
    public static void Write(ref SerdeJsonWriter writer, SupervisorMessage message)
    {
        switch (message)
        {
            case SupervisorMessage.Request request:
                WriteRequest(ref writer, request.Capability);
                break;
            case SupervisorMessage.OpenUrl openUrl:
                WriteOpenUrl(ref writer, openUrl.UrlRequest);
                break;
            case null:
                throw new ArgumentNullException(nameof(message));
            default:
                throw new ArgumentException($"Unknown SupervisorMessage variant {message.GetType()}.", nameof(message));
        }
    }

    public static void Write(ref SerdeJsonWriter writer, SupervisorResponse response)
    {
        switch (response)
        {
            case SupervisorResponse.Decision decision:
                writer.WriteRaw("{\"Decision\":{\"request_id\":"u8);
                writer.WriteString(decision.RequestId, "Decision.RequestId");
                writer.WriteRaw(",\"decision\":"u8);
                WriteDecision(ref writer, decision.Outcome);
                writer.WriteRaw("}}"u8);
                break;
            case SupervisorResponse.UrlOpened opened:
                writer.WriteRaw("{\"UrlOpened\":{\"request_id\":"u8);
                writer.WriteString(opened.RequestId, "UrlOpened.RequestId");
                writer.WriteRaw(",\"success\":"u8);
                writer.WriteBoolean(opened.Success);
                writer.WriteRaw(",\"error\":"u8);
                writer.WriteOptionalString(opened.Error, "UrlOpened.Error");
                writer.WriteRaw("}}"u8);
                break;
            case null:
                throw new ArgumentNullException(nameof(response));
            default:
                throw new ArgumentException($"Unknown SupervisorResponse variant {response.GetType()}.", nameof(response));
        }
    }

    private static void WriteRequest(ref SerdeJsonWriter writer, CapabilityRequest request)
    {
        ArgumentNullException.ThrowIfNull(request, "Request.Capability");
        writer.WriteRaw("{\"Request\":{"u8);
        WriteCapabilityFields(ref writer, request);
        writer.WriteRaw("}}"u8);
    }

    /// <summary>The fields of a <c>CapabilityRequest</c> in the reference's order, without the braces around them.</summary>
    public static void WriteCapabilityFields(ref SerdeJsonWriter writer, CapabilityRequest request)
    {
        writer.WriteRaw("\"request_id\":"u8);
        writer.WriteString(request.RequestId, "CapabilityRequest.RequestId");
        writer.WriteRaw(",\"path\":"u8);
        writer.WriteString(request.Path, "CapabilityRequest.Path");
        writer.WriteRaw(",\"access\":"u8);
        writer.WriteRaw(request.Access switch
        {
            AccessMode.Read => "\"Read\""u8,
            AccessMode.Write => "\"Write\""u8,
            AccessMode.ReadWrite => "\"ReadWrite\""u8,
            _ => throw new ArgumentException(
                $"CapabilityRequest.Access has the value {(int)request.Access}, which is not an AccessMode member.",
                "CapabilityRequest.Access"),
        });
        writer.WriteRaw(",\"reason\":"u8);
        writer.WriteOptionalString(request.Reason, "CapabilityRequest.Reason");
        writer.WriteRaw(",\"child_pid\":"u8);
        writer.WriteUInt32(request.ChildPid);
        writer.WriteRaw(",\"session_id\":"u8);
        writer.WriteString(request.SessionId, "CapabilityRequest.SessionId");
    }

    private static void WriteOpenUrl(ref SerdeJsonWriter writer, UrlOpenRequest request)
    {
        ArgumentNullException.ThrowIfNull(request, "OpenUrl.UrlRequest");
        writer.WriteRaw("{\"OpenUrl\":{\"request_id\":"u8);
        writer.WriteString(request.RequestId, "UrlOpenRequest.RequestId");
        writer.WriteRaw(",\"url\":"u8);
        writer.WriteString(request.Url, "UrlOpenRequest.Url");
        writer.WriteRaw(",\"child_pid\":"u8);
        writer.WriteUInt32(request.ChildPid);
        writer.WriteRaw(",\"session_id\":"u8);
        writer.WriteString(request.SessionId, "UrlOpenRequest.SessionId");
        writer.WriteRaw("}}"u8);
    }

    public static void WriteDecision(ref SerdeJsonWriter writer, ApprovalDecision decision)
    {
        switch (decision)
        {
            case ApprovalDecision.Granted:
                writer.WriteRaw("\"Granted\""u8);
                break;
            case ApprovalDecision.Timeout:
                writer.WriteRaw("\"Timeout\""u8);
                break;
            case ApprovalDecision.Denied denied:
                writer.WriteRaw("{\"Denied\":{\"reason\":"u8);
                writer.WriteString(denied.Reason, "Denied.Reason");
                writer.WriteRaw("}}"u8);
                break;
            case null:
                throw new ArgumentNullException("Decision.Outcome");
            default:
                throw new ArgumentException($"Unknown ApprovalDecision variant {decision.GetType()}.", "Decision.Outcome");
        }
    }
}
