using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Flow;

/// <summary>OpenUrl: the origin allow-list, the pluggable opener and its failures.</summary>
[TestFixture]
public sealed class UrlOpeningTests
{
    private sealed class RecordingOpener(Exception? failure = null) : IUrlOpener
    {
        public ConcurrentQueue<Uri> Opened { get; } = new();

        public string Name => "recorder";

        public ValueTask OpenAsync(Uri url, CancellationToken cancellationToken)
        {
            if (failure is not null)
            {
                throw failure;
            }

            Opened.Enqueue(url);
            return ValueTask.CompletedTask;
        }
    }

    private static ServiceHarness Harness(IUrlOpener? opener) => new(new SupervisorServiceOptions
    {
        ApprovalBackend = new CallbackApprovalBackend(_ => new ApprovalDecision.Denied("this supervisor grants no files")),
        UrlOpener = opener,
        AllowedUrlOrigins = ["https://example.com", "http://localhost:8080"],
    });

    [TestCase("https://example.com/oauth/callback?code=1&state=<x>")]
    [TestCase("https://EXAMPLE.com:443/path")]
    [TestCase("http://localhost:8080/")]
    public async Task AllowedOriginIsOpened(string url)
    {
        var opener = new RecordingOpener();
        await using ServiceHarness harness = Harness(opener);
        harness.Client.OpenUrl(url);
        Assert.That(opener.Opened.Single(), Is.EqualTo(new Uri(url)));
        await harness.FinishAsync();
        AuditEvent audit = harness.Audit.AtLeast(1).Single();
        Assert.That((audit.Outcome, audit.DecidedBy, audit.DeciderName), Is.EqualTo((AuditOutcome.Opened, AuditDecider.UrlOpener, "recorder")));
    }

    [TestCase("https://example.com.evil.net/")]
    [TestCase("https://example.com@evil.net/")]
    [TestCase("http://example.com/")]
    [TestCase("https://example.com:8443/")]
    [TestCase("http://localhost/")]
    [TestCase("javascript:alert(1)")]
    [TestCase("file:///etc/passwd")]
    [TestCase("not a url")]
    public async Task OtherOriginsAreRefusedWithoutCallingTheOpener(string url)
    {
        var opener = new RecordingOpener();
        await using ServiceHarness harness = Harness(opener);
        var failed = Assert.Throws<UrlOpenFailedException>(() => harness.Client.OpenUrl(url));
        Assert.That(failed!.Error, Is.EqualTo("the URL's origin is not allowed").Or.EqualTo("only absolute http and https URLs can be opened"));
        Assert.That(opener.Opened, Is.Empty);
    }

    [Test]
    public async Task NoOpenerOrAFailingOneIsAFailureAnswer()
    {
        await using (ServiceHarness none = Harness(null))
        {
            Assert.That(Assert.Throws<UrlOpenFailedException>(() => none.Client.OpenUrl("https://example.com/"))!.Error, Is.EqualTo("this supervisor does not open URLs"));
        }

        await using ServiceHarness failing = Harness(new RecordingOpener(new InvalidOperationException("no browser")));
        Assert.That(Assert.Throws<UrlOpenFailedException>(() => failing.Client.OpenUrl("https://example.com/"))!.Error, Is.EqualTo("opening the URL failed"));
        await failing.FinishAsync();
        Assert.That(failing.Audit.AtLeast(1).Single().Error, Is.InstanceOf<InvalidOperationException>());
    }
}
