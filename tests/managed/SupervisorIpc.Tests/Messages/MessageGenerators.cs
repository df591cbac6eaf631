using System.Text;
using CsCheck;

namespace SupervisorIpc.Tests.Messages;

/// <summary>CsCheck generators for every message and response shape, with text that stresses the escaper.</summary>
internal static class MessageGenerators
{
    /// <summary>
    /// One of the given values, shrinking towards the first. CsCheck names this OneOfConst up to 4.x (the last line
    /// for net8.0, which the suite's .NET 8 build uses) and OneOf from 5.0 on (net10.0 only): one spelling for both.
    /// </summary>
    public static Gen<T> OneOfValues<T>(params T[] values) => Gen.Int[0, values.Length - 1].Select(index => values[index]);

    /// <summary>Any Unicode scalar value, weighted towards the classes the escaper treats differently.</summary>
    public static readonly Gen<int> ScalarValue = Gen.Frequency(
        (3, Gen.Int[0x00, 0x1F]),
        (2, OneOfValues<int>('"', '\\', '/', 0x7F, '<', '>', '&', '\'', '+')),
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

    /// <summary>Text serde_json writes without escapes: no control characters, quotes or backslashes.</summary>
    public static readonly Gen<string> PlainText = ScalarValue
        .Where(scalar => scalar >= 0x20 && scalar != '"' && scalar != '\\')
        .Array[0, 40]
        .Select(scalars => string.Concat(System.Linq.Enumerable.Select(scalars, char.ConvertFromUtf32)));

    public static readonly Gen<string?> OptionalText = Optional(Text);

    public static readonly Gen<AccessMode> Access = OneOfValues(AccessMode.Read, AccessMode.Write, AccessMode.ReadWrite);

    public static readonly Gen<uint> Pid = Gen.Frequency(
        (1, OneOfValues(0u, 1u, uint.MaxValue, int.MaxValue + 1u)), (4, Gen.UInt));

    public static readonly Gen<SupervisorMessage> Message = MessagesOf(Text);

    public static readonly Gen<SupervisorResponse> Response = ResponsesOf(Text);

    /// <summary>Messages whose encoding has no escapes: the canonical-form fast path's domain.</summary>
    public static readonly Gen<SupervisorMessage> PlainMessage = MessagesOf(PlainText);

    /// <summary>Responses whose encoding has no escapes.</summary>
    public static readonly Gen<SupervisorResponse> PlainResponse = ResponsesOf(PlainText);

    private static Gen<string?> Optional(Gen<string> text) =>
        Gen.Frequency((1, Gen.Const((string?)null)), (3, text.Select(s => (string?)s)));

    private static Gen<SupervisorMessage> MessagesOf(Gen<string> text) => Gen.Frequency(
        (2, Gen.Select(text, text, Access, Optional(text), Pid, text,
            (id, path, access, reason, pid, session) =>
                (SupervisorMessage)new SupervisorMessage.Request(new CapabilityRequest(id, path, access, reason, pid, session)))),
        (1, Gen.Select(text, text, Pid, text,
            (id, url, pid, session) => (SupervisorMessage)new SupervisorMessage.OpenUrl(new UrlOpenRequest(id, url, pid, session)))));

    private static Gen<ApprovalDecision> DecisionsOf(Gen<string> text) => Gen.Frequency(
        (1, Gen.Const<ApprovalDecision>(ApprovalDecision.Granted.Instance)),
        (1, Gen.Const<ApprovalDecision>(ApprovalDecision.Timeout.Instance)),
        (2, text.Select(reason => (ApprovalDecision)new ApprovalDecision.Denied(reason))));

    private static Gen<SupervisorResponse> ResponsesOf(Gen<string> text) => Gen.Frequency(
        (2, Gen.Select(text, DecisionsOf(text), (id, decision) => (SupervisorResponse)new SupervisorResponse.Decision(id, decision))),
        (1, Gen.Select(text, Gen.Bool, Optional(text),
            (id, success, error) => (SupervisorResponse)new SupervisorResponse.UrlOpened(id, success, error))));
}
