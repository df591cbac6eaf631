using System;
using System.Text;
using System.Threading;
using CsCheck;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Messages;

/// <summary>
/// The canonical-form fast path against the full token-by-token decoder: it must take every payload serde_json
/// writes without escapes (or the optimization is silently gone), and whatever it accepts must be exactly what the
/// full decoder makes of the same bytes; everything else it must hand over.
/// </summary>
[TestFixture]
public sealed class CanonicalFormDecoderTests
{
    /// <summary>Strings of random bytes (invalid UTF-8, control characters, quotes and backslashes included).</summary>
    private static readonly Gen<string> s_rawString = Gen.Byte.Array[0, 12].Select(bytes => "\"" + Encoding.Latin1.GetString(bytes) + "\"");

    /// <summary>What may stand where the fast path expects a value: right, nearly right and wrong.</summary>
    private static readonly Gen<string> s_value = Gen.Frequency(
        (4, s_rawString),
        (3, MessageGenerators.OneOfValues("\"r\"", "\"\"", "\"\u00c3\u00a9\"" /* é in UTF-8 */, "\"\\u0041\"", "\"a\\\"b\"", "\"\\ud800\"")),
        (3, MessageGenerators.OneOfValues("0", "1", "01", "-0", "-1", "1.0", "1e3", "4294967295", "4294967296", "42949672950", "18446744073709551616")),
        (2, MessageGenerators.OneOfValues("null", "true", "false", "nul", "truex", "[]", "{}")),
        (3, MessageGenerators.OneOfValues("\"Read\"", "\"Write\"", "\"ReadWrite\"", "\"ReadOnly\"", "{\"Read\":null}")),
        (3, MessageGenerators.OneOfValues("\"Granted\"", "\"Timeout\"", "\"Denied\"", "{\"Denied\":{\"reason\":\"no\"}}", "{\"Denied\":{\"reason\":1}}", "{\"Granted\":null}")));

    private static readonly Gen<string> s_ending = Gen.Frequency((8, Gen.Const("}}")), (1, MessageGenerators.OneOfValues("}", "}} ", "}}x", "}}}", ",\"x\":1}}")));

    /// <summary>The fast path's own templates with random values: it decides on every one of them.</summary>
    private static readonly Gen<byte[]> s_skeletons = Gen.OneOf(
        Gen.Select(s_value.Array[6], s_ending, (v, end) =>
            $"{{\"Request\":{{\"request_id\":{v[0]},\"path\":{v[1]},\"access\":{v[2]},\"reason\":{v[3]},\"child_pid\":{v[4]},\"session_id\":{v[5]}{end}"),
        Gen.Select(s_value.Array[4], s_ending, (v, end) =>
            $"{{\"OpenUrl\":{{\"request_id\":{v[0]},\"url\":{v[1]},\"child_pid\":{v[2]},\"session_id\":{v[3]}{end}"),
        Gen.Select(s_value.Array[2], s_ending, (v, end) => $"{{\"Decision\":{{\"request_id\":{v[0]},\"decision\":{v[1]}{end}"),
        Gen.Select(s_value.Array[3], s_ending, (v, end) =>
            $"{{\"UrlOpened\":{{\"request_id\":{v[0]},\"success\":{v[1]},\"error\":{v[2]}{end}"))
        .Select(text => Encoding.Latin1.GetBytes(text));

    [TestCaseSource(typeof(WireVectors), nameof(WireVectors.Messages))]
    public void EveryReferenceMessageTakesTheFastPathAndDecodesAsTheFullDecoderDoes(WireVector vector)
    {
        SupervisorMessage? fast = CanonicalFormDecoder.TryDecodeMessage(vector.Payload);

        Assert.That(fast, Is.Not.Null, "the reference's own output is canonical and has no escapes");
        Assert.That(fast, Is.EqualTo(MessageDecoder.DecodeMessageTokenByToken(vector.Payload)));
    }

    [TestCaseSource(typeof(WireVectors), nameof(WireVectors.Responses))]
    public void EveryReferenceResponseTakesTheFastPathAndDecodesAsTheFullDecoderDoes(WireVector vector)
    {
        SupervisorResponse? fast = CanonicalFormDecoder.TryDecodeResponse(vector.Payload);

        Assert.That(fast, Is.Not.Null, "the reference's own output is canonical and has no escapes");
        Assert.That(fast, Is.EqualTo(MessageDecoder.DecodeResponseTokenByToken(vector.Payload)));
    }

