using System;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using static SupervisorIpc.Tests.Flow.FlowTestSupport;

namespace SupervisorIpc.Tests.Flow;

/// <summary>The service's answers over an in-process pair, the test playing a reference child on the other end.</summary>
[TestFixture]
[NonParallelizable] // counts this process's descriptors
public sealed class SupervisorServiceTests
{
    private GrantTree _tree = null!;

    [SetUp]
    public void CreateTree() => _tree = new GrantTree();

    [TearDown]
    public void RemoveTree() => _tree.Dispose();

    private static readonly IApprovalBackend DenyAll = new CallbackApprovalBackend(_ => new ApprovalDecision.Denied("no files here"));

    private SupervisorServiceOptions PolicyOptions(AccessMode access = AccessMode.Read) => new()
    {
        ApprovalBackend = new PolicyApprovalBackend(new PathRule(_tree.Allowed, access)),
    };

    private static string ReadAll(SafeFileHandle handle)
    {
        using var stream = new FileStream(handle, FileAccess.Read);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    /// <summary>Expects a denial with no descriptor before it (the service sends descriptors first by default).</summary>
    private static string ExpectDenied(ServiceHarness harness, SupervisorMessage request)
    {
        harness.Child.SendMessage(request);
        Assert.That(harness.Child.TryReceiveFileDescriptor(out SafeFileHandle? unexpected), Is.False, "no descriptor comes with a denial");
        unexpected?.Dispose();
        SupervisorResponse response = harness.Child.ReceiveResponse();
        string id = ((SupervisorMessage.Request)request).Capability.RequestId;
        Assert.That(response, Is.InstanceOf<SupervisorResponse.Decision>());
        var decision = (SupervisorResponse.Decision)response;
        Assert.That(decision.RequestId, Is.EqualTo(id));
        Assert.That(decision.Outcome, Is.InstanceOf<ApprovalDecision.Denied>());
        return ((ApprovalDecision.Denied)decision.Outcome).Reason;
    }

    [Test]
    public async Task GrantSendsTheDescriptorThenTheDecision()
    {
        await using var harness = new ServiceHarness(PolicyOptions());
        harness.Child.SendMessage(ServiceHarness.Request("r1", Path.Combine(_tree.Allowed, "file.txt")));
        Assert.That(harness.Child.TryReceiveFileDescriptor(out SafeFileHandle? handle), Is.True, "the descriptor comes first");
        using (handle)
        {
            Assert.That(harness.Child.ReceiveResponse(), Is.EqualTo(new SupervisorResponse.Decision("r1", ApprovalDecision.Granted.Instance)));
            Assert.That(IsCloseOnExec((int)handle!.DangerousGetHandle()), Is.True);
            Assert.That(ReadAll(handle), Is.EqualTo("allowed content\n"));
        }

        await harness.FinishAsync();
        AuditEvent audit = harness.Audit.AtLeast(1).Single();
        Assert.Multiple(() =>
        {
            Assert.That(audit.Outcome, Is.EqualTo(AuditOutcome.Granted));
            Assert.That((audit.DecidedBy, audit.DeciderName), Is.EqualTo((AuditDecider.Backend, "policy")));
            Assert.That(audit.DescriptorSent, Is.True);
            Assert.That(audit.RequestId, Is.EqualTo("r1"));
            Assert.That(audit.Duration, Is.GreaterThanOrEqualTo(TimeSpan.Zero));
            Assert.That(audit.Peer?.Pid, Is.EqualTo(Environment.ProcessId), "a pair's credentials name its creator");
            Assert.That(audit.Error, Is.Null);
        });
    }

    [Test]
    public async Task DecisionFirstOrderIsAvailable()
    {
        SupervisorServiceOptions options = PolicyOptions();
        options.GrantOrder = GrantOrder.DecisionFirst;
        await using var harness = new ServiceHarness(options);
        harness.Child.SendMessage(ServiceHarness.Request("r1", Path.Combine(_tree.Allowed, "file.txt")));
        Assert.That(harness.Child.TryReceiveFileDescriptor(out _), Is.False, "the decision comes first");
        Assert.That(harness.Child.ReceiveResponse(), Is.EqualTo(new SupervisorResponse.Decision("r1", ApprovalDecision.Granted.Instance)));
        using SafeFileHandle handle = harness.Child.ReceiveFileDescriptor();
        Assert.That(ReadAll(handle), Is.EqualTo("allowed content\n"));
    }

    [Test]
    public async Task DenialsCarryAReasonAndNoDescriptor()
    {
        SupervisorServiceOptions options = PolicyOptions();
        options.RequestBurst = 50; // six requests back to back: not what this test is about
        await using var harness = new ServiceHarness(options);
        Assert.Multiple(() =>
        {
            Assert.That(ExpectDenied(harness, ServiceHarness.Request("d1", Path.Combine(_tree.Outside, "secret.txt"))), Is.EqualTo(SupervisorService.NotAvailable));
            Assert.That(ExpectDenied(harness, ServiceHarness.Request("d2", Path.Combine(_tree.Allowed, "file.txt"), AccessMode.Write)), Is.EqualTo("Write access is not allowed for this path"));
            Assert.That(ExpectDenied(harness, ServiceHarness.Request("d3", Path.Combine(_tree.Allowed, "missing.txt"))), Is.EqualTo(SupervisorService.NotAvailable));
            Assert.That(ExpectDenied(harness, ServiceHarness.Request("d4", "relative/file.txt")), Is.EqualTo("the path must be absolute"));
            Assert.That(ExpectDenied(harness, ServiceHarness.Request("d5", _tree.In("allowed/../outside/secret.txt"))), Is.EqualTo(SupervisorService.NotAvailable));
            Assert.That(ExpectDenied(harness, ServiceHarness.Request("d6", _tree.In("allowed-evil/file.txt"))), Is.EqualTo(SupervisorService.NotAvailable));
        });
        await harness.FinishAsync();
        Assert.That(harness.Audit.Events.Select(e => e.Outcome), Is.All.EqualTo(AuditOutcome.Denied));
        Assert.That(harness.Audit.Events.Select(e => e.DescriptorSent), Is.All.False);
    }

    [Test]
    public async Task RepeatedRequestIdIsRejectedAsReplay()
    {
        await using var harness = new ServiceHarness(PolicyOptions());
        string file = Path.Combine(_tree.Allowed, "file.txt");
        using (SafeFileHandle first = harness.Client.RequestAccess(file, AccessMode.Read))
        {
            Assert.That(ReadAll(first), Is.EqualTo("allowed content\n"));
        }

        string usedId = harness.Audit.AtLeast(1).Single().RequestId;
        Assert.That(ExpectDenied(harness, ServiceHarness.Request(usedId, file)), Is.EqualTo("the request id was already used (replay)"));
        // A replayed URL id is refused the same way: ids are unique across message kinds.
        harness.Child.SendMessage(new SupervisorMessage.OpenUrl(new UrlOpenRequest(usedId, "https://example.com/", (uint)Environment.ProcessId, "session-1")));
        Assert.That(harness.Child.ReceiveResponse(), Is.EqualTo(new SupervisorResponse.UrlOpened(usedId, false, "the request id was already used (replay)")));
        await harness.FinishAsync();
        Assert.That(harness.Audit.Events.Skip(1).Select(e => e.DecidedBy), Is.All.EqualTo(AuditDecider.ReplayGuard));
    }

    [Test]
    public async Task RateLimitDeniesBeyondTheBurstUntilTokensRefill()
    {
        var clock = new ManualTimeProvider();
        SupervisorServiceOptions options = PolicyOptions();
        options.TimeProvider = clock;
        await using var harness = new ServiceHarness(options);
        string file = Path.Combine(_tree.Allowed, "file.txt");
        for (int i = 0; i < 5; i++)
        {
            using SafeFileHandle granted = harness.Client.RequestAccess(file, AccessMode.Read);
        }

        var denied = Assert.Throws<AccessDeniedException>(() => harness.Client.RequestAccess(file, AccessMode.Read).Dispose());
        // The sixth quick request hits the burst, not the rate: the reason names both settings, the burst first.
        Assert.That(denied!.Reason, Is.EqualTo("rate limit exceeded: more than 5 requests at once (RequestBurst), then at most 10 per second (RequestsPerSecond)"));
        clock.Advance(TimeSpan.FromMilliseconds(100));
        using (SafeFileHandle again = harness.Client.RequestAccess(file, AccessMode.Read))
        {
            Assert.That(ReadAll(again), Is.EqualTo("allowed content\n"));
        }

        await harness.FinishAsync();
        Assert.That(harness.Audit.Events.Select(e => e.DeciderName), Is.EqualTo(new[] { "policy", "policy", "policy", "policy", "policy", "rate-limit", "policy" }));
    }

    [Test]
    public async Task RequestsMustComeFromTheExpectedChildAndSession()
    {
        SupervisorServiceOptions options = PolicyOptions();
        options.ExpectedSessionId = "session-1";
        await using var harness = new ServiceHarness(options, expectedChildPid: 4242);
        string file = Path.Combine(_tree.Allowed, "file.txt");
        Assert.That(ExpectDenied(harness, ServiceHarness.Request("p1", file, pid: 1)), Is.EqualTo("child_pid does not match the supervised child"));
        harness.Child.SendMessage(new SupervisorMessage.Request(new CapabilityRequest("p2", file, AccessMode.Read, null, 4242, "other-session")));
        Assert.That(harness.Child.ReceiveResponse(), Is.EqualTo(new SupervisorResponse.Decision("p2", new ApprovalDecision.Denied("session_id does not match this session"))));
        harness.Child.SendMessage(ServiceHarness.Request("p3", file, pid: 4242));
        using SafeFileHandle handle = harness.Child.ReceiveFileDescriptor();
        Assert.That(harness.Child.ReceiveResponse(), Is.EqualTo(new SupervisorResponse.Decision("p3", ApprovalDecision.Granted.Instance)));
    }

    [Test]
    public async Task CallbackBackendGrantsOnlyInsideConfinement()
    {
        ApprovalRequest? seen = null;
        var backend = new CallbackApprovalBackend(request => { seen = request; return ApprovalDecision.Granted.Instance; }, "prompt");
        string file = Path.Combine(_tree.Allowed, "file.txt");

        await using (var unconfined = new ServiceHarness(new SupervisorServiceOptions { ApprovalBackend = backend }))
        {
            // With no roots nothing resolves, and the backend is not asked about what could never be opened.
            Assert.That(ExpectDenied(unconfined, ServiceHarness.Request("c1", file)), Is.EqualTo(SupervisorService.NotAvailable));
            Assert.That(seen, Is.Null);
            await unconfined.FinishAsync();
            Assert.That(unconfined.Audit.AtLeast(1).Single().Detail, Is.EqualTo("the supervisor has no allowed roots to open files in"));
        }

        var options = new SupervisorServiceOptions { ApprovalBackend = backend, Confinement = new PathPolicy([new PathRule(_tree.Allowed, AccessMode.Read)]) };
        await using var confined = new ServiceHarness(options);
        using (SafeFileHandle handle = confined.Client.RequestAccess(file, AccessMode.Read))
        {
            Assert.That(ReadAll(handle), Is.EqualTo("allowed content\n"));
        }

        Assert.That(seen!.Capability.Path, Is.EqualTo(file));
        Assert.That(seen.Resolved!.Path, Is.EqualTo(file));
        Assert.That(seen.Peer?.Pid, Is.EqualTo(Environment.ProcessId));

        Assert.That(ExpectDenied(confined, ServiceHarness.Request("c2", Path.Combine(_tree.Outside, "secret.txt"))), Is.EqualTo(SupervisorService.NotAvailable));
        await confined.FinishAsync();
        Assert.That(confined.Audit.Events.Select(e => (e.DecidedBy, e.DeciderName)), Is.EqualTo(new[] { (AuditDecider.Backend, "prompt"), (AuditDecider.Confinement, "confinement") }));
    }

    [Test]
    public async Task BackendFailureIsADenialAndServingGoesOn()
    {
        int calls = 0;
        var backend = new CallbackApprovalBackend(
            _ => ++calls == 1 ? throw new InvalidOperationException("backend broke") : ApprovalDecision.Timeout.Instance, "flaky");
        await using var harness = new ServiceHarness(new SupervisorServiceOptions
        {
            ApprovalBackend = backend,
            Confinement = new PathPolicy([new PathRule(_tree.Allowed, AccessMode.Read)]),
        });
        string file = Path.Combine(_tree.Allowed, "file.txt");
        var denied = Assert.Throws<AccessDeniedException>(() => harness.Client.RequestAccess(file, AccessMode.Read).Dispose());
        Assert.That(denied!.Reason, Is.EqualTo("the approval backend failed"));
        Assert.Throws<ApprovalTimeoutException>(() => harness.Client.RequestAccess(file, AccessMode.Read).Dispose());
        await harness.FinishAsync();
        AuditEvent failure = harness.Audit.AtLeast(1).First();
        Assert.That(failure.Error, Is.InstanceOf<InvalidOperationException>());
        Assert.That(harness.Audit.Events.Last().Outcome, Is.EqualTo(AuditOutcome.Timeout));
    }

    [Test]
    public async Task CancellationStopsServingWithoutAnAnswer()
    {
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var backend = new CallbackApprovalBackend(
            async (_, token) =>
            {
                entered.SetResult();
                await Task.Delay(Timeout.Infinite, token);
                return ApprovalDecision.Granted.Instance;
            });
        using var service = new SupervisorService(new SupervisorServiceOptions
        {
            ApprovalBackend = backend,
            Confinement = new PathPolicy([new PathRule(_tree.Allowed, AccessMode.Read)]),
        });
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            using var stop = new CancellationTokenSource();
            Task serving = service.ServeAsync(supervisor, null, stop.Token);
            child.SendMessage(ServiceHarness.Request("x1", Path.Combine(_tree.Allowed, "file.txt")));
            await Within(entered.Task);
            await stop.CancelAsync();
            Assert.That(async () => await Within(serving), Throws.InstanceOf<OperationCanceledException>());
            supervisor.Dispose();
            Assert.Throws<SupervisorConnectionClosedException>(() => child.ReceiveResponse(), "nothing was answered");
        }

        using var idle = new SupervisorService(PolicyOptions());
        var (idleSupervisor, idleChild) = SupervisorSocket.CreatePair();
        using (idleSupervisor)
        using (idleChild)
        {
            using var stop = new CancellationTokenSource();
            Task serving = idle.ServeAsync(idleSupervisor, null, stop.Token);
            await stop.CancelAsync();
            Assert.That(async () => await Within(serving), Throws.InstanceOf<OperationCanceledException>(), "a wait for the next message is cancelled too");
        }
    }

