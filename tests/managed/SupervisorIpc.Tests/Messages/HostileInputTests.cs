using System;
using System.Text;
using NUnit.Framework;
using static SupervisorIpc.Tests.Messages.Payloads;

namespace SupervisorIpc.Tests.Messages;

/// <summary>
/// Input a hostile peer could send: broken JSON, broken text, absurd nesting and sizes. Each is refused with
/// <see cref="SupervisorMessageFormatException"/> (or, where serde_json accepts it, accepted), never anything else.
/// </summary>
[TestFixture]
public sealed class HostileInputTests
{
    [Test]
    public void EveryTruncationOfEveryReferenceFrameIsRefused()
    {
        int cases = 0;
        foreach (WireVector vector in WireVectors.All)
        {
            for (int length = 0; length < vector.Payload.Length; length++)
            {
                byte[] prefix = vector.Payload.AsSpan(0, length).ToArray();
                var error = vector.IsMessage ? RejectedMessage(prefix) : RejectedResponse(prefix);
                Assert.That(error.ByteOffset, Is.InRange(0, length), $"{vector.Name} cut at {length}");
                cases++;
            }
        }

        Assert.That(cases, Is.GreaterThan(500));
    }

    [Test]
    public void AnEmptyOrBlankPayloadIsRefused()
    {
        RejectedMessage([]);
        RejectedResponse([]);
        RejectedMessage(Utf8("  \n\t\r "));
        RejectedMessage(Utf8("null"), "found null");
        RejectedResponse(Utf8("42"), "found a number");
        RejectedResponse(Utf8("[]"), "found an array");
    }

    [Test]
    public void TenThousandOpenBracketsAreRefusedCleanly()
    {
        RejectedMessage(Utf8(new string('[', 10_000)));
        RejectedResponse(Utf8(new string('{', 10_000)));
        RejectedMessage(Request(new string('[', 10_000)));
    }

    [Test]
    public void DeepButBalancedNestingAsTheMessageIsRefusedByType()
    {
        RejectedMessage(Utf8(new string('[', 10_000) + new string(']', 10_000)), "found an array");
        RejectedMessage(Request("{\"path\":" + new string('[', 10_000) + new string(']', 10_000) + "}"), "`path`");
    }

    [Test]
    public void DeepNestingInAnUnknownFieldIsSkippedAsSerdeJsonDoes()
    {
        // serde's IgnoredAny skips unknown values iteratively with no recursion limit, so the reference accepts
        // this; Utf8JsonReader also skips without recursion, so accepting it cannot exhaust the stack.
        string deep = new string('[', 20_000) + new string(']', 20_000);
        string body = ValidRequestBody.Insert(1, "\"x\":" + deep + ",");
        Assert.That(AcceptedRequest(Request(body)), Is.EqualTo(ValidRequest));

        string deepObjects = string.Concat(System.Linq.Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000);
        Assert.That(AcceptedRequest(Request(ValidRequestBody.Insert(1, "\"y\":" + deepObjects + ","))), Is.EqualTo(ValidRequest));
    }

    [Test]
    public void StringsUpToTheFrameCapDecode()
    {
        const int cap = 65_536;
        var empty = new SupervisorMessage.Request(new CapabilityRequest("r", "", AccessMode.Read, null, 7, "s"));
        int overhead = SupervisorWireCodec.GetEncodedLength(empty);
        var huge = new SupervisorMessage.Request(
            new CapabilityRequest("r", "/" + new string('a', cap - overhead - 1), AccessMode.Read, null, 7, "s"));
        byte[] payload = SupervisorWireCodec.Encode(huge);
        Assert.That(payload, Has.Length.EqualTo(cap));
        Assert.That(SupervisorWireCodec.DecodeMessage(payload), Is.EqualTo(huge));

        // The same size made of escapes and multi-byte characters.
        string mixed = string.Concat(System.Linq.Enumerable.Repeat("\u0001é😀\"", 4_600));
        var escaped = new SupervisorResponse.UrlOpened("u", false, mixed);
        byte[] escapedPayload = SupervisorWireCodec.Encode(escaped);
        Assert.That(escapedPayload.Length, Is.InRange(60_000, cap));
        Assert.That(SupervisorWireCodec.DecodeResponse(escapedPayload), Is.EqualTo(escaped));

        // An unterminated string as long as the cap.
        RejectedMessage(Request("{\"path\":\"" + new string('a', cap)));
    }

