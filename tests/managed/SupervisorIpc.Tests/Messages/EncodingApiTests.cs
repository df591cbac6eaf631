using System;
using System.Collections.Generic;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Messages;

/// <summary>The encoding entry points: span sizes, exact lengths, argument checks and allocation.</summary>
[TestFixture]
public sealed class EncodingApiTests
{
    private static readonly SupervisorMessage s_request = new SupervisorMessage.Request(
        new CapabilityRequest("req-é", "/tmp/😀\n", AccessMode.ReadWrite, "why\u0001", uint.MaxValue, "sess"));

    private static readonly SupervisorResponse s_denied = new SupervisorResponse.Decision("req", new ApprovalDecision.Denied("no \"way\""));

    [Test]
    public void TryEncodeRefusesEverySpanShorterThanThePayloadAndFitsTheExactSize()
    {
        byte[] expected = SupervisorWireCodec.Encode(s_request);
        for (int size = 0; size < expected.Length; size++)
        {
            byte[] buffer = new byte[size];
            Assert.That(SupervisorWireCodec.TryEncode(s_request, buffer, out int written), Is.False, $"size {size}");
            Assert.That(written, Is.Zero);
        }

        byte[] exact = new byte[expected.Length];
        Assert.That(SupervisorWireCodec.TryEncode(s_request, exact, out int exactWritten), Is.True);
        Assert.That(exactWritten, Is.EqualTo(expected.Length));
        Assert.That(exact, Is.EqualTo(expected));

        byte[] larger = new byte[expected.Length + 10];
        larger.AsSpan().Fill(0xAA);
        Assert.That(SupervisorWireCodec.TryEncode(s_request, larger, out int largerWritten), Is.True);
        Assert.That(largerWritten, Is.EqualTo(expected.Length));
        Assert.That(larger.AsSpan(0, largerWritten).ToArray(), Is.EqualTo(expected));
        Assert.That(larger.AsSpan(largerWritten).ToArray(), Has.All.EqualTo(0xAA), "nothing written past the payload");
    }

    [Test]
    public void TryEncodeOfAResponseRefusesEveryShorterSpan()
    {
        byte[] expected = SupervisorWireCodec.Encode(s_denied);
        Assert.That(SupervisorWireCodec.GetEncodedLength(s_denied), Is.EqualTo(expected.Length));
        for (int size = 0; size < expected.Length; size++)
        {
            Assert.That(SupervisorWireCodec.TryEncode(s_denied, new byte[size], out _), Is.False, $"size {size}");
        }

        byte[] exact = new byte[expected.Length];
        Assert.That(SupervisorWireCodec.TryEncode(s_denied, exact, out int written), Is.True);
        Assert.That(written, Is.EqualTo(expected.Length));
        Assert.That(exact, Is.EqualTo(expected));
    }

    [Test]
    public void TryEncodeAllocatesNothing()
    {
        byte[] buffer = new byte[1024];
        SupervisorWireCodec.TryEncode(s_request, buffer, out _);
        SupervisorWireCodec.TryEncode(s_denied, buffer, out _);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            SupervisorWireCodec.TryEncode(s_request, buffer, out _);
            SupervisorWireCodec.TryEncode(s_denied, buffer, out _);
            SupervisorWireCodec.TryEncode(s_request, buffer.AsSpan(0, 3), out _);
            SupervisorWireCodec.GetEncodedLength(s_request);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }

    [Test]
    public void DecodingAllocatesLittleBeyondTheResult()
    {
        // The decoder allocates the strings and records it returns and nothing proportional to the input: no
        // buffers, no DOM. 100 decodes of a 140-byte frame stay far below what copying each frame would cost.
        byte[] payload = WireVectors.Named("request_read").Payload;
        SupervisorWireCodec.DecodeMessage(payload);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            SupervisorWireCodec.DecodeMessage(payload);
        }

        long perDecode = (GC.GetAllocatedBytesForCurrentThread() - before) / 100;
        TestContext.Out.WriteLine($"{perDecode} bytes allocated per decode of a {payload.Length}-byte request");

