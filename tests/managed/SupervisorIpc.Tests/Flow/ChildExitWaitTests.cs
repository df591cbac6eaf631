using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using static SupervisorIpc.Tests.Flow.FlowTestSupport;

namespace SupervisorIpc.Tests.Flow;

/// <summary>
/// Waiting for a child's end on the readiness loop (a pidfd on Linux) and killing it through the pidfd, and the same
/// with the pid-based fallback forced (what a kernel without pidfd_open gets).
/// </summary>
[TestFixture]
[NonParallelizable] // counts this process's descriptors and threads
public sealed class ChildExitWaitTests
{
    private static string Probe => NativeProgram("flow_probe");

    private static IEnumerable<TestCaseData> Paths()
    {
        yield return new TestCaseData(false).SetArgDisplayNames("pidfd");
        yield return new TestCaseData(true).SetArgDisplayNames("fallback");
    }

    private static SupervisedChild Start(bool fallback, params string[] arguments)
    {
        SupervisedChild.PidfdDisabled = fallback;
        try
        {
            SupervisedChild child = SupervisedChild.Start(Probe, arguments);
            if (OperatingSystem.IsLinux())
            {
                Assert.That(child.UsesPidfd, Is.EqualTo(!fallback), "this kernel has pidfd_open (Linux >= 5.3)");
            }

            Assert.That(child.WaitsOnLoop, Is.EqualTo(!fallback));
            return child;
        }
        finally
        {
            SupervisedChild.PidfdDisabled = false;
        }
    }

    [TestCaseSource(nameof(Paths))]
    public async Task ExitIsObservedAndReaped(bool fallback)
    {
        using SupervisedChild child = Start(fallback, "exit", "7");
        Assert.That(await Within(child.WaitForExitAsync()), Is.EqualTo(new ChildExitStatus(7, 0)));
        Assert.That(child.ExitStatus, Is.EqualTo(new ChildExitStatus(7, 0)));
        Assert.That(await Within(child.WaitForExitAsync()), Is.EqualTo(new ChildExitStatus(7, 0)), "a second wait returns the kept status");
    }

    [TestCaseSource(nameof(Paths))]
    public async Task KillEndsAWaitingChildAndACancelledWaitCanBeRepeated(bool fallback)
    {
        using SupervisedChild child = Start(fallback, "wait");
        using (var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50)))
        {
            Assert.That(async () => await Within(child.WaitForExitAsync(cancel.Token)), Throws.InstanceOf<OperationCanceledException>());
        }

        Assert.That(child.TryGetExitStatus(out _), Is.False, "cancelling the wait leaves the child running");
        Task<ChildExitStatus> wait = child.WaitForExitAsync();
        await Task.Delay(20);
        Assert.That(wait.IsCompleted, Is.False);
        child.Kill();
        ChildExitStatus exit = await Within(wait);
        Assert.That((exit.ExitCode, exit.Signal), Is.EqualTo((-1, 9)));
        child.Kill(); // reaped: nothing to signal, no error
    }

    [Test]
    public async Task DisposingEndsAPendingWait()
    {
        SupervisedChild child = Start(fallback: false, "wait");
        try
        {
            Task<ChildExitStatus> wait = child.WaitForExitAsync();
            await Task.Delay(20);
            child.Dispose();
            Assert.That(async () => await Within(wait), Throws.InstanceOf<ObjectDisposedException>());
        }
        finally
        {
            child.Kill();
            _ = child.WaitForExit(TimeSpan.FromSeconds(30));
        }
    }

    [Test]
    public async Task ManyWaitingChildrenHoldNoThreadsAndNoDescriptorsAfterwards()
    {
        // Warm the loop up so that its thread and port are not counted as the children's.
        using (SupervisedChild first = Start(fallback: false, "exit", "0"))
        {
            _ = await Within(first.WaitForExitAsync());
        }

        const int Children = 64;
        int descriptorsBefore = OpenDescriptorCount();
        var children = new List<SupervisedChild>();
        try
        {
            for (int i = 0; i < Children; i++)
            {
                children.Add(Start(fallback: false, "wait"));
            }

            int threadsBefore = Process.GetCurrentProcess().Threads.Count;
            Task<ChildExitStatus>[] waits = children.Select(c => c.WaitForExitAsync()).ToArray();
            await Task.Delay(200);
            Assert.That(waits.Any(w => w.IsCompleted), Is.False);
            Assert.That(Process.GetCurrentProcess().Threads.Count, Is.LessThan(threadsBefore + 8), "no thread per waiting child");
            foreach (SupervisedChild child in children)
            {
                child.Kill();
            }

            ChildExitStatus[] exits = await Within(Task.WhenAll(waits));
            Assert.That(exits.All(e => e.Signal == 9), Is.True);
        }
        finally
        {
            foreach (SupervisedChild child in children)
            {
                child.Kill();
                child.Dispose();
            }
        }

        Assert.That(OpenDescriptorCount(), Is.EqualTo(descriptorsBefore), "sockets and pidfds are all closed");
    }
}
