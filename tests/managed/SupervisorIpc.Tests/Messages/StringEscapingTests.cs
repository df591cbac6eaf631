using System;
using System.Collections.Generic;
using System.Text;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Messages;

/// <summary>
/// serde_json's string escaping, character by character, with the expected bytes written out from the protocol's
/// rules rather than produced by any encoder.
/// </summary>
[TestFixture]
public sealed class StringEscapingTests
{
    private static IEnumerable<TestCaseData> ControlCharacters()
    {
        // Short escapes for these five, \u00xx with lowercase hex for the rest of 0x00-0x1F.
        var shortForms = new Dictionary<int, string> { [0x08] = "\\b", [0x09] = "\\t", [0x0A] = "\\n", [0x0C] = "\\f", [0x0D] = "\\r" };
        const string hex = "0123456789abcdef";
        for (int c = 0; c < 0x20; c++)
        {
            string expected = shortForms.TryGetValue(c, out string? s) ? s : "\\u00" + hex[c >> 4] + hex[c & 0xF];
            yield return new TestCaseData(c, expected).SetArgDisplayNames($"0x{c:x2}");
        }
    }

    [TestCaseSource(nameof(ControlCharacters))]
    public void AControlCharacterIsEscapedAsSerdeJsonDoes(int character, string expectedEscape)
    {
        string value = "a" + (char)character + "b";
        AssertEncodesAs(value, Encoding.ASCII.GetBytes("a" + expectedEscape + "b"));
        AssertRoundTrips(value);
    }

    [TestCase("\"", "\\\"")]
    [TestCase("\\", "\\\\")]
    [TestCase("/", "/")]
    [TestCase("\u007f", "\u007f")]
    [TestCase("<>&'+=?#%", "<>&'+=?#%")]
    [TestCase(" ~", " ~")]
    public void AsciiIsEscapedOnlyForQuoteAndBackslash(string value, string expected)
    {
        AssertEncodesAs(value, Encoding.ASCII.GetBytes(expected));
        AssertRoundTrips(value);
    }

    [TestCase("é", new byte[] { 0xC3, 0xA9 }, TestName = "{m}(U+00E9)")]
    [TestCase("\u0080", new byte[] { 0xC2, 0x80 }, TestName = "{m}(U+0080)")]
    [TestCase("\u07FF", new byte[] { 0xDF, 0xBF }, TestName = "{m}(U+07FF)")]
    [TestCase("\u0800", new byte[] { 0xE0, 0xA0, 0x80 }, TestName = "{m}(U+0800)")]
    [TestCase("中", new byte[] { 0xE4, 0xB8, 0xAD }, TestName = "{m}(U+4E2D)")]
    [TestCase("\u2028\u2029", new byte[] { 0xE2, 0x80, 0xA8, 0xE2, 0x80, 0xA9 }, TestName = "{m}(U+2028U+2029)")]
    [TestCase("\uFEFF", new byte[] { 0xEF, 0xBB, 0xBF }, TestName = "{m}(U+FEFF)")]
    [TestCase("\uFFFF", new byte[] { 0xEF, 0xBF, 0xBF }, TestName = "{m}(U+FFFF)")]
    [TestCase("😀", new byte[] { 0xF0, 0x9F, 0x98, 0x80 }, TestName = "{m}(U+1F600)")]
    [TestCase("\U0010FFFF", new byte[] { 0xF4, 0x8F, 0xBF, 0xBF }, TestName = "{m}(U+0010FFFF)")]
    [TestCase("\U00010000", new byte[] { 0xF0, 0x90, 0x80, 0x80 }, TestName = "{m}(U+00010000)")]
    public void NonAsciiIsWrittenAsRawUtf8(string value, byte[] expected)
    {
        AssertEncodesAs(value, expected);
        AssertRoundTrips(value);
    }