        // Four strings (~30-50 bytes each), the request record and the variant record.
        Assert.That(perDecode, Is.LessThan(400));
    }

    [Test]
    public void NullArgumentsAreRefused()
    {
        Assert.Throws<ArgumentNullException>(() => SupervisorWireCodec.Encode((SupervisorMessage)null!));
        Assert.Throws<ArgumentNullException>(() => SupervisorWireCodec.Encode((SupervisorResponse)null!));
        Assert.Throws<ArgumentNullException>(() => SupervisorWireCodec.TryEncode((SupervisorMessage)null!, new byte[10], out _));
        Assert.Throws<ArgumentNullException>(() => SupervisorWireCodec.GetEncodedLength((SupervisorResponse)null!));
        Assert.Throws<ArgumentNullException>(() => SupervisorWireCodec.Encode(new SupervisorMessage.Request(null!)));
        Assert.Throws<ArgumentNullException>(() => SupervisorWireCodec.Encode(new SupervisorMessage.OpenUrl(null!)));
        Assert.Throws<ArgumentNullException>(() => SupervisorWireCodec.Encode(new SupervisorResponse.Decision("r", null!)));
    }

    private static IEnumerable<TestCaseData> ValuesWithANullRequiredString()
    {
        yield return new TestCaseData(new SupervisorMessage.Request(new CapabilityRequest(null!, "/p", AccessMode.Read, null, 1, "s")), "CapabilityRequest.RequestId");
        yield return new TestCaseData(new SupervisorMessage.Request(new CapabilityRequest("r", null!, AccessMode.Read, null, 1, "s")), "CapabilityRequest.Path");
        yield return new TestCaseData(new SupervisorMessage.Request(new CapabilityRequest("r", "/p", AccessMode.Read, null, 1, null!)), "CapabilityRequest.SessionId");
        yield return new TestCaseData(new SupervisorMessage.OpenUrl(new UrlOpenRequest("r", null!, 1, "s")), "UrlOpenRequest.Url");
        yield return new TestCaseData(new SupervisorResponse.Decision(null!, ApprovalDecision.Granted.Instance), "Decision.RequestId");
        yield return new TestCaseData(new SupervisorResponse.Decision("r", new ApprovalDecision.Denied(null!)), "Denied.Reason");
        yield return new TestCaseData(new SupervisorResponse.UrlOpened(null!, true, null), "UrlOpened.RequestId");
    }

    [TestCaseSource(nameof(ValuesWithANullRequiredString))]
    public void ANullRequiredStringIsRefusedByName(object value, string field)
    {
        var error = Assert.Throws<ArgumentNullException>(() =>
        {
            if (value is SupervisorMessage message)
            {
                SupervisorWireCodec.Encode(message);
            }
            else
            {
                SupervisorWireCodec.Encode((SupervisorResponse)value);
            }
        });
        Assert.That(error!.ParamName, Is.EqualTo(field));
    }

    [Test]
    public void AnUndefinedAccessModeIsRefused()
    {
        var request = new SupervisorMessage.Request(new CapabilityRequest("r", "/p", (AccessMode)3, null, 1, "s"));
        var error = Assert.Throws<ArgumentException>(() => SupervisorWireCodec.Encode(request));
        Assert.That(error!.Message, Does.Contain("not an AccessMode member"));
    }

    [Test]
    public void ValuesCompareByContent()
    {
        Assert.That(new ApprovalDecision.Granted(), Is.EqualTo(ApprovalDecision.Granted.Instance));
        Assert.That(new ApprovalDecision.Timeout(), Is.Not.EqualTo((ApprovalDecision)ApprovalDecision.Granted.Instance));
        Assert.That(
            new SupervisorMessage.Request(new CapabilityRequest("a", "/p", AccessMode.Write, "x", 2, "s")),
            Is.EqualTo(new SupervisorMessage.Request(new CapabilityRequest("a", "/p", AccessMode.Write, "x", 2, "s"))));
        Assert.That(
            new SupervisorResponse.UrlOpened("a", true, null),
            Is.Not.EqualTo(new SupervisorResponse.UrlOpened("a", false, null)));
    }
}
