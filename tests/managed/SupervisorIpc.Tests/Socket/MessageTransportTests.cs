using System;
using NUnit.Framework;
using static SupervisorIpc.Tests.Transport.SocketTestSupport;

namespace SupervisorIpc.Tests.Transport;

[TestFixture]
public sealed class MessageTransportTests
{
    private static SupervisorMessage.Request SampleRequest(string id) =>
        new(new CapabilityRequest(id, "/tmp/test", AccessMode.ReadWrite, "needs it", 4242, "sess-1"));

    [Test]
    public void Messages_travel_child_to_supervisor_and_equal_what_was_sent()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            var request = SampleRequest("req-1");
            var openUrl = new SupervisorMessage.OpenUrl(new UrlOpenRequest("url-1", "https://example.com/?a=<1>&b=ü", 7, "sess-1"));
            child.SendMessage(request);
            child.SendMessage(openUrl);
            Assert.That(supervisor.ReceiveMessage(), Is.EqualTo(request));
            Assert.That(supervisor.ReceiveMessage(), Is.EqualTo(openUrl));
        }
    }

    [Test]
    public void Responses_travel_supervisor_to_child_and_equal_what_was_sent()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            SupervisorResponse[] responses =
            {
                new SupervisorResponse.Decision("req-1", ApprovalDecision.Granted.Instance),
                new SupervisorResponse.Decision("req-2", new ApprovalDecision.Denied("not allowed")),
                new SupervisorResponse.UrlOpened("url-1", false, "origin not allowed"),
            };
            foreach (SupervisorResponse response in responses)
            {
                supervisor.SendResponse(response);
            }

            foreach (SupervisorResponse response in responses)
            {
                Assert.That(child.ReceiveResponse(), Is.EqualTo(response));
            }
        }
    }

    [Test]
    public void The_wire_bytes_are_the_codec_encoding()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            var decision = new SupervisorResponse.Decision("req-001", ApprovalDecision.Granted.Instance);
            supervisor.SendResponse(decision);
            Assert.That(ReceiveText(child), Is.EqualTo("{\"Decision\":{\"request_id\":\"req-001\",\"decision\":\"Granted\"}}"));
        }
    }

    [Test]
    public void A_malformed_frame_throws_a_format_error_and_the_next_frame_still_decodes()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            child.SendFrame(Utf8("{\"Unknown\":{}}"));
            child.SendMessage(SampleRequest("req-after"));
            Assert.Throws<SupervisorMessageFormatException>(() => supervisor.ReceiveMessage());
            Assert.That(supervisor.ReceiveMessage(), Is.EqualTo(SampleRequest("req-after")));

            supervisor.SendFrame(Utf8("not json"));
            Assert.Throws<SupervisorMessageFormatException>(() => child.ReceiveResponse());
        }
    }

    [Test]
    public void A_message_that_does_not_fit_in_a_frame_is_refused_and_nothing_is_sent()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            string huge = new('x', SupervisorSocket.MaxPayloadLength);
            AssertSocketError(SupervisorIpcError.TooLarge, () => child.SendMessage(
                new SupervisorMessage.Request(new CapabilityRequest("r", huge, AccessMode.Read, null, 1, "s"))));
            AssertSocketError(SupervisorIpcError.TooLarge, () => supervisor.SendResponse(
                new SupervisorResponse.Decision("r", new ApprovalDecision.Denied(huge))));
            child.SendMessage(SampleRequest("req-ok"));
            Assert.That(supervisor.ReceiveMessage(), Is.EqualTo(SampleRequest("req-ok")));
        }
    }
}