    [Test]
    public async Task MalformedMessageEndsServing()
    {
        await using var harness = new ServiceHarness(PolicyOptions());
        harness.Child.SendFrame("{\"Request\":{\"oops\":1}}"u8);
        Assert.That(async () => await Within(harness.Serving), Throws.InstanceOf<SupervisorMessageFormatException>());
        Assert.That(harness.Audit.Events, Is.Empty);
    }

    [Test]
    public async Task DescriptorsNeverLeakWhateverTheChildDoes()
    {
        string file = Path.Combine(_tree.Allowed, "file.txt");
        string missing = Path.Combine(_tree.Allowed, "missing.txt");
        // Warm up code paths that open descriptors once (the runtime's own files) before counting.
        await using (var warmup = new ServiceHarness(PolicyOptions()))
        {
            warmup.Client.RequestAccess(file, AccessMode.Read).Dispose();
            await warmup.FinishAsync();
        }

        int before = OpenDescriptorCount();
        var clock = new ManualTimeProvider();
        SupervisorServiceOptions options = PolicyOptions();
        options.TimeProvider = clock;
        await using (var harness = new ServiceHarness(options))
        {
            for (int i = 0; i < 20; i++)
            {
                clock.Advance(TimeSpan.FromSeconds(1));
                harness.Client.RequestAccess(file, AccessMode.Read).Dispose();
                Assert.Throws<AccessDeniedException>(() => harness.Client.RequestAccess(missing, AccessMode.Read).Dispose());
            }

            // A hostile child pushes a descriptor at the supervisor; it is never taken and goes with the connection.
            using (var pushed = File.OpenHandle(file))
            {
                harness.Child.SendFileDescriptor(pushed);
            }

            clock.Advance(TimeSpan.FromSeconds(1));
            harness.Client.RequestAccess(file, AccessMode.Read).Dispose();
            await harness.FinishAsync();
        }

        Assert.That(OpenDescriptorCount(), Is.EqualTo(before));
    }

