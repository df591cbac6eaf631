using System;
using NUnit.Framework;
using static SupervisorIpc.Tests.Messages.Payloads;

namespace SupervisorIpc.Tests.Messages;

/// <summary>
/// What serde_json's derived Deserialize accepts and refuses for these types: enum shapes, field rules, types and
/// the u32 range.
/// </summary>
[TestFixture]
public sealed class DecodingRulesTests
{
    [Test]
    public void FieldsMayComeInAnyOrder()
    {
        string reversed = "{\"session_id\":\"s\",\"child_pid\":7,\"reason\":null,\"access\":\"Read\",\"path\":\"/p\",\"request_id\":\"r\"}";
        Assert.That(AcceptedRequest(Request(reversed)), Is.EqualTo(ValidRequest));
        Assert.That(
            SupervisorWireCodec.DecodeResponse(Utf8("{\"UrlOpened\":{\"error\":\"e\",\"success\":true,\"request_id\":\"u\"}}")),
            Is.EqualTo(new SupervisorResponse.UrlOpened("u", true, "e")));
    }

    [Test]
    public void MissingOptionalFieldsDecodeAsNull()
    {
        string noReason = "{\"request_id\":\"r\",\"path\":\"/p\",\"access\":\"Read\",\"child_pid\":7,\"session_id\":\"s\"}";
        Assert.That(AcceptedRequest(Request(noReason)), Is.EqualTo(ValidRequest));
        Assert.That(
            SupervisorWireCodec.DecodeResponse(Utf8("{\"UrlOpened\":{\"request_id\":\"u\",\"success\":true}}")),
            Is.EqualTo(new SupervisorResponse.UrlOpened("u", true, null)));
    }

    [TestCase("request_id")]
    [TestCase("path")]
    [TestCase("access")]
    [TestCase("child_pid")]
    [TestCase("session_id")]
    public void AMissingRequiredRequestFieldIsRefused(string field)
    {
        RejectedMessage(Request(RemoveField(ValidRequestBody, field)), $"missing the field `{field}`");
    }

    [Test]
    public void MissingRequiredFieldsOfTheOtherTypesAreRefused()
    {
        RejectedMessage(Utf8("{\"OpenUrl\":{\"request_id\":\"u\",\"child_pid\":1,\"session_id\":\"s\"}}"), "missing the field `url`");
        RejectedResponse(Utf8("{\"Decision\":{\"request_id\":\"r\"}}"), "missing the field `decision`");
        RejectedResponse(Utf8("{\"Decision\":{\"decision\":\"Granted\"}}"), "missing the field `request_id`");
        RejectedResponse(Utf8("{\"UrlOpened\":{\"request_id\":\"u\",\"error\":null}}"), "missing the field `success`");
        RejectedResponse(Utf8("{\"Decision\":{\"request_id\":\"r\",\"decision\":{\"Denied\":{}}}}"), "missing the field `reason`");
        RejectedMessage(Request("{}"), "missing the field `request_id`");
    }

    [TestCase("request_id", "\"other\"")]
    [TestCase("path", "\"/etc/shadow\"")]
    [TestCase("access", "\"Write\"")]
    [TestCase("reason", "null")]
    [TestCase("child_pid", "1")]
    [TestCase("session_id", "\"s\"")]
    public void ADuplicateFieldIsRefusedEvenWithTheSameValue(string field, string value)
    {
        // A second "path" must never silently replace the first: serde refuses it, and so do we.
        RejectedMessage(Request(ValidRequestBody.Insert(ValidRequestBody.Length - 1, ",\"" + field + "\":" + value)), $"`{field}` more than once");
    }

