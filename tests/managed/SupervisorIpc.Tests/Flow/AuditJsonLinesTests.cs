using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Flow;

/// <summary>
/// The JSON-lines audit log against records in the reference's <c>AuditEntry</c> shape, written out here as serde_json
/// writes that struct (field order of the struct, compact, serde_json's string escaping, <c>SystemTime</c> as
/// <c>secs_since_epoch</c>/<c>nanos_since_epoch</c>, the 0.63 <c>CapabilityRequest</c> or the 0.65+ internally tagged
/// <c>ApprovalRequest</c>).
/// </summary>
public sealed class AuditJsonLinesTests
{
    private static readonly DateTimeOffset Received = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(1_234_567);

    private static AuditEvent Event(SupervisorMessage message, SupervisorResponse response, AuditDecider decider, string name, TimeSpan duration) =>
        new(Received, message, response, decider, name, duration, response is SupervisorResponse.Decision { Outcome: ApprovalDecision.Granted }, null, null);

    private static SupervisorMessage.Request Request(string id, string path, AccessMode access, string? reason) =>
        new(new CapabilityRequest(id, path, access, reason, 4242, "sess-\u00e9"));

    [Test]
    public void AGrantIsWrittenAsTheReferenceWritesItsAuditEntry()
    {
        AuditEvent granted = Event(
            Request("req-\"1\"", "/data/caf\u00e9/\u2028notes.txt", AccessMode.Read, "naive \\ \"why\"\n\t\u0001\u007f"),
            new SupervisorResponse.Decision("req-\"1\"", ApprovalDecision.Granted.Instance),
            AuditDecider.Backend,
            "prompt",
            TimeSpan.FromTicks(12_345_678));

        // 2026-01-01T00:00:00Z is 1767225600 s after the epoch; received 0.1234567 s later, decided 1.2345678 s after that.
        const string reference063 =
            "{\"timestamp\":{\"secs_since_epoch\":1767225601,\"nanos_since_epoch\":358024500}," +
            "\"request\":{\"request_id\":\"req-\\\"1\\\"\",\"path\":\"/data/caf\u00e9/\u2028notes.txt\",\"access\":\"Read\"," +
            "\"reason\":\"naive \\\\ \\\"why\\\"\\n\\t\\u0001\u007f\",\"child_pid\":4242,\"session_id\":\"sess-\u00e9\"}," +
            "\"decision\":\"Granted\",\"backend\":\"prompt\",\"duration_ms\":1234}";
        const string reference065 =
            "{\"timestamp\":{\"secs_since_epoch\":1767225601,\"nanos_since_epoch\":358024500}," +
            "\"request\":{\"capability_type\":\"capability\",\"request_id\":\"req-\\\"1\\\"\",\"path\":\"/data/caf\u00e9/\u2028notes.txt\",\"access\":\"Read\"," +
            "\"reason\":\"naive \\\\ \\\"why\\\"\\n\\t\\u0001\u007f\",\"child_pid\":4242,\"session_id\":\"sess-\u00e9\"}," +
            "\"decision\":\"Granted\",\"backend\":\"prompt\",\"duration_ms\":1234}";
        Assert.Multiple(() =>
        {
            Assert.That(AuditJsonLinesWriter.Format(granted), Is.EqualTo(reference063));
            Assert.That(AuditJsonLinesWriter.Format(granted, AuditRequestShape.ApprovalRequest), Is.EqualTo(reference065));
        });
    }