    [Test]
    public async Task AuditGoesToTheCallbackAndToSubscribersUntilTheyLeave()
    {
        var viaCallback = new System.Collections.Concurrent.ConcurrentQueue<AuditEvent>();
        SupervisorServiceOptions options = PolicyOptions();
        options.Audit = viaCallback.Enqueue;
        await using var harness = new ServiceHarness(options);
        var late = new AuditLog();
        IDisposable subscription = harness.Service.Subscribe(late);
        string file = Path.Combine(_tree.Allowed, "file.txt");
        harness.Client.RequestAccess(file, AccessMode.Read).Dispose();
        // The event is reported once the answer is sent (it records whether the send succeeded), so the child can
        // hold its answer a moment before the subscriber has the event: leave only after it arrived.
        Assert.That(SpinWait.SpinUntil(() => !late.Events.IsEmpty, TimeSpan.FromSeconds(30)), Is.True);
        subscription.Dispose();
        harness.Client.RequestAccess(file, AccessMode.Read).Dispose();
        await harness.FinishAsync();
        Assert.Multiple(() =>
        {
            Assert.That(viaCallback, Has.Count.EqualTo(2));
            Assert.That(harness.Audit.Events, Has.Count.EqualTo(2));
            Assert.That(late.Events, Has.Count.EqualTo(1));
            Assert.That(harness.Audit.Events.Select(e => e.RequestId).Distinct().Count(), Is.EqualTo(2), "the client makes unique ids");
            Assert.That(harness.Audit.Events.Select(e => ((SupervisorMessage.Request)e.Message).Capability),
                Has.All.Matches<CapabilityRequest>(r => r.ChildPid == (uint)Environment.ProcessId && r.SessionId == "session-1"));
        });
    }