    [Test]
    public void EveryEncodedMessageWithoutEscapesTakesTheFastPath() =>
        MessageGenerators.PlainMessage.Sample(message =>
        {
            byte[] payload = SupervisorWireCodec.Encode(message);
            return CanonicalFormDecoder.TryDecodeMessage(payload) is { } fast && fast.Equals(message);
        }, iter: 20_000);

    [Test]
    public void EveryEncodedResponseWithoutEscapesTakesTheFastPath() =>
        MessageGenerators.PlainResponse.Sample(response =>
        {
            byte[] payload = SupervisorWireCodec.Encode(response);
            return CanonicalFormDecoder.TryDecodeResponse(payload) is { } fast && fast.Equals(response);
        }, iter: 20_000);

    [Test]
    public void AnEncodingWithAnEscapeGoesToTheFullDecoder()
    {
        long escaped = 0;
        MessageGenerators.Message.Sample(message =>
        {
            byte[] payload = SupervisorWireCodec.Encode(message);
            if (Array.IndexOf(payload, (byte)'\\') < 0)
            {
                return true;
            }

            Interlocked.Increment(ref escaped);
            return CanonicalFormDecoder.TryDecodeMessage(payload) is null;
        }, iter: 20_000);

        Assert.That(Interlocked.Read(ref escaped), Is.GreaterThan(1_000), "the generator must produce escapes");
    }

    [Test]
    public void OnMutatedFramesTheFastPathAcceptsOnlyWhatTheFullDecoderDecodesToTheSameValue() =>
        AgreeOn(DecoderFuzzTests.MutatedValidFrames, "mutated valid frames");

    [Test]
    public void OnCanonicalSkeletonsWithRandomValuesTheFastPathAcceptsOnlyWhatTheFullDecoderDecodesToTheSameValue() =>
        AgreeOn(s_skeletons, "canonical skeletons with random values");

    // Each of these differs from a canonical payload in one place the fast path must not decide on.
    [TestCase("{\"Request\":{\"request_id\":\"r\",\"path\":\"/p\",\"access\":\"Read\",\"reason\":null,\"child_pid\":01,\"session_id\":\"s\"}}", TestName = "a leading zero")]
    [TestCase("{\"Request\":{\"request_id\":\"r\",\"path\":\"/p\",\"access\":\"Read\",\"reason\":null,\"child_pid\":4294967296,\"session_id\":\"s\"}}", TestName = "a pid above u32")]
    [TestCase("{\"Request\":{\"request_id\":\"r\",\"path\":\"/p\",\"access\":\"Read\",\"reason\":null,\"child_pid\":42949672950,\"session_id\":\"s\"}}", TestName = "an eleven-digit pid")]
    [TestCase("{\"Request\":{\"request_id\":\"r\",\"path\":\"/p\",\"access\":\"Read\",\"reason\":null,\"child_pid\":-1,\"session_id\":\"s\"}}", TestName = "a negative pid")]
    [TestCase("{\"Request\":{\"request_id\":\"r\",\"path\":\"/p\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1.0,\"session_id\":\"s\"}}", TestName = "a fraction")]
    [TestCase("{\"Request\":{\"request_id\":\"r\",\"path\":\"/p\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1e3,\"session_id\":\"s\"}}", TestName = "an exponent")]
    [TestCase("{\"Request\":{\"request_id\":\"r\",\"path\":\"/p\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}} ", TestName = "trailing whitespace")]
    [TestCase("{\"Request\":{\"request_id\":\"r\",\"path\":\"/p\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}}x", TestName = "trailing garbage")]
    [TestCase("{\"Request\":{\"request_id\":\"r\",\"path\":\"/p\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}", TestName = "a missing brace")]
    [TestCase("{\"Request\":{\"request_id\":\"r\",\"path\":\"/p\\u0041\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}}", TestName = "an escape")]
    [TestCase("{\"Request\":{\"request_id\":\"r\",\"path\":\"/p\ttab\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}}", TestName = "a raw control character")]
    [TestCase("{\"Request\":{\"request_id\":\"r\",\"path\":\"/p\",\"access\":\"ReadOnly\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}}", TestName = "an unknown access mode")]
    [TestCase("{\"Request\":{\"request_id\":\"r\",\"path\":\"/p\",\"access\":{\"Read\":null},\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}}", TestName = "a unit variant as an object")]
    [TestCase("{\"Request\":{\"path\":\"/p\",\"request_id\":\"r\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}}", TestName = "fields out of order")]
    [TestCase("{\"Request\":{\"request_id\":\"r\",\"path\":\"/p\",\"access\":\"Read\",\"child_pid\":1,\"session_id\":\"s\"}}", TestName = "a missing optional field")]
    [TestCase("{\"Request\":{\"request_id\":\"r\",\"path\":\"/p\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\",\"x\":1}}", TestName = "an unknown field")]
    [TestCase("{\"Request\": {\"request_id\":\"r\",\"path\":\"/p\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}}", TestName = "whitespace between tokens")]
    [TestCase("{\"OpenUrl\":{\"request_id\":\"r\",\"url\":\"u\",\"child_pid\":1,\"session_id\":\"s\"},\"Request\":{}}", TestName = "a second variant key")]
    [TestCase("{\"Decision\":{\"request_id\":\"r\",\"decision\":\"Denied\"}}", TestName = "a data variant as a string")]
    [TestCase("{\"Decision\":{\"request_id\":\"r\",\"decision\":{\"Granted\":null}}}", TestName = "Granted as an object")]
    [TestCase("{\"Decision\":{\"request_id\":\"r\",\"decision\":{\"Denied\":{\"reason\":\"x\"}} }}", TestName = "whitespace inside a decision")]
    [TestCase("{\"UrlOpened\":{\"request_id\":\"r\",\"success\":1,\"error\":null}}", TestName = "a number for a boolean")]
    [TestCase("{\"UrlOpened\":{\"request_id\":\"r\",\"success\":truex,\"error\":null}}", TestName = "a misspelt literal")]
    public void ANonCanonicalPayloadGoesToTheFullDecoder(string json)
    {
        byte[] payload = Encoding.UTF8.GetBytes(json);

        Assert.That(CanonicalFormDecoder.TryDecodeMessage(payload), Is.Null);
        Assert.That(CanonicalFormDecoder.TryDecodeResponse(payload), Is.Null);
    }

