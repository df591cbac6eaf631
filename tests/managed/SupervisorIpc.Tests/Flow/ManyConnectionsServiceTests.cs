using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using static SupervisorIpc.Tests.Flow.FlowTestSupport;

namespace SupervisorIpc.Tests.Flow;

/// <summary>
/// One <see cref="SupervisorService"/> serving many idle children: no starvation (a request on one of the last
/// connections is answered while hundreds wait) and no thread per connection; every serving loop ends when its child
/// closes. Functional, not timed: the bounds are on threads and completion, not on speed.
/// </summary>
[TestFixture]
[NonParallelizable] // counts this process's threads
public sealed class ManyConnectionsServiceTests
{
    private static SupervisorService Service(GrantTree tree) => new(new SupervisorServiceOptions
    {
        ApprovalBackend = new PolicyApprovalBackend(new PathRule(tree.Allowed, AccessMode.Read)),
        RequestsPerSecond = 1_000_000, // the rate limit is tested elsewhere
        RequestBurst = 1_000_000,
    });

    [Test]
    public async Task Requests_on_the_last_8_of_512_idle_connections_are_answered_with_bounded_threads()
    {
        using var tree = new GrantTree();
        string file = Directory.GetFiles(tree.Allowed).First();
        using SupervisorService service = Service(tree);
        var children = new List<SupervisorSocket>();
        var serving = new List<Task>();
        try
        {
            for (int i = 0; i < 512; i++)
            {
                var (supervisorEnd, childEnd) = SupervisorSocket.CreatePair();
                children.Add(childEnd);
                serving.Add(service.ServeAsync(supervisorEnd, (uint)Environment.ProcessId).ContinueWith(_ => supervisorEnd.Dispose(), TaskScheduler.Default));
            }

            int threads = Process.GetCurrentProcess().Threads.Count;
            var answers = children.Skip(504).Select(child => Task.Run(() =>
            {
                using var client = new SupervisorClient(child, "session", ownsSocket: false);
                child.ReadTimeout = TimeSpan.FromSeconds(30);
                using SafeFileHandle granted = client.RequestAccess(file, AccessMode.Read);
                return !granted.IsInvalid;
            })).ToArray();
            Assert.That(await Within(Task.WhenAll(answers)), Is.All.True);
            Assert.That(Process.GetCurrentProcess().Threads.Count, Is.LessThanOrEqualTo(threads + 8 + (2 * Environment.ProcessorCount)), "no thread per idle connection");
        }
        finally
        {
            foreach (SupervisorSocket child in children)
            {
                child.Dispose();
            }
        }

        await Within(Task.WhenAll(serving));
    }

    [Test]
    public async Task A_thousand_concurrent_serving_loops_complete_when_their_children_close()
    {
        using var tree = new GrantTree();
        using SupervisorService service = Service(tree);
        var children = new List<SupervisorSocket>();
        var ends = new List<SupervisorSocket>();
        var serving = new List<Task>();
        for (int i = 0; i < 1000; i++)
        {
            var (supervisorEnd, childEnd) = SupervisorSocket.CreatePair();
            ends.Add(supervisorEnd);
            children.Add(childEnd);
            serving.Add(service.ServeAsync(supervisorEnd, (uint)Environment.ProcessId));
        }

        await Task.Delay(100);
        Assert.That(serving.Any(s => s.IsCompleted), Is.False, "every loop waits for its child");
        foreach (SupervisorSocket child in children)
        {
            child.Dispose();
        }

        await Within(Task.WhenAll(serving));
        Assert.That(serving.All(s => s.IsCompletedSuccessfully), Is.True);
        foreach (SupervisorSocket end in ends)
        {
            end.Dispose();
        }
    }
}