    [Test]
    public void DuplicatesAreRefusedInEveryStruct()
    {
        RejectedResponse(Utf8("{\"Decision\":{\"request_id\":\"r\",\"decision\":\"Granted\",\"decision\":\"Granted\"}}"), "`decision` more than once");
        RejectedResponse(Utf8("{\"UrlOpened\":{\"request_id\":\"u\",\"success\":true,\"success\":false}}"), "`success` more than once");
        RejectedResponse(Utf8("{\"Decision\":{\"request_id\":\"r\",\"decision\":{\"Denied\":{\"reason\":\"a\",\"reason\":\"b\"}}}}"), "`reason` more than once");
        RejectedMessage(Utf8("{\"OpenUrl\":{\"request_id\":\"u\",\"url\":\"a\",\"url\":\"b\",\"child_pid\":1,\"session_id\":\"s\"}}"), "`url` more than once");
    }

    [Test]
    public void AnEscapedKeyIsTheSameKey()
    {
        // serde_json unescapes keys before matching them; a duplicate hidden behind an escape is still a duplicate.
        string escapedKeys = ValidRequestBody.Replace("\"request_id\"", "\"request\\u005fid\"", StringComparison.Ordinal);
        Assert.That(AcceptedRequest(Request(escapedKeys)), Is.EqualTo(ValidRequest));
        RejectedMessage(Request(ValidRequestBody.Insert(1, "\"p\\u0061th\":\"/x\",")), "`path` more than once");
        Assert.That(SupervisorWireCodec.DecodeMessage(Utf8("{\"Req\\u0075est\":" + ValidRequestBody + "}")), Is.TypeOf<SupervisorMessage.Request>());
    }

    [Test]
    public void UnknownFieldsOfAnyKindAreIgnored()
    {
        string extra = "\"extra\":{\"a\":[1,2.5e3,-0,{\"b\":null}],\"c\":\"\\u00e9\"},\"n\":true,\"m\":[],\"o\":{},\"x\":\"\",\"child_pid_\":-1,"
            + "\"request_id \":5,\"extra\":1,";
        Assert.That(AcceptedRequest(Request(ValidRequestBody.Insert(1, extra))), Is.EqualTo(ValidRequest));
        Assert.That(
            SupervisorWireCodec.DecodeResponse(Utf8("{\"Decision\":{\"v\":2,\"request_id\":\"r\",\"decision\":{\"Denied\":{\"code\":3,\"reason\":\"no\"}},\"z\":[]}}")),
            Is.EqualTo(new SupervisorResponse.Decision("r", new ApprovalDecision.Denied("no"))));
    }

    [TestCase("{\"Bogus\":{}}", "Unknown SupervisorMessage variant `Bogus`")]
    [TestCase("{\"request\":{}}", "Unknown SupervisorMessage variant `request`")]
    [TestCase("{\"Decision\":{}}", "Unknown SupervisorMessage variant `Decision`")]
    [TestCase("\"Bogus\"", "Unknown SupervisorMessage variant")]
    [TestCase("\"Request\"", "carries data")]
    [TestCase("\"OpenUrl\"", "carries data")]
    [TestCase("{}", "found an empty object")]
    [TestCase("{\"Request\":" + ValidRequestBody + ",\"OpenUrl\":{}}", "found a second key")]
    [TestCase("{\"Request\":" + ValidRequestBody + ",\"Request\":" + ValidRequestBody + "}", "found a second key")]
    [TestCase("{\"Request\":null}", "CapabilityRequest must be an object, found null")]
    [TestCase("{\"Request\":\"x\"}", "CapabilityRequest must be an object, found a string")]
    [TestCase("{\"OpenUrl\":7}", "UrlOpenRequest must be an object, found a number")]
    public void MessageEnumShapesAreChecked(string json, string expectedMessage)
    {
        RejectedMessage(Utf8(json), expectedMessage);
    }