    private static readonly byte[][] s_invalidUtf8 =
    [
        [0xFF],
        [0xC0, 0x80],             // overlong NUL
        [0xE0, 0x80, 0xAF],       // overlong '/'
        [0xED, 0xA0, 0x80],       // a surrogate encoded in UTF-8
        [0xE2, 0x82],             // truncated sequence
        [0x80],                   // lone continuation byte
        [0xF4, 0x90, 0x80, 0x80], // beyond U+10FFFF
    ];

    [Test]
    public void InvalidUtf8InADecodedStringIsRefused([Range(0, 6)] int sample)
    {
        byte[] bad = s_invalidUtf8[sample];
        byte[] payload = [.. "{\"Request\":{\"request_id\":\"r\",\"path\":\"/a"u8, .. bad, .. "\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}}"u8];
        RejectedMessage(payload, "`path`");

        // Also when the string has escapes, which takes the decoder's other path.
        byte[] escaped = [.. "{\"UrlOpened\":{\"request_id\":\"u\",\"success\":false,\"error\":\"\\n"u8, .. bad, .. "\"}}"u8];
        RejectedResponse(escaped, "`error`");
    }

    [Test]
    public void InvalidUtf8InAKeyIsRefusedEvenForAnUnknownField([Range(0, 6)] int sample)
    {
        // serde_json decodes every key before matching it, so it refuses these keys too.
        byte[] payload = [.. "{\"Request\":{\""u8, .. s_invalidUtf8[sample], .. "\":1,"u8, .. Utf8(ValidRequestBody.Substring(1)), .. "}"u8];
        RejectedMessage(payload, "key");
    }

    [Test]
    public void InvalidUtf8InAVariantNameIsRefused()
    {
        RejectedMessage([.. "{\"Req"u8, 0xFF, .. "\":{}}"u8], "Unknown SupervisorMessage variant");
    }

    [Test]
    public void InvalidUtf8InsideAnIgnoredValueIsSkippedAsSerdeJsonDoes()
    {
        // serde_json skips ignored strings without decoding them (ignore_str checks only escapes and control bytes).
        byte[] payload = [.. "{\"Request\":{\"x\":\""u8, 0xFF, 0xC0, 0x80, .. "\","u8, .. Utf8(ValidRequestBody.Substring(1)), .. "}"u8];
        Assert.That(AcceptedRequest(payload), Is.EqualTo(ValidRequest));
    }

    [TestCase("\\ud800")]
    [TestCase("\\udc00")]
    [TestCase("\\ud800x")]
    [TestCase("\\ud800\\u0041")]
    [TestCase("\\ude00\\ud83d")]
    [TestCase("\\ud83d\\ud83d")]
    public void AnUnpairedSurrogateEscapeInADecodedStringIsRefused(string escape)
    {
        // serde_json refuses these in strings it decodes ("lone leading surrogate in hex escape" and similar).
        RejectedMessage(Request(ValidRequestBody.Replace("\"/p\"", "\"" + escape + "\"", StringComparison.Ordinal)), "`path`");
        RejectedResponse(Utf8("{\"Decision\":{\"request_id\":\"r\",\"decision\":{\"Denied\":{\"reason\":\"" + escape + "\"}}}}"), "`reason`");
        RejectedMessage(Request(ValidRequestBody.Insert(1, "\"" + escape + "\":0,")), "key");
    }

