using System.Collections.Generic;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Messages;

/// <summary>
/// The managed codec against the conformance corpus shared with the C codec: the same verdict for every case and,
/// for every accepted one, the same re-encoding, through the public decoder (with its canonical-form fast path) and
/// through the token-by-token decoder alone.
/// </summary>
[TestFixture]
public sealed class ConformanceCorpusTests
{
    private static IEnumerable<ConformanceCase> Cases() => ConformanceCorpus.All;

    [Test]
    public void TheCorpusHoldsBothVerdictsInBothDirections()
    {
        Assert.That(ConformanceCorpus.All, Has.Count.GreaterThanOrEqualTo(200));
        foreach (bool message in new[] { true, false })
        {
            foreach (bool accepted in new[] { true, false })
            {
                Assert.That(ConformanceCorpus.All, Has.Some.Matches<ConformanceCase>(c => c.IsMessage == message && c.Accepted == accepted));
            }
        }
    }

    [TestCaseSource(nameof(Cases))]
    public void TheManagedCodecGivesTheCorpusVerdictAndEncoding(ConformanceCase corpusCase)
    {
        Assert.That(ManagedCodec.Run(corpusCase.IsMessage, corpusCase.Payload, tokenByToken: false), Is.EqualTo(corpusCase.Encoding),
            "public decoder: null means refused");
        Assert.That(ManagedCodec.Run(corpusCase.IsMessage, corpusCase.Payload, tokenByToken: true), Is.EqualTo(corpusCase.Encoding),
            "token-by-token decoder: null means refused");
    }
}

/// <summary>Decodes with the managed codec and re-encodes; null when the payload is refused.</summary>
internal static class ManagedCodec
{
    public static byte[]? Run(bool isMessage, byte[] payload, bool tokenByToken = false)
    {
        try
        {
            if (isMessage)
            {
                SupervisorMessage message = tokenByToken ? MessageDecoder.DecodeMessageTokenByToken(payload) : SupervisorWireCodec.DecodeMessage(payload);
                return SupervisorWireCodec.Encode(message);
            }

            SupervisorResponse response = tokenByToken ? MessageDecoder.DecodeResponseTokenByToken(payload) : SupervisorWireCodec.DecodeResponse(payload);
            return SupervisorWireCodec.Encode(response);
        }
        catch (SupervisorMessageFormatException)
        {
            return null;
        }
    }
}
