using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using NUnit.Framework;
using SupervisorIpc.Readiness;

namespace SupervisorIpc.Tests.Transport;

/// <summary>
/// The completion behind every asynchronous wait: where its continuation runs in each order of completion and
/// registration, which contexts it honours, and that a wait of an earlier use is refused.
/// </summary>
[TestFixture]
public sealed class LoopCompletionCoreTests
{
    private static LoopCompletionCore Armed()
    {
        var core = default(LoopCompletionCore);
        core.Reset();
        return core;
    }

    [Test]
    public void A_continuation_registered_before_completion_runs_on_the_completing_thread()
    {
        LoopCompletionCore core = Armed();
        int ranOn = 0;
        core.OnCompleted(_ => ranOn = Environment.CurrentManagedThreadId, null, core.Version, ValueTaskSourceOnCompletedFlags.None);
        Assert.That(core.GetStatus(core.Version), Is.EqualTo(ValueTaskSourceStatus.Pending));

        var completer = new Thread(() => core.SetResult(ReadinessOutcome.Ready));
        completer.Start();
        completer.Join();

        Assert.That(ranOn, Is.EqualTo(completer.ManagedThreadId));
        Assert.That(core.GetResult(core.Version), Is.EqualTo(ReadinessOutcome.Ready));
    }

    [Test]
    public void A_continuation_registered_after_completion_off_the_loop_runs_before_OnCompleted_returns()
    {
        // The race of an awaiter that checked IsCompleted just before the completion: off the loop's threads the
        // continuation runs on the registering thread, as if the wait had completed synchronously, not on the pool.
        LoopCompletionCore core = Armed();
        core.SetResult(ReadinessOutcome.TimedOut);
        Assert.That(core.GetStatus(core.Version), Is.EqualTo(ValueTaskSourceStatus.Succeeded));

        int ranOn = 0;
        core.OnCompleted(_ => ranOn = Environment.CurrentManagedThreadId, null, core.Version, ValueTaskSourceOnCompletedFlags.None);

        Assert.That(ranOn, Is.EqualTo(Environment.CurrentManagedThreadId));
        Assert.That(core.GetResult(core.Version), Is.EqualTo(ReadinessOutcome.TimedOut));
    }

    [Test]
    public void A_requested_synchronization_context_gets_the_continuation()
    {
        LoopCompletionCore core = Armed();
        var context = new RecordingContext();
        SynchronizationContext? previous = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(context);
        bool ran = false;
        try
        {
            core.OnCompleted(_ => ran = true, null, core.Version, ValueTaskSourceOnCompletedFlags.UseSchedulingContext);
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(previous);
        }

        core.SetResult(ReadinessOutcome.Ready);
        Assert.That(ran, Is.False, "posted, not run inline");
        Assert.That(context.Posted.TryDequeue(out (SendOrPostCallback Callback, object? State) posted), Is.True);
        posted.Callback(posted.State);
        Assert.That(ran, Is.True);
    }

    [Test]
    public void A_flowed_execution_context_is_restored_for_the_continuation()
    {
        var local = new AsyncLocal<string?>();
        LoopCompletionCore core = Armed();
        string? seen = null;
        local.Value = "registered";
        core.OnCompleted(_ => seen = local.Value, null, core.Version, ValueTaskSourceOnCompletedFlags.FlowExecutionContext);
        local.Value = "completing";

        core.SetResult(ReadinessOutcome.Ready);

        Assert.That(seen, Is.EqualTo("registered"));
    }

    [Test]
    public void A_token_of_an_earlier_wait_and_a_second_continuation_are_refused()
    {
        LoopCompletionCore core = Armed();
        short first = core.Version;
        core.OnCompleted(_ => { }, null, first, ValueTaskSourceOnCompletedFlags.None);
        Assert.Throws<InvalidOperationException>(() => core.OnCompleted(_ => { }, null, first, ValueTaskSourceOnCompletedFlags.None));
        Assert.Throws<InvalidOperationException>(() => core.GetResult(first), "not completed yet");
        core.SetResult(ReadinessOutcome.Closed);
        Assert.That(core.GetResult(first), Is.EqualTo(ReadinessOutcome.Closed));

        core.Reset();
        Assert.Throws<InvalidOperationException>(() => core.GetStatus(first));
        Assert.Throws<InvalidOperationException>(() => core.GetResult(first));
        Assert.That(core.GetStatus(core.Version), Is.EqualTo(ValueTaskSourceStatus.Pending));
    }

    [Test]
    public async Task Completions_racing_registrations_on_two_threads_each_run_their_continuation_once()
    {
        // One waiter reused many times, completed on one thread while the other registers: every wait's
        // continuation runs exactly once, whichever side wins.
        var waiter = new Box();
        int runs = 0;
        const int Rounds = 5_000;
        for (int round = 0; round < Rounds; round++)
        {
            waiter.Core.Reset();
            short version = waiter.Core.Version;
            using var registered = new ManualResetEventSlim();
            Task completing = Task.Run(() => waiter.Core.SetResult(ReadinessOutcome.Ready));
            waiter.Core.OnCompleted(_ => { Interlocked.Increment(ref runs); registered.Set(); }, null, version, ValueTaskSourceOnCompletedFlags.None);
            await completing;
            Assert.That(registered.Wait(TimeSpan.FromSeconds(30)), Is.True);
            Assert.That(waiter.Core.GetResult(version), Is.EqualTo(ReadinessOutcome.Ready));
        }

        Assert.That(runs, Is.EqualTo(Rounds));
    }

    [Test]
    public async Task A_wait_seen_complete_can_be_armed_again_at_once_without_the_old_completion_touching_it()
    {
        // The awaiting side may see a completion (IsCompleted), take it and arm the next wait while the completing
        // thread is still inside SetResult: that SetResult must not run or complete the next wait.
        var waiter = new Box();
        for (int round = 0; round < 5_000; round++)
        {
            waiter.Core.Reset();
            short version = waiter.Core.Version;
            Task completing = Task.Run(() => waiter.Core.SetResult(ReadinessOutcome.Ready));
            var spin = default(SpinWait);
            while (waiter.Core.GetStatus(version) == ValueTaskSourceStatus.Pending)
            {
                spin.SpinOnce();
            }

            Assert.That(waiter.Core.GetResult(version), Is.EqualTo(ReadinessOutcome.Ready));
            waiter.Core.Reset();
            short next = waiter.Core.Version;
            int ran = 0;
            waiter.Core.OnCompleted(_ => Interlocked.Increment(ref ran), null, next, ValueTaskSourceOnCompletedFlags.None);
            await completing;
            Assert.That((ran, waiter.Core.GetStatus(next)), Is.EqualTo((0, ValueTaskSourceStatus.Pending)), $"round {round}");
            waiter.Core.SetResult(ReadinessOutcome.Ready);
            Assert.That(ran, Is.EqualTo(1));
        }
    }

    private sealed class Box
    {
        public LoopCompletionCore Core;
    }

    private sealed class RecordingContext : SynchronizationContext
    {
        public ConcurrentQueue<(SendOrPostCallback Callback, object? State)> Posted { get; } = new();

        public override void Post(SendOrPostCallback d, object? state) => Posted.Enqueue((d, state));
    }
}