    [TestCase("{\"UrlOpen\":{}}", "Unknown SupervisorResponse variant `UrlOpen`")]
    [TestCase("\"Decision\"", "carries data")]
    [TestCase("{\"Decision\":{\"request_id\":\"r\",\"decision\":\"Denied\"}}", "Variant `Denied` of ApprovalDecision carries data")]
    [TestCase("{\"Decision\":{\"request_id\":\"r\",\"decision\":\"granted\"}}", "Unknown ApprovalDecision variant `granted`")]
    [TestCase("{\"Decision\":{\"request_id\":\"r\",\"decision\":{\"Allowed\":null}}}", "Unknown ApprovalDecision variant `Allowed`")]
    [TestCase("{\"Decision\":{\"request_id\":\"r\",\"decision\":{}}}", "found an empty object")]
    [TestCase("{\"Decision\":{\"request_id\":\"r\",\"decision\":{\"Granted\":null,\"Timeout\":null}}}", "found a second key")]
    [TestCase("{\"Decision\":{\"request_id\":\"r\",\"decision\":{\"Granted\":{}}}}", "its value must be null, found an object")]
    [TestCase("{\"Decision\":{\"request_id\":\"r\",\"decision\":{\"Timeout\":false}}}", "Variant `Timeout` of ApprovalDecision carries no data, so its value must be null, found false")]
    [TestCase("{\"Decision\":{\"request_id\":\"r\",\"decision\":{\"Denied\":\"no\"}}}", "Denied must be an object, found a string")]
    [TestCase("{\"Decision\":{\"request_id\":\"r\",\"decision\":{\"Denied\":{\"reason\":null}}}}", "`reason` of Denied must be a string, found null")]
    [TestCase("{\"Decision\":{\"request_id\":\"r\",\"decision\":null}}", "ApprovalDecision must be an object with one key")]
    [TestCase("{\"Decision\":{\"request_id\":\"r\",\"decision\":true}}", "ApprovalDecision must be an object with one key")]
    public void ResponseEnumShapesAreChecked(string json, string expectedMessage)
    {
        RejectedResponse(Utf8(json), expectedMessage);
    }

    [TestCase("Granted")]
    [TestCase("Timeout")]
    public void AUnitVariantMayBeWrittenAsAnObjectWithNull(string variant)
    {
        // serde_json's VariantAccess::unit_variant deserializes `()`, which is `null`.
        var decoded = (SupervisorResponse.Decision)SupervisorWireCodec.DecodeResponse(
            Utf8("{\"Decision\":{\"request_id\":\"r\",\"decision\":{\"" + variant + "\":null}}}"));
        Assert.That(decoded.Outcome.GetType().Name, Is.EqualTo(variant));

        var access = AcceptedRequest(Request(ValidRequestBody.Replace("\"access\":\"Read\"", "\"access\":{\"ReadWrite\" : null}", StringComparison.Ordinal)));
        Assert.That(access.Access, Is.EqualTo(AccessMode.ReadWrite));
    }

    [Test]
    public void AStructMayBeWrittenAsAnArrayOfItsFields()
    {
        // serde's derived visitors accept a sequence of all fields in declaration order.
        Assert.That(AcceptedRequest(Request("[\"r\",\"/p\",\"Read\",null,7,\"s\"]")), Is.EqualTo(ValidRequest));
        Assert.That(
            SupervisorWireCodec.DecodeMessage(Utf8("{\"OpenUrl\":[\"u\",\"https://x\",3,\"s\"]}")),
            Is.EqualTo(new SupervisorMessage.OpenUrl(new UrlOpenRequest("u", "https://x", 3, "s"))));
        Assert.That(
            SupervisorWireCodec.DecodeResponse(Utf8("{\"Decision\":[\"r\",{\"Denied\":[\"why\"]}]}")),
            Is.EqualTo(new SupervisorResponse.Decision("r", new ApprovalDecision.Denied("why"))));
        Assert.That(
            SupervisorWireCodec.DecodeResponse(Utf8("{\"UrlOpened\":[\"u\",true,null]}")),
            Is.EqualTo(new SupervisorResponse.UrlOpened("u", true, null)));
    }

