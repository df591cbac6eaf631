using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using static SupervisorIpc.Tests.Flow.FlowTestSupport;

namespace SupervisorIpc.Tests.Flow;

/// <summary>
/// The whole flow across real processes, as the demo runs it: SupervisedChild starts the C child
/// (samples/c-child) or the C# child (samples/Demo/Child) with the socket inherited, SupervisorService answers.
/// </summary>
[TestFixture]
public sealed class CrossProcessFlowTests
{
    private GrantTree _tree = null!;

    [SetUp]
    public void CreateTree() => _tree = new GrantTree();

    [TearDown]
    public void RemoveTree() => _tree.Dispose();

    private async Task<AuditEvent[]> RunAsync(string program, params string[] leadingArguments)
    {
        var audit = new AuditLog();
        var opened = new System.Collections.Concurrent.ConcurrentQueue<Uri>();
        using var service = new SupervisorService(new SupervisorServiceOptions
        {
            ApprovalBackend = new PolicyApprovalBackend(new PathRule(_tree.Allowed, AccessMode.Read)),
            UrlOpener = new DelegateOpener(opened.Enqueue),
            AllowedUrlOrigins = ["https://example.com"],
        });
        using IDisposable subscription = service.Subscribe(audit);
        var startInfo = new SupervisedChildStartInfo(program) { SessionId = "cross-process" };
        foreach (string argument in leadingArguments.Concat([Path.Combine(_tree.Allowed, "file.txt"), Path.Combine(_tree.Outside, "secret.txt"), "https://example.com/cb?x=1"]))
        {
            startInfo.Arguments.Add(argument);
        }

        using SupervisedChild child = SupervisedChild.Start(startInfo);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await service.ServeAsync(child, deadline.Token);
            Assert.That(await child.WaitForExitAsync(deadline.Token), Is.EqualTo(new ChildExitStatus(0, 0)));
        }
        finally
        {
            child.Kill();
        }

        AuditEvent[] events = audit.Events.ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(events.Select(e => e.Outcome), Is.EqualTo(new[] { AuditOutcome.Granted, AuditOutcome.Denied, AuditOutcome.Opened }));
            Assert.That(events[0].DescriptorSent, Is.True);
            Assert.That(events[1].Reason, Is.EqualTo(SupervisorService.NotAvailable));
            Assert.That(opened.Single(), Is.EqualTo(new Uri("https://example.com/cb?x=1")));
            Assert.That(events.Select(e => e.Message), Has.All.Matches<SupervisorMessage>(m => m switch
            {
                SupervisorMessage.Request r => r.Capability.ChildPid == child.ProcessId && r.Capability.SessionId == "cross-process",
                SupervisorMessage.OpenUrl o => o.UrlRequest.ChildPid == child.ProcessId && o.UrlRequest.SessionId == "cross-process",
                _ => false,
            }));
        });
        return events;
    }

    [Test]
    public async Task CChildDoesTheWholeFlow() => await RunAsync(NativeProgram("c-child"));

    [Test]
    public async Task CSharpChildDoesTheWholeFlow() => await RunAsync(DotnetHost, DemoChildDll);

    private sealed class DelegateOpener(Action<Uri> open) : IUrlOpener
    {
        public string Name => "test-opener";

        public ValueTask OpenAsync(Uri url, CancellationToken cancellationToken)
        {
            open(url);
            return ValueTask.CompletedTask;
        }
    }
}