    [Test]
    public void AMixedStringIsEscapedPieceByPiece()
    {
        string value = "päth/\"q\"\\\n\u0001😀<x>";
        byte[] expected = [
            .. "p"u8, 0xC3, 0xA4, .. "th/\\\"q\\\"\\\\\\n\\u0001"u8, 0xF0, 0x9F, 0x98, 0x80, .. "<x>"u8];
        AssertEncodesAs(value, expected);
        AssertRoundTrips(value);
    }

    // Built in code: attribute arguments are stored as UTF-8, which would turn a lone surrogate into U+FFFD.
    private static IEnumerable<TestCaseData> UnpairedSurrogates()
    {
        yield return new TestCaseData("\uD800", 0).SetArgDisplayNames("lone high");
        yield return new TestCaseData("\uDFFF", 0).SetArgDisplayNames("lone low");
        yield return new TestCaseData("ab\uD83D", 2).SetArgDisplayNames("high at end");
        yield return new TestCaseData("\uDE00\uD83D", 0).SetArgDisplayNames("pair reversed");
        yield return new TestCaseData("x\uD83Dy", 1).SetArgDisplayNames("high before ASCII");
        yield return new TestCaseData("\uD83D\uDE00\uDE00", 2).SetArgDisplayNames("low after a pair");
    }

    [TestCaseSource(nameof(UnpairedSurrogates))]
    public void AnUnpairedSurrogateCannotBeEncoded(string value, int index)
    {
        var message = Request(value);
        var error = Assert.Throws<ArgumentException>(() => SupervisorWireCodec.Encode(message));
        Assert.That(error!.Message, Does.Contain("CapabilityRequest.Path").And.Contain($"index {index}").And.Contain("unpaired"));
        Assert.Throws<ArgumentException>(() => SupervisorWireCodec.TryEncode(message, new byte[4096], out _));
        Assert.Throws<ArgumentException>(() => SupervisorWireCodec.GetEncodedLength(message));
        Assert.Throws<ArgumentException>(() => SupervisorWireCodec.Encode(new SupervisorResponse.UrlOpened("id", false, value)));
    }

    [TestCase("\\u0041", "A")]
    [TestCase("\\/", "/")]
    [TestCase("\\u00E9\\u00e9", "éé")]
    [TestCase("\\uD83D\\uDE00", "😀")]
    [TestCase("\\ud83d\\ude00", "😀")]
    [TestCase("\\b\\f\\n\\r\\t\\\"\\\\", "\b\f\n\r\t\"\\")]
    [TestCase("\\u0000", "\0")]
    public void EscapesOtherThanOursAreDecoded(string escaped, string expected)
    {
        byte[] payload = Encoding.UTF8.GetBytes(
            "{\"Request\":{\"request_id\":\"r\",\"path\":\"" + escaped + "\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}}");
        var decoded = (SupervisorMessage.Request)SupervisorWireCodec.DecodeMessage(payload);
        Assert.That(decoded.Capability.Path, Is.EqualTo(expected));
    }

    private static SupervisorMessage Request(string path) =>
        new SupervisorMessage.Request(new CapabilityRequest("r", path, AccessMode.Read, null, 1, "s"));

    private static void AssertEncodesAs(string value, byte[] expectedStringContent)
    {
        byte[] expected = [
            .. "{\"Request\":{\"request_id\":\"r\",\"path\":\""u8, .. expectedStringContent,
            .. "\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}}"u8];
        Assert.That(SupervisorWireCodec.Encode(Request(value)), Is.EqualTo(expected));

        byte[] expectedDenied = [.. "{\"Decision\":{\"request_id\":\"r\",\"decision\":{\"Denied\":{\"reason\":\""u8, .. expectedStringContent, .. "\"}}}}"u8];
        Assert.That(SupervisorWireCodec.Encode(new SupervisorResponse.Decision("r", new ApprovalDecision.Denied(value))), Is.EqualTo(expectedDenied));
    }

    private static void AssertRoundTrips(string value)
    {
        var message = Request(value);
        Assert.That(SupervisorWireCodec.DecodeMessage(SupervisorWireCodec.Encode(message)), Is.EqualTo(message));
    }
}