    [Test]
    public void OptionsAreValidated()
    {
        Assert.Throws<ArgumentException>(() => _ = new SupervisorService(new SupervisorServiceOptions()));
        Assert.Throws<ArgumentException>(() => _ = new SupervisorService(new SupervisorServiceOptions
        {
            ApprovalBackend = DenyAll,
            AllowedUrlOrigins = ["https://example.com/path"],
        }));
        Assert.Throws<ArgumentException>(() => _ = new SupervisorService(new SupervisorServiceOptions
        {
            ApprovalBackend = DenyAll,
            AllowedUrlOrigins = ["ftp://example.com"],
        }));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new SupervisorService(new SupervisorServiceOptions
        {
            ApprovalBackend = DenyAll,
            RequestBurst = 0,
        }));
    }

    [Test]
    public void APolicyBackendWithoutRulesIsRefused()
    {
        var none = Assert.Throws<ArgumentException>(() => _ = new PolicyApprovalBackend());
        Assert.That(none!.Message, Does.Contain("at least one PathRule"));
        Assert.Throws<ArgumentException>(() => _ = new PolicyApprovalBackend(new PathPolicy(Array.Empty<PathRule>())));
    }

    [Test]
    public async Task AThrowingAuditCallbackOrObserverDoesNotEndServing()
    {
        SupervisorServiceOptions options = PolicyOptions();
        int calls = 0;
        options.Audit = _ =>
        {
            Interlocked.Increment(ref calls);
            throw new InvalidOperationException("audit sink is full");
        };
        await using var harness = new ServiceHarness(options);
        using IDisposable throwing = harness.Service.Subscribe(new ThrowingObserver());
        string file = Path.Combine(_tree.Allowed, "file.txt");
        harness.Client.RequestAccess(file, AccessMode.Read).Dispose();
        harness.Client.RequestAccess(file, AccessMode.Read).Dispose();
        await harness.FinishAsync();
        Assert.Multiple(() =>
        {
            Assert.That(harness.Serving.IsCompletedSuccessfully, Is.True, "serving ended because the child closed, not because of the observers");
            Assert.That(calls, Is.EqualTo(2));
            Assert.That(harness.Audit.Events.Select(e => e.Outcome), Is.EqualTo(new[] { AuditOutcome.Granted, AuditOutcome.Granted }),
                "an observer after a throwing one still gets every event");
        });
    }

    [Test]
    public async Task AuditToStringIsOneShortLine()
    {
        await using var harness = new ServiceHarness(PolicyOptions());
        string file = Path.Combine(_tree.Allowed, "file.txt");
        harness.Client.RequestAccess(file, AccessMode.Read).Dispose();
        string longPath = "/\n\u202E" + new string('x', 5000);
        ExpectDenied(harness, ServiceHarness.Request("long-one", longPath));
        await harness.FinishAsync();
        string granted = harness.Audit.Events.ElementAt(0).ToString();
        string denied = harness.Audit.Events.ElementAt(1).ToString();
        Assert.Multiple(() =>
        {
            Assert.That(granted, Does.Match(@"^Granted Read /\S+ \([^)]+\) by policy$"));
            Assert.That(granted.Length, Is.LessThan(2 * AuditEvent.MaxPartLength + 40));
            Assert.That(denied, Does.StartWith("Denied Read /\\u{000A}\\u{202E}xxx"));
            Assert.That(denied, Does.Contain("…"));
            Assert.That(denied, Does.Contain("(long-one) by confinement: " + SupervisorService.NotAvailable));
            Assert.That(denied.Length, Is.LessThan(4 * AuditEvent.MaxPartLength + 40));
            // Ordinal: a culture-aware search ignores U+202E.
            Assert.That(denied.Contains('\n', StringComparison.Ordinal), Is.False);
            Assert.That(denied.Contains('\u202E', StringComparison.Ordinal), Is.False);
        });
    }

    private sealed class ThrowingObserver : IObserver<AuditEvent>
    {
        public void OnNext(AuditEvent value) => throw new InvalidOperationException("observer broke");

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }
}
