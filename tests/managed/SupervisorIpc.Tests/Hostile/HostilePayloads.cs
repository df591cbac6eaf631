using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>A frame payload a hostile peer sends, and whether a typed receive must refuse it.</summary>
public sealed record HostilePayload(string Name, byte[] Bytes)
{
    public override string ToString() => Name;
}

/// <summary>Well-framed payloads that are not valid messages: garbage, bad UTF-8, deep nesting, duplicate keys, wrong variants.</summary>
internal static class HostilePayloads
{
    private const string RequestFields = "\"request_id\":\"r\",\"path\":\"/tmp/x\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"";

    /// <summary>Payloads that neither a message receive nor a response receive may accept.</summary>
    public static IEnumerable<HostilePayload> RefusedByBoth()
    {
        yield return Text("empty", string.Empty);
        yield return Text("not JSON", "hello, supervisor");
        yield return Text("JSON null", "null");
        yield return Text("JSON number", "12345");
        yield return Text("JSON array", "[1,2,3]");
        yield return Text("empty object", "{}");
        yield return Text("unknown variant", "{\"Exec\":{\"command\":\"/bin/sh\"}}");
        yield return Text("truncated JSON", "{\"Request\":{\"request_id\":\"r\"");
        yield return Text("trailing garbage", "{\"Request\":{" + RequestFields + "}}x");
        yield return Bytes("non-UTF-8 bytes", [0xFF, 0xFE, 0xFD, 0x80, 0xC0]);
        yield return Bytes("invalid UTF-8 inside a string", Concat("{\"Request\":{\"request_id\":\"", [0xC3, 0x28], "\",\"path\":\"/tmp/x\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}}"));
        yield return Bytes("overlong UTF-8 slash in a path", Concat("{\"Request\":{\"request_id\":\"r\",\"path\":\"/tmp", [0xC0, 0xAF], "x\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}}"));
        yield return Text("lone surrogate escape", "{\"Request\":{\"request_id\":\"\\ud800\",\"path\":\"/tmp/x\",\"access\":\"Read\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}}");
        yield return Bytes("NUL bytes", new byte[64]);
        yield return Text("64 KiB of spaces", new string(' ', SupervisorSocket.MaxPayloadLength));
        yield return Text("arrays nested 65,000 deep", new string('[', 65_000));
        yield return Text("objects nested 10,000 deep", string.Concat(Enumerable.Repeat("{\"a\":", 10_000)) + "1" + new string('}', 10_000));
        yield return Text("variant nested in itself 5,000 deep", string.Concat(Enumerable.Repeat("{\"Request\":", 5_000)) + "{}" + new string('}', 5_000));
        yield return Text("duplicate field", "{\"Request\":{" + RequestFields + ",\"request_id\":\"other\"}}");
        yield return Text("two variants in one object", "{\"Request\":{" + RequestFields + "},\"Request\":{" + RequestFields + "}}");
        yield return Text("child_pid as a string", "{\"Request\":{\"request_id\":\"r\",\"path\":\"/tmp/x\",\"access\":\"Read\",\"reason\":null,\"child_pid\":\"1\",\"session_id\":\"s\"}}");
        yield return Text("child_pid above u32", "{\"Request\":{\"request_id\":\"r\",\"path\":\"/tmp/x\",\"access\":\"Read\",\"reason\":null,\"child_pid\":4294967296,\"session_id\":\"s\"}}");
        yield return Text("child_pid negative", "{\"Request\":{\"request_id\":\"r\",\"path\":\"/tmp/x\",\"access\":\"Read\",\"reason\":null,\"child_pid\":-1,\"session_id\":\"s\"}}");
        yield return Text("child_pid with 20,000 digits", "{\"Request\":{\"request_id\":\"r\",\"path\":\"/tmp/x\",\"access\":\"Read\",\"reason\":null,\"child_pid\":" + new string('9', 20_000) + ",\"session_id\":\"s\"}}");
        yield return Text("unknown access mode", "{\"Request\":{\"request_id\":\"r\",\"path\":\"/tmp/x\",\"access\":\"Execute\",\"reason\":null,\"child_pid\":1,\"session_id\":\"s\"}}");
        yield return Text("missing required field", "{\"Request\":{\"request_id\":\"r\",\"access\":\"Read\",\"child_pid\":1,\"session_id\":\"s\"}}");
    }

    /// <summary>A valid child-to-supervisor message: what a response receive must refuse.</summary>
    public static HostilePayload MessageWhereAResponseIsExpected => new("a Request sent to the child", HostileSupport.RequestPayload);

    /// <summary>A valid supervisor-to-child response: what a message receive (the supervisor) must refuse.</summary>
    public static HostilePayload ResponseWhereAMessageIsExpected =>
        new("a Granted decision sent to the supervisor", Encoding.UTF8.GetBytes("{\"Decision\":{\"request_id\":\"req-001\",\"decision\":\"Granted\"}}"));

    /// <summary>
    /// A valid Request whose unknown field holds 30,000 nested arrays: the codec skips unknown values without a
    /// depth limit, so this must decode (or be refused), never overflow the stack.
    /// </summary>
    public static byte[] RequestWithDeepUnknownField =>
        Encoding.UTF8.GetBytes("{\"Request\":{\"x\":" + new string('[', 30_000) + new string(']', 30_000) + "," + RequestFields + "}}");

    private static HostilePayload Text(string name, string json) => new(name, Encoding.UTF8.GetBytes(json));

    private static HostilePayload Bytes(string name, byte[] bytes) => new(name, bytes);

    private static byte[] Concat(string before, byte[] middle, string after) =>
        [.. Encoding.UTF8.GetBytes(before), .. middle, .. Encoding.UTF8.GetBytes(after)];
}
