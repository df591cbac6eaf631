using System;
using System.Text;

namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// The messages every benchmark exchanges: the reference vectors request_read and decision_granted, the same
/// bytes the C programs send (bench/native/src/bench_payloads.h).
/// </summary>
internal static class Payloads
{
    public const string GrantedFile = "/dev/null";

    public static readonly byte[] RequestBytes =
        Encoding.UTF8.GetBytes("""{"Request":{"request_id":"req-001","path":"/tmp/test","access":"Read","reason":"test access","child_pid":12345,"session_id":"sess-001"}}""");

    public static readonly byte[] DecisionBytes =
        Encoding.UTF8.GetBytes("""{"Decision":{"request_id":"req-001","decision":"Granted"}}""");

    public static readonly SupervisorMessage Request =
        new SupervisorMessage.Request(new CapabilityRequest("req-001", "/tmp/test", AccessMode.Read, "test access", 12345, "sess-001"));

    /// <summary>Fails the run when any implementation would put other bytes on the wire than the C floor does.</summary>
    public static void VerifyAgainstReferenceBytes()
    {
        Require(SupervisorWireCodec.Encode(Request), RequestBytes, "typed request");
        Require(SupervisorWireCodec.Encode(Grant("req-001")), DecisionBytes, "typed decision");
        Require(SocketJson.EncodeRequest(SocketJson.SampleRequest), RequestBytes, "System.Text.Json request");
        Require(SocketJson.EncodeDecision(SocketJson.Grant("req-001")), DecisionBytes, "System.Text.Json decision");
    }

    /// <summary>The supervisor's answer, built per request as a real supervisor would.</summary>
    public static SupervisorResponse Grant(string requestId) =>
        new SupervisorResponse.Decision(requestId, ApprovalDecision.Granted.Instance);

    private static void Require(ReadOnlySpan<byte> actual, ReadOnlySpan<byte> expected, string what)
    {
        if (!actual.SequenceEqual(expected))
        {
            throw new InvalidOperationException($"{what} encodes to '{Encoding.UTF8.GetString(actual)}', not the reference bytes '{Encoding.UTF8.GetString(expected)}'");
        }
    }
}