    [Test]
    public void InvalidUtf8InAStringGoesToTheFullDecoderWhichRefusesIt()
    {
        byte[] payload = Encoding.UTF8.GetBytes("{\"Decision\":{\"request_id\":\"r#\",\"decision\":\"Granted\"}}");
        payload[Array.IndexOf(payload, (byte)'#')] = 0xC3; // a lead byte with no continuation

        Assert.That(CanonicalFormDecoder.TryDecodeResponse(payload), Is.Null);
        Assert.Throws<SupervisorMessageFormatException>(() => SupervisorWireCodec.DecodeResponse(payload));
    }

    [Test]
    public void TheLargestPidAndZeroAreTakenByTheFastPath()
    {
        foreach (uint pid in new[] { 0u, uint.MaxValue })
        {
            byte[] payload = SupervisorWireCodec.Encode(new SupervisorMessage.OpenUrl(new UrlOpenRequest("r", "u", pid, "s")));

            Assert.That(CanonicalFormDecoder.TryDecodeMessage(payload), Is.EqualTo(MessageDecoder.DecodeMessageTokenByToken(payload)));
            Assert.That(CanonicalFormDecoder.TryDecodeMessage(payload), Is.Not.Null);
        }
    }

    private static void AgreeOn(Gen<byte[]> inputs, string what)
    {
        long fastMessages = 0, fastResponses = 0;
        inputs.Sample(payload =>
        {
            if (CanonicalFormDecoder.TryDecodeMessage(payload) is { } message)
            {
                Interlocked.Increment(ref fastMessages);
                Require(MessageDecoder.DecodeMessageTokenByToken(payload).Equals(message), "the full decoder reads this message differently");
            }

            if (CanonicalFormDecoder.TryDecodeResponse(payload) is { } response)
            {
                Interlocked.Increment(ref fastResponses);
                Require(MessageDecoder.DecodeResponseTokenByToken(payload).Equals(response), "the full decoder reads this response differently");
            }
        }, iter: DecoderFuzzTests.Iterations);

        TestContext.Out.WriteLine($"{what}: {fastMessages} messages and {fastResponses} responses taken by the fast path, each equal to the full decoder's");
        Assert.That(fastMessages, Is.GreaterThan(0), "the inputs must reach the fast path's accepting end");
        Assert.That(fastResponses, Is.GreaterThan(0), "the inputs must reach the fast path's accepting end");
    }

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException(what);
        }
    }
}
