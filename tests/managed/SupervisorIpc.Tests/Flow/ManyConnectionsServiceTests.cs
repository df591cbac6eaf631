using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
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

    /// <summary>Closes the children's ends, waits for every serving loop to end, then closes the supervisor's ends.</summary>
    private static async Task StopServingAsync(List<(SupervisorSocket SupervisorEnd, SupervisorSocket ChildEnd)> pairs, IEnumerable<Task> serving)
    {
        foreach (var (_, childEnd) in pairs)
        {
            childEnd.Dispose();
        }

        await Within(Task.WhenAll(serving));
        foreach (var (supervisorEnd, _) in pairs)
        {
            supervisorEnd.Dispose();
        }
    }

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
    public async Task A_decision_that_blocks_its_thread_does_not_hold_up_the_answers_on_other_connections()
    {
        // Continuations run inline on the readiness threads, one per core; a synchronous backend that blocks takes
        // one of them. As many decisions block here as there are cores, and the requests on the other connections
        // must still be answered, by a helper the loop starts on a port whose thread makes no progress.
        using var tree = new GrantTree();
        string file = Directory.GetFiles(tree.Allowed).First();
        using var release = new ManualResetEventSlim();
        int blockers = Math.Max(Environment.ProcessorCount, 2);
        using var service = new SupervisorService(new SupervisorServiceOptions
        {
            ApprovalBackend = new CallbackApprovalBackend(request =>
            {
                if (request.Capability.Reason == "block")
                {
                    release.Wait(TimeSpan.FromSeconds(60)); // blocks its thread until the other answers arrived
                }

                return ApprovalDecision.Granted.Instance;
            }),
            Confinement = new PathPolicy([new PathRule(tree.Allowed, AccessMode.Read)]),
            RequestsPerSecond = 1_000_000,
            RequestBurst = 1_000_000,
        });
        var pairs = Enumerable.Range(0, blockers + 4).Select(_ => SupervisorSocket.CreatePair()).ToList();
        var serving = pairs.Select(pair => service.ServeAsync(pair.SupervisorEnd, (uint)Environment.ProcessId)).ToList();
        try
        {
            var blocked = pairs.Take(blockers).Select(pair => AskAsync(pair.ChildEnd, file, "block")).ToList();
            bool[] answered = await Within(Task.WhenAll(pairs.Skip(blockers).Select(pair => AskAsync(pair.ChildEnd, file, "quick"))));
            Assert.That(answered, Is.All.True);
            Assert.That(blocked.All(task => !task.IsCompleted), Is.True, "the blocking decisions were still blocked");
            release.Set();
            Assert.That(await Within(Task.WhenAll(blocked)), Is.All.True);
        }
        finally
        {
            release.Set();
            await StopServingAsync(pairs, serving);
        }

        static async Task<bool> AskAsync(SupervisorSocket child, string path, string reason)
        {
            await child.SendMessageAsync(new SupervisorMessage.Request(new CapabilityRequest(reason + Guid.NewGuid(), path, AccessMode.Read, reason, (uint)Environment.ProcessId, "session")));
            var decision = (SupervisorResponse.Decision)await child.ReceiveResponseAsync();
            using SafeFileHandle granted = await child.ReceiveFileDescriptorAsync();
            return decision.Outcome is ApprovalDecision.Granted && !granted.IsInvalid;
        }
    }

    [Test]
    public async Task Children_that_keep_their_connections_busy_do_not_hold_up_another_connection()
    {
        // Children that pipeline requests as fast as they can, one per core, keep every readiness thread busy with
        // their connections; one more connection's request must still be answered while the floods run. (Here the
        // serving loops still wait now and then between requests; a loop that never did would be taken over by the
        // watch thread's helper, as the blocking decision above shows.)
        using var tree = new GrantTree();
        string file = Directory.GetFiles(tree.Allowed).First();
        using SupervisorService service = Service(tree);
        int flooders = Math.Max(Environment.ProcessorCount, 2);
        var pairs = Enumerable.Range(0, flooders + 1).Select(_ => SupervisorSocket.CreatePair()).ToList();
        var serving = pairs.Select(pair => service.ServeAsync(pair.SupervisorEnd, (uint)Environment.ProcessId)).ToList();
        using var stop = new CancellationTokenSource();
        var answered = new int[flooders];
        var floods = Enumerable.Range(0, flooders).Select(i => Task.Run(() => Flood(pairs[i].ChildEnd, file, stop.Token, ref answered[i]))).ToList();
        try
        {
            var started = Stopwatch.StartNew();
            while (answered.Any(count => Volatile.Read(ref count) < 100) && started.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(10);
            }

            SupervisorSocket probe = pairs[^1].ChildEnd;
            probe.ReadTimeout = TimeSpan.FromSeconds(30);
            using (var client = new SupervisorClient(probe, "session", ownsSocket: false))
            using (SafeFileHandle granted = client.RequestAccess(file, AccessMode.Read))
            {
                Assert.That(granted.IsInvalid, Is.False);
            }

            Assert.That(floods.Any(flood => flood.IsCompleted), Is.False, "the floods were still running when the probe was answered");
        }
        finally
        {
            stop.Cancel();
            await Within(Task.WhenAll(floods));
            await StopServingAsync(pairs, serving);
        }

        // Sends requests from one thread and takes the answers on another (full duplex) until stopped, or for at
        // most 60 s; returns once every request sent was answered.
        static void Flood(SupervisorSocket child, string path, CancellationToken stop, ref int answeredCount)
        {
            int sent = 0;
            bool sending = true;
            var deadline = Stopwatch.StartNew();
            var sender = new Thread(() =>
            {
                while (!stop.IsCancellationRequested && deadline.Elapsed < TimeSpan.FromSeconds(60))
                {
                    child.SendMessage(new SupervisorMessage.Request(new CapabilityRequest(Guid.NewGuid().ToString(), path, AccessMode.Read, "flood", (uint)Environment.ProcessId, "session")));
                    Interlocked.Increment(ref sent);
                }

                Volatile.Write(ref sending, false);
            });
            sender.Start();
            int received = 0;
            while (Volatile.Read(ref sending) || received < Volatile.Read(ref sent))
            {
                if (!Volatile.Read(ref sending) || received < Volatile.Read(ref sent))
                {
                    var decision = (SupervisorResponse.Decision)child.ReceiveResponse();
                    using SafeFileHandle granted = child.ReceiveFileDescriptor();
                    Assert.That(decision.Outcome, Is.InstanceOf<ApprovalDecision.Granted>());
                    received++;
                    Interlocked.Increment(ref answeredCount);
                }
                else
                {
                    Thread.Yield();
                }
            }

            sender.Join();
        }
    }

    [Test]
    public async Task Requests_are_decided_on_the_readiness_threads_not_on_the_thread_pool()
    {
        // The service moves each connection onto the thread of its readiness port, where its waits complete and its
        // continuations run: the pool is not needed (its threads would count against the process's bound).
        using var tree = new GrantTree();
        string file = Directory.GetFiles(tree.Allowed).First();
        var seen = new System.Collections.Concurrent.ConcurrentBag<(string? Name, bool Pool)>();
        using var service = new SupervisorService(new SupervisorServiceOptions
        {
            ApprovalBackend = new CallbackApprovalBackend(_ =>
            {
                seen.Add((Thread.CurrentThread.Name, Thread.CurrentThread.IsThreadPoolThread));
                return ApprovalDecision.Granted.Instance;
            }),
            Confinement = new PathPolicy([new PathRule(tree.Allowed, AccessMode.Read)]),
            RequestsPerSecond = 1_000_000,
            RequestBurst = 1_000_000,
        });
        var pairs = Enumerable.Range(0, 4).Select(_ => SupervisorSocket.CreatePair()).ToList();
        var serving = pairs.Select(pair => service.ServeAsync(pair.SupervisorEnd, (uint)Environment.ProcessId)).ToList();
        try
        {
            foreach (var (_, childEnd) in pairs)
            {
                using var client = new SupervisorClient(childEnd, "session", ownsSocket: false);
                childEnd.ReadTimeout = TimeSpan.FromSeconds(30);
                for (int i = 0; i < 3; i++)
                {
                    using SafeFileHandle granted = client.RequestAccess(file, AccessMode.Read);
                    Assert.That(granted.IsInvalid, Is.False);
                }
            }
        }
        finally
        {
            await StopServingAsync(pairs, serving);
        }

        Assert.That(seen, Has.Count.EqualTo(12));
        Assert.That(seen, Is.All.EqualTo(("SupervisorIpc readiness", false)));
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
