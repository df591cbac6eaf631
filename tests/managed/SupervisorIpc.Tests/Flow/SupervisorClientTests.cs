using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using static SupervisorIpc.Tests.Flow.FlowTestSupport;

namespace SupervisorIpc.Tests.Flow;

/// <summary>The child's client: typed outcomes, either descriptor order, late answers, cancellation.</summary>
[TestFixture]
[NonParallelizable] // counts this process's descriptors
public sealed class SupervisorClientTests
{
    private GrantTree _tree = null!;

    [SetUp]
    public void CreateTree() => _tree = new GrantTree();

    [TearDown]
    public void RemoveTree() => _tree.Dispose();

    private static string ReadAll(SafeFileHandle handle)
    {
        using var reader = new StreamReader(new FileStream(handle, FileAccess.Read));
        return reader.ReadToEnd();
    }

    [TestCase(GrantOrder.DescriptorFirst)]
    [TestCase(GrantOrder.DecisionFirst)]
    public async Task GrantWorksInEitherOrderSyncAndAsync(GrantOrder order)
    {
        await using var harness = new ServiceHarness(new SupervisorServiceOptions
        {
            ApprovalBackend = new PolicyApprovalBackend(new PathRule(_tree.Allowed, AccessMode.Read)),
            GrantOrder = order,
        });
        using (SafeFileHandle handle = harness.Client.RequestAccess(Path.Combine(_tree.Allowed, "file.txt"), AccessMode.Read, "why"))
        {
            Assert.That(ReadAll(handle), Is.EqualTo("allowed content\n"));
        }

        using (SafeFileHandle handle = await harness.Client.RequestAccessAsync(Path.Combine(_tree.Allowed, "other.txt"), AccessMode.Read))
        {
            Assert.That(ReadAll(handle), Is.EqualTo("other content\n"));
        }

        var denied = Assert.ThrowsAsync<AccessDeniedException>(() => harness.Client.RequestAccessAsync(Path.Combine(_tree.Outside, "secret.txt"), AccessMode.Read));
        Assert.That((denied!.Reason, denied.Path), Is.EqualTo((SupervisorService.NotAvailable, Path.Combine(_tree.Outside, "secret.txt"))));
    }

    [TestCase(GrantOrder.DescriptorFirst)]
    [TestCase(GrantOrder.DecisionFirst)]
    public async Task LateAnswerToAnAbandonedRequestIsDroppedWithItsDescriptor(GrantOrder order)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int calls = 0;
        var backend = new CallbackApprovalBackend(
            async (_, token) =>
            {
                if (Interlocked.Increment(ref calls) == 1)
                {
                    await release.Task.WaitAsync(token);
                }

                return ApprovalDecision.Granted.Instance;
            });
        await using var harness = new ServiceHarness(new SupervisorServiceOptions
        {
            ApprovalBackend = backend,
            Confinement = new PathPolicy([new PathRule(_tree.Allowed, AccessMode.Read)]),
            GrantOrder = order,
        });

        int before = OpenDescriptorCount();
        harness.Child.ReadTimeout = TimeSpan.FromMilliseconds(200);
        Assert.Throws<SupervisorTimeoutException>(() => harness.Client.RequestAccess(Path.Combine(_tree.Allowed, "file.txt"), AccessMode.Read).Dispose());
        release.SetResult();
        harness.Child.ReadTimeout = TimeSpan.FromSeconds(30);

        // The first grant (file.txt) now arrives late; the client must hand out the second one (other.txt).
        using (SafeFileHandle handle = harness.Client.RequestAccess(Path.Combine(_tree.Allowed, "other.txt"), AccessMode.Read))
        {
            Assert.That(ReadAll(handle), Is.EqualTo("other content\n"));
        }

        await harness.FinishAsync();
        // Only the child's end is gone; the late descriptor was closed, not kept.
        Assert.That(OpenDescriptorCount(), Is.EqualTo(before - 1));
    }

    [Test]
    public async Task CancelledRequestLeavesTheClientUsableAndItsLateGrantIsDropped()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var backend = new CallbackApprovalBackend(async (_, token) =>
        {
            await release.Task.WaitAsync(token);
            return ApprovalDecision.Granted.Instance;
        });
        await using var harness = new ServiceHarness(new SupervisorServiceOptions
        {
            ApprovalBackend = backend,
            Confinement = new PathPolicy([new PathRule(_tree.Allowed, AccessMode.Read)]),
        });
        int baseline = OpenDescriptorCount();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        Assert.That(
            async () => await Within(harness.Client.RequestAccessAsync(Path.Combine(_tree.Allowed, "file.txt"), AccessMode.Read, null, cancel.Token)),
            Throws.InstanceOf<OperationCanceledException>());

        // Cancelling ended the wait, not the connection: the late grant (and its descriptor) is recognised and dropped.
        release.SetResult();
        Assert.Throws<UrlOpenFailedException>(() => harness.Client.OpenUrl("https://example.com/"));
        Assert.That(OpenDescriptorCount(), Is.EqualTo(baseline), "the late grant's descriptor is closed");
    }

    [Test]
    public async Task AnswerToARequestNobodyMadeIsAProtocolError()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (var client = new SupervisorClient(child))
        {
            Task<SafeFileHandle> request = Task.Run(() => client.RequestAccess("/tmp/x", AccessMode.Read));
            SupervisorMessage message = supervisor.ReceiveMessage();
            Assert.That(message, Is.InstanceOf<SupervisorMessage.Request>());
            supervisor.SendResponse(new SupervisorResponse.Decision("someone-else", ApprovalDecision.Granted.Instance));
            Assert.That(async () => await Within(request), Throws.InstanceOf<SupervisorIpcException>().With.Message.Contains("not waiting for"));
        }
    }
}
