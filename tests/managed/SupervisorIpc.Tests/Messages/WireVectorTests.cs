using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Messages;

/// <summary>Every reference frame, both ways: our encoder produces it byte for byte and our decoder reads it back.</summary>
[TestFixture]
public sealed class WireVectorTests
{
    /// <summary>The value each reference frame stands for, written independently of the codec.</summary>
    private static readonly Dictionary<string, object> s_expected = new()
    {
        ["request_read"] = new SupervisorMessage.Request(
            new CapabilityRequest("req-001", "/tmp/test", AccessMode.Read, "test access", 12345, "sess-001")),
        ["request_write_no_reason"] = new SupervisorMessage.Request(
            new CapabilityRequest("r2", "/var/log/app.log", AccessMode.Write, null, 1, "")),
        ["open_url"] = new SupervisorMessage.OpenUrl(
            new UrlOpenRequest("url-001", "https://example.com/oauth?x=1&y=<2>", 12345, "sess-001")),
        ["decision_granted"] = new SupervisorResponse.Decision("req-001", ApprovalDecision.Granted.Instance),
        ["decision_denied"] = new SupervisorResponse.Decision("req-002", new ApprovalDecision.Denied("not allowed")),
        ["decision_timeout"] = new SupervisorResponse.Decision("req-003", ApprovalDecision.Timeout.Instance),
        ["url_opened_ok"] = new SupervisorResponse.UrlOpened("url-001", true, null),
        ["url_opened_err"] = new SupervisorResponse.UrlOpened("url-002", false, "origin not allowed"),
    };

    private static IEnumerable<WireVector> MessageVectors() => WireVectors.Messages();

    private static IEnumerable<WireVector> ResponseVectors() => WireVectors.Responses();

    [Test]
    public void TheRepositoryCopyHoldsAllEightReferenceFrames()
    {
        Assert.That(WireVectors.All, Has.Count.EqualTo(8));
        Assert.That(WireVectors.All, Has.All.Matches<WireVector>(v => s_expected.ContainsKey(v.Name)));
    }

    [TestCaseSource(nameof(MessageVectors))]
    public void EncodingAMessageGivesTheReferenceBytes(WireVector vector)
    {
        var message = (SupervisorMessage)s_expected[vector.Name];
        Assert.That(Text(SupervisorWireCodec.Encode(message)), Is.EqualTo(Text(vector.Payload)));
        Assert.That(SupervisorWireCodec.Encode(message), Is.EqualTo(vector.Payload));
        Assert.That(SupervisorWireCodec.GetEncodedLength(message), Is.EqualTo(vector.Payload.Length));
    }

    [TestCaseSource(nameof(MessageVectors))]
    public void DecodingAReferenceMessageGivesTheValue(WireVector vector)
    {
        Assert.That(SupervisorWireCodec.DecodeMessage(vector.Payload), Is.EqualTo(s_expected[vector.Name]));
    }

    [TestCaseSource(nameof(ResponseVectors))]
    public void EncodingAResponseGivesTheReferenceBytes(WireVector vector)
    {
        var response = (SupervisorResponse)s_expected[vector.Name];
        Assert.That(Text(SupervisorWireCodec.Encode(response)), Is.EqualTo(Text(vector.Payload)));
        Assert.That(SupervisorWireCodec.Encode(response), Is.EqualTo(vector.Payload));
        Assert.That(SupervisorWireCodec.GetEncodedLength(response), Is.EqualTo(vector.Payload.Length));
    }

    [TestCaseSource(nameof(ResponseVectors))]
    public void DecodingAReferenceResponseGivesTheValue(WireVector vector)
    {
        Assert.That(SupervisorWireCodec.DecodeResponse(vector.Payload), Is.EqualTo(s_expected[vector.Name]));
    }

    [TestCaseSource(nameof(MessageVectors))]
    public void AMessageFrameIsNotAResponse(WireVector vector)
    {
        // Direction confusion: a child's message sent where a response is expected is refused by variant name.
        var error = Assert.Throws<SupervisorMessageFormatException>(() => SupervisorWireCodec.DecodeResponse(vector.Payload));
        Assert.That(error!.Message, Does.Contain("Unknown SupervisorResponse variant"));
    }

    [TestCaseSource(nameof(ResponseVectors))]
    public void AResponseFrameIsNotAMessage(WireVector vector)
    {
        var error = Assert.Throws<SupervisorMessageFormatException>(() => SupervisorWireCodec.DecodeMessage(vector.Payload));
        Assert.That(error!.Message, Does.Contain("Unknown SupervisorMessage variant"));
    }

    [Test]
    public void DecodedUnitDecisionsAreTheSharedInstances()
    {
        var granted = (SupervisorResponse.Decision)SupervisorWireCodec.DecodeResponse(WireVectors.Named("decision_granted").Payload);
        var timeout = (SupervisorResponse.Decision)SupervisorWireCodec.DecodeResponse(WireVectors.Named("decision_timeout").Payload);
        Assert.That(granted.Outcome, Is.SameAs(ApprovalDecision.Granted.Instance));
        Assert.That(timeout.Outcome, Is.SameAs(ApprovalDecision.Timeout.Instance));
    }

    private static string Text(byte[] payload) => Encoding.UTF8.GetString(payload);
}
