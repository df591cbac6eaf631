using System;
using System.Text;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Messages;

/// <summary>Builds payloads from text and asserts how the decoder treats them.</summary>
internal static class Payloads
{
    public static byte[] Utf8(string json) => Encoding.UTF8.GetBytes(json);

    /// <summary>A canonical Request with <paramref name="body"/> as the CapabilityRequest object.</summary>
    public static byte[] Request(string body) => Utf8("{\"Request\":" + body + "}");

    public const string ValidRequestBody =
        "{\"request_id\":\"r\",\"path\":\"/p\",\"access\":\"Read\",\"reason\":null,\"child_pid\":7,\"session_id\":\"s\"}";

    public static readonly CapabilityRequest ValidRequest = new("r", "/p", AccessMode.Read, null, 7, "s");

    /// <summary>A Request whose child_pid is the given literal.</summary>
    public static byte[] RequestWithPid(string literal) =>
        Request("{\"request_id\":\"r\",\"path\":\"/p\",\"access\":\"Read\",\"reason\":null,\"child_pid\":" + literal + ",\"session_id\":\"s\"}");

    public static SupervisorMessageFormatException RejectedMessage(byte[] payload, string? messagePart = null)
    {
        var error = Assert.Throws<SupervisorMessageFormatException>(() => SupervisorWireCodec.DecodeMessage(payload))!;
        if (messagePart is not null)
        {
            Assert.That(error.Message, Does.Contain(messagePart));
        }

        return error;
    }

    public static SupervisorMessageFormatException RejectedResponse(byte[] payload, string? messagePart = null)
    {
        var error = Assert.Throws<SupervisorMessageFormatException>(() => SupervisorWireCodec.DecodeResponse(payload))!;
        if (messagePart is not null)
        {
            Assert.That(error.Message, Does.Contain(messagePart));
        }

        return error;
    }

    public static CapabilityRequest AcceptedRequest(byte[] payload)
    {
        SupervisorMessage message = SupervisorWireCodec.DecodeMessage(payload);
        Assert.That(message, Is.TypeOf<SupervisorMessage.Request>());
        return ((SupervisorMessage.Request)message).Capability;
    }

    public static string Show(byte[] payload) => Encoding.UTF8.GetString(payload).Replace("\0", "\\0", StringComparison.Ordinal);
}