    [Test]
    public void DenialsTimeoutsAndServiceChecksKeepTheReferenceShape()
    {
        AuditEvent denied = Event(
            Request("r2", "/etc/shadow", AccessMode.ReadWrite, null),
            new SupervisorResponse.Decision("r2", new ApprovalDecision.Denied("rate limit exceeded")),
            AuditDecider.RateLimit,
            "rate-limit",
            TimeSpan.FromTicks(9_999));
        AuditEvent timedOut = Event(
            Request("r3", "/tmp/w", AccessMode.Write, "x"),
            new SupervisorResponse.Decision("r3", ApprovalDecision.Timeout.Instance),
            AuditDecider.Backend,
            "prompt",
            TimeSpan.FromSeconds(30));
        Assert.Multiple(() =>
        {
            Assert.That(AuditJsonLinesWriter.Format(denied), Is.EqualTo(
                "{\"timestamp\":{\"secs_since_epoch\":1767225600,\"nanos_since_epoch\":124456600}," +
                "\"request\":{\"request_id\":\"r2\",\"path\":\"/etc/shadow\",\"access\":\"ReadWrite\",\"reason\":null,\"child_pid\":4242,\"session_id\":\"sess-\u00e9\"}," +
                "\"decision\":{\"Denied\":{\"reason\":\"rate limit exceeded\"}},\"backend\":\"rate-limit\",\"duration_ms\":0}"));
            Assert.That(AuditJsonLinesWriter.Format(timedOut, AuditRequestShape.ApprovalRequest), Is.EqualTo(
                "{\"timestamp\":{\"secs_since_epoch\":1767225630,\"nanos_since_epoch\":123456700}," +
                "\"request\":{\"capability_type\":\"capability\",\"request_id\":\"r3\",\"path\":\"/tmp/w\",\"access\":\"Write\",\"reason\":\"x\",\"child_pid\":4242,\"session_id\":\"sess-\u00e9\"}," +
                "\"decision\":\"Timeout\",\"backend\":\"prompt\",\"duration_ms\":30000}"));
        });
    }

    [Test]
    public void UrlEventsHaveNoReferenceEntryAndAreNotWritten()
    {
        AuditEvent opened = Event(
            new SupervisorMessage.OpenUrl(new UrlOpenRequest("u1", "https://example.com/", 4242, "s")),
            new SupervisorResponse.UrlOpened("u1", true, null),
            AuditDecider.UrlOpener,
            "browser",
            TimeSpan.Zero);
        using var stream = new MemoryStream();
        using var writer = new AuditJsonLinesWriter(stream, leaveOpen: true);
        Assert.Multiple(() =>
        {
            Assert.That(writer.Write(opened), Is.False);
            Assert.That(stream.Length, Is.Zero);
            Assert.Throws<ArgumentException>(() => AuditJsonLinesWriter.Format(opened));
        });
    }

    [Test]
    public async Task AServiceWritesOneLinePerFileRequest()
    {
        using var tree = new GrantTree();
        using var stream = new MemoryStream();
        using (var writer = new AuditJsonLinesWriter(stream, AuditRequestShape.ApprovalRequest, leaveOpen: true))
        {
            await using var harness = new ServiceHarness(new SupervisorServiceOptions
            {
                ApprovalBackend = new PolicyApprovalBackend(new PathRule(tree.Allowed, AccessMode.Read)),
                Audit = audit => writer.Write(audit),
            });
            harness.Client.RequestAccess(Path.Combine(tree.Allowed, "file.txt"), AccessMode.Read).Dispose();
            Assert.Throws<AccessDeniedException>(() => harness.Client.RequestAccess(Path.Combine(tree.Outside, "secret.txt"), AccessMode.Read).Dispose());
            Assert.Throws<UrlOpenFailedException>(() => harness.Client.OpenUrl("https://example.com/"));
            await harness.FinishAsync();
        }

        string[] lines = Encoding.UTF8.GetString(stream.ToArray()).Split('\n');
        Assert.That(lines, Has.Length.EqualTo(3), "two entries, each ending in a newline");
        Assert.Multiple(() =>
        {
            Assert.That(lines[2], Is.Empty);
            Assert.That(lines[0], Does.Match("^\\{\"timestamp\":\\{\"secs_since_epoch\":\\d+,\"nanos_since_epoch\":\\d+\\},\"request\":\\{\"capability_type\":\"capability\",\"request_id\":\"[^\"]+\",\"path\":\"[^\"]+/file.txt\",\"access\":\"Read\",\"reason\":null,\"child_pid\":\\d+,\"session_id\":\"session-1\"\\},\"decision\":\"Granted\",\"backend\":\"policy\",\"duration_ms\":\\d+\\}$"));
            Assert.That(lines[1], Does.Contain("\"decision\":{\"Denied\":{\"reason\":\"" + SupervisorService.NotAvailable + "\"}},\"backend\":\"confinement\""));
            using System.Text.Json.JsonDocument parsed = System.Text.Json.JsonDocument.Parse(lines[1]);
            Assert.That(parsed.RootElement.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "timestamp", "request", "decision", "backend", "duration_ms" }));
        });
    }
}