    [TestCase("[\"r\",\"/p\",\"Read\",null,7]", "has 5 elements")]
    [TestCase("[\"r\",\"/p\",\"Read\",null,7,\"s\",1]", "more than its 6 fields")]
    [TestCase("[]", "has 0 elements")]
    [TestCase("[\"r\",\"/p\",\"Read\",7,null,\"s\"]", "`reason` of CapabilityRequest must be a string or null")]
    public void AnArrayStructNeedsExactlyItsFields(string body, string expectedMessage)
    {
        RejectedMessage(Request(body), expectedMessage);
    }

    [TestCase("request_id", "1", "a string, found a number")]
    [TestCase("request_id", "null", "a string, found null")]
    [TestCase("path", "[\"/p\"]", "a string, found an array")]
    [TestCase("path", "{}", "a string, found an object")]
    [TestCase("access", "\"read\"", "Unknown AccessMode variant `read`")]
    [TestCase("access", "\"Execute\"", "Unknown AccessMode variant")]
    [TestCase("access", "0", "AccessMode must be an object with one key")]
    [TestCase("access", "{\"Read\":1}", "Variant `Read` of AccessMode carries no data")]
    [TestCase("reason", "false", "a string or null, found false")]
    [TestCase("child_pid", "\"7\"", "an unsigned 32-bit integer, found a string")]
    [TestCase("child_pid", "null", "an unsigned 32-bit integer, found null")]
    [TestCase("session_id", "true", "a string, found true")]
    public void AWrongTypeIsRefused(string field, string value, string expectedMessage)
    {
        RejectedMessage(Request(ReplaceField(ValidRequestBody, field, value)), expectedMessage);
    }

    [TestCase("1")]
    [TestCase("\"true\"")]
    [TestCase("null")]
    public void SuccessMustBeABoolean(string value)
    {
        RejectedResponse(Utf8("{\"UrlOpened\":{\"request_id\":\"u\",\"success\":" + value + ",\"error\":null}}"), "`success` of UrlOpened must be true or false");
    }

    [TestCase("0", 0u)]
    [TestCase("1", 1u)]
    [TestCase("4294967295", uint.MaxValue)]
    [TestCase("2147483648", 2147483648u)]
    public void ChildPidInRangeIsAccepted(string literal, uint expected)
    {
        Assert.That(AcceptedRequest(RequestWithPid(literal)).ChildPid, Is.EqualTo(expected));
    }

    [TestCase("-1")]
    [TestCase("-0")]
    [TestCase("4294967296")]
    [TestCase("18446744073709551615")]
    [TestCase("18446744073709551616")]
    [TestCase("99999999999999999999999999999999")]
    [TestCase("1.5")]
    [TestCase("1.0")]
    [TestCase("0.0")]
    [TestCase("1e3")]
    [TestCase("1E3")]
    [TestCase("1e0")]
    [TestCase("-2147483648")]
    public void ChildPidOutsideU32OrNotAnIntegerIsRefused(string literal)
    {
        // serde_json reads 1.0, 1e3 and (in current releases) -0 as floats, which a u32 refuses.
        RejectedMessage(RequestWithPid(literal), "must be an integer in 0..4294967295, found `" + literal + "`");
    }

    [Test]
    public void OpenUrlChildPidIsCheckedToo()
    {
        RejectedMessage(Utf8("{\"OpenUrl\":{\"request_id\":\"u\",\"url\":\"x\",\"child_pid\":-5,\"session_id\":\"s\"}}"), "`child_pid` of UrlOpenRequest");
    }

    private static string RemoveField(string body, string field)
    {
        int start = body.IndexOf("\"" + field + "\":", StringComparison.Ordinal);
        int end = body.IndexOf(',', start);
        return end < 0 ? body.Remove(start - 1, body.Length - start) + "}" : body.Remove(start, end - start + 1);
    }

    private static string ReplaceField(string body, string field, string value)
    {
        int start = body.IndexOf("\"" + field + "\":", StringComparison.Ordinal) + field.Length + 3;
        int end = body.IndexOfAny([',', '}'], start);
        return body.Substring(0, start) + value + body.Substring(end);
    }
}
