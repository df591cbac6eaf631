using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using static SupervisorIpc.Tests.Flow.FlowTestSupport;

namespace SupervisorIpc.Tests.Flow;

/// <summary>
/// A child that hangs up while its request is being decided: the service notices on the readiness loop, cancels the
/// backend's token, sends nothing, audits it as such and goes on to see the connection closed.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class HangUpDuringDecisionTests
{
    [Test]
    public async Task The_backend_token_is_cancelled_when_the_child_hangs_up_and_the_audit_says_so()
    {
        using var tree = new GrantTree();
        string file = Directory.GetFiles(tree.Allowed).First();
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var cancelled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var backend = new CallbackApprovalBackend(async (request, token) =>
        {
            // An interactive approval: waits for a person until told to stop.
            asked.SetResult();
            using (token.Register(() => cancelled.TrySetResult()))
            {
                await Task.Delay(Timeout.Infinite, token);
            }

            return ApprovalDecision.Granted.Instance;
        });
        var options = new SupervisorServiceOptions { ApprovalBackend = backend, Confinement = new PathPolicy([new PathRule(tree.Allowed, AccessMode.Read)]) };
        var audit = new AuditLog();
        using var service = new SupervisorService(options);
        using IDisposable subscription = service.Subscribe(audit);
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        {
            Task serving = service.ServeAsync(supervisor, (uint)Environment.ProcessId);
            child.SendMessage(ServiceHarness.Request("hang-1", file));
            await Within(asked.Task);
            child.Dispose();
            await Within(cancelled.Task);
            await Within(serving); // the connection is then seen closed: ServeAsync ends normally
            AuditEvent abandoned = audit.Events.Single();
            Assert.That(abandoned.RequestId, Is.EqualTo("hang-1"));
            Assert.That(abandoned.Detail, Is.EqualTo(SupervisorService.ChildHungUpDetail));
            Assert.That(abandoned.DescriptorSent, Is.False);
            Assert.That(abandoned.Error, Is.InstanceOf<SupervisorConnectionClosedException>());
        }
    }

    [Test]
    public async Task A_child_that_only_stops_sending_still_gets_its_answer()
    {
        using var tree = new GrantTree();
        string file = Directory.GetFiles(tree.Allowed).First();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var backend = new CallbackApprovalBackend(async (request, token) =>
        {
            await release.Task.WaitAsync(token);
            return ApprovalDecision.Granted.Instance;
        });
        var options = new SupervisorServiceOptions { ApprovalBackend = backend, Confinement = new PathPolicy([new PathRule(tree.Allowed, AccessMode.Read)]) };
        using var service = new SupervisorService(options);
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            Task serving = service.ServeAsync(supervisor, (uint)Environment.ProcessId);
            child.SendMessage(ServiceHarness.Request("half-1", file));
            using (var raw = new System.Net.Sockets.Socket(new System.Net.Sockets.SafeSocketHandle(child.FileDescriptor, ownsHandle: false)))
            {
                raw.Shutdown(System.Net.Sockets.SocketShutdown.Send);
            }

            await Task.Delay(100);
            release.SetResult();
            child.ReadTimeout = TimeSpan.FromSeconds(20);
            var decision = (SupervisorResponse.Decision)child.ReceiveResponse();
            Assert.That(decision.Outcome, Is.InstanceOf<ApprovalDecision.Granted>());
            using Microsoft.Win32.SafeHandles.SafeFileHandle granted = child.ReceiveFileDescriptor();
            await Within(serving);
        }
    }
}