    [Test]
    public void AnUnpairedSurrogateEscapeInsideAnIgnoredValueIsSkippedAsSerdeJsonDoes()
    {
        // serde_json's ignore_escape only checks the four hex digits.
        Assert.That(AcceptedRequest(Request(ValidRequestBody.Insert(1, "\"x\":[\"\\ud800\"],"))), Is.EqualTo(ValidRequest));
    }

    [TestCase("{\"Request\":{}}{}")]
    [TestCase("{\"Request\":{}} x")]
    [TestCase("{\"Request\":{}}\0")]
    public void DataAfterTheValueIsRefused(string json)
    {
        string body = json.Replace("{\"Request\":{}}", "{\"Request\":" + ValidRequestBody + "}", StringComparison.Ordinal);
        RejectedMessage(Utf8(body));
    }

    [Test]
    public void WhitespaceAnywhereBetweenTokensIsAccepted()
    {
        string spaced = " \n\t\r{ \"Request\" :\n{ \"request_id\" : \"r\" ,\r\n \"path\":\"/p\" , \"access\" : \"Read\" , \"reason\" : null ,"
            + " \"child_pid\" : 7 , \"session_id\" : \"s\" } \t} \n\r\t ";
        Assert.That(AcceptedRequest(Utf8(spaced)), Is.EqualTo(ValidRequest));
    }

    [TestCase("\f")]
    [TestCase("\v")]
    [TestCase("\u00a0")]
    [TestCase("\ufeff")]
    public void OnlyJsonWhitespaceIsAccepted(string notWhitespace)
    {
        RejectedMessage(Utf8(notWhitespace + "{\"Request\":" + ValidRequestBody + "}"));
        RejectedMessage(Utf8("{\"Request\":" + ValidRequestBody + "}" + notWhitespace));
    }

    [TestCase("{\"Request\":" + ValidRequestBody + "/* c */}")]
    [TestCase("{\"Request\":" + ValidRequestBody + ",}")]
    [TestCase("{'Request':" + ValidRequestBody + "}")]
    [TestCase("{Request:" + ValidRequestBody + "}")]
    public void NonStandardJsonIsRefused(string json)
    {
        RejectedMessage(Utf8(json), "not valid JSON");
    }

    [TestCase("[1,]")]
    [TestCase("[01]")]
    [TestCase("[1.]")]
    [TestCase("[.5]")]
    [TestCase("[+1]")]
    [TestCase("[NaN]")]
    [TestCase("[\"\\x\"]")]
    [TestCase("[\"\\u12\"]")]
    [TestCase("[\"a\u0001\"]", TestName = "{m}(raw control character in a string)")]
    [TestCase("[tru]")]
    [TestCase("{\"a\" 1}")]
    public void InvalidJsonInsideAnIgnoredValueIsStillRefused(string value)
    {
        // serde_json validates the syntax of what it skips; only types and Unicode go unchecked there.
        RejectedMessage(Request(ValidRequestBody.Insert(1, "\"x\":" + value + ",")));
    }

    [Test]
    public void ErrorsGiveTheOffsetOfTheProblem()
    {
        byte[] payload = RequestWithPid("4294967296");
        var error = RejectedMessage(payload, "`child_pid`");
        int expected = Encoding.UTF8.GetString(payload).IndexOf("4294967296", StringComparison.Ordinal);
        Assert.That(error.ByteOffset, Is.EqualTo(expected));
        Assert.That(error, Is.InstanceOf<SupervisorIpcException>());
    }

    [Test]
    public void HostileTextInAnErrorMessageIsShortenedAndMadeVisible()
    {
        var error = RejectedMessage(Utf8("{\"" + new string('A', 1000) + "\\u0007\":{}}"), "Unknown SupervisorMessage variant");
        Assert.That(error.Message.Length, Is.LessThan(300));
        error = RejectedMessage(Utf8("{\"Bad\\u0007Name\":{}}"));
        Assert.That(error.Message, Does.Contain("Bad\\u0007Name"));
        Assert.That(error.Message.IndexOf('\u0007', StringComparison.Ordinal), Is.EqualTo(-1));
    }
}
