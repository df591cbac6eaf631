using System.Text;
using CsCheck;

namespace SupervisorIpc.Tests.Messages;

/// <summary>CsCheck generators for every message and response shape, with text that stresses the escaper.</summary>
internal static class MessageGenerators
{
    /// <summary>Any Unicode scalar value, weighted towards the classes the escaper treats differently.</summary>
    public static readonly Gen<int> ScalarValue = Gen.Frequency(
        (3, Gen.Int[0x00, 0x1F]),
        (2, Gen.OneOf<int>('"', '\\', '/', 0x7F, '<', '>', '&', '\'', '+')),
        (10, Gen.Int[0x20, 0x7F]),
        (3, Gen.Int[0x80, 0x7FF]),
        (3, Gen.Int[0x800, 0xD7FF]),
        (2, Gen.Int[0xE000, 0xFFFF]),
        (2, Gen.Int[0x10000, 0x10FFFF]));

    /// <summary>Valid Unicode text (surrogates only in pairs), up to 40 scalar values.</summary>
    public static readonly Gen<string> Text = ScalarValue.Array[0, 40].Select(scalars =>
    {
        var text = new StringBuilder(scalars.Length * 2);
        foreach (int scalar in scalars)
        {
            text.Append(char.ConvertFromUtf32(scalar));
        }

        return text.ToString();
    });

    public static readonly Gen<string?> OptionalText = Gen.Frequency((1, Gen.Const((string?)null)), (3, Text.Select(s => (string?)s)));

    public static readonly Gen<AccessMode> Access = Gen.OneOf(AccessMode.Read, AccessMode.Write, AccessMode.ReadWrite);

    public static readonly Gen<uint> Pid = Gen.Frequency(
        (1, Gen.OneOf(0u, 1u, uint.MaxValue, int.MaxValue + 1u)), (4, Gen.UInt));

    public static readonly Gen<SupervisorMessage> Message = Gen.Frequency(
        (2, Gen.Select(Text, Text, Access, OptionalText, Pid, Text,
            (id, path, access, reason, pid, session) =>
                (SupervisorMessage)new SupervisorMessage.Request(new CapabilityRequest(id, path, access, reason, pid, session)))),
        (1, Gen.Select(Text, Text, Pid, Text,
            (id, url, pid, session) => (SupervisorMessage)new SupervisorMessage.OpenUrl(new UrlOpenRequest(id, url, pid, session)))));

    public static readonly Gen<ApprovalDecision> Decision = Gen.Frequency(
        (1, Gen.Const<ApprovalDecision>(ApprovalDecision.Granted.Instance)),
        (1, Gen.Const<ApprovalDecision>(ApprovalDecision.Timeout.Instance)),
        (2, Text.Select(reason => (ApprovalDecision)new ApprovalDecision.Denied(reason))));

    public static readonly Gen<SupervisorResponse> Response = Gen.Frequency(
        (2, Gen.Select(Text, Decision, (id, decision) => (SupervisorResponse)new SupervisorResponse.Decision(id, decision))),
        (1, Gen.Select(Text, Gen.Bool, OptionalText,
            (id, success, error) => (SupervisorResponse)new SupervisorResponse.UrlOpened(id, success, error))));
}
