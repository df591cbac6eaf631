using System;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;
using SupervisorIpc.Interop;

namespace SupervisorIpc.Readiness;

/// <summary>
/// The reusable wait of one direction of a <see cref="ReadinessRegistration"/>: one allocation per direction for the
/// life of the socket instead of one per call. Operations of a direction are serialized by their owner, so a waiter
/// is armed again only after its previous wait was consumed.
/// </summary>
internal sealed class ReadinessWaiter : IValueTaskSource<ReadinessOutcome>
{
    private readonly ReadinessRegistration _owner;
    // Continuations run where the wait is completed: inline on the loop thread that took the event (Complete), or
    // after the caller's code when a cancellation, a timer or a disposal ends the wait (CompleteLater), so that no
    // operation's code runs inside a caller's Cancel() or Dispose().
    private LoopCompletionCore _core;
    private CancellationTokenRegistration _cancellation;
    private Timer? _timer;

    internal ReadinessWaiter(ReadinessRegistration owner, ReadinessRegistration.Direction direction)
    {
        _owner = owner;
        Direction = direction;
    }

    internal ReadinessRegistration.Direction Direction { get; }

    internal short Version => _core.Version;

    /// <summary>Called under the registration's lock once the waiter is in its slot.</summary>
    internal ValueTask<ReadinessOutcome> Arm(int timeoutMilliseconds, CancellationToken cancellationToken)
    {
        _core.Reset();
        short version = _core.Version;
        if (timeoutMilliseconds != NativeMethods.InfiniteTimeout)
        {
            // A timer per timed wait, carrying the version it was set for: a stale timer cannot end a later wait.
            _timer = new Timer(static state => ((TimeoutState)state!).Expire(), new TimeoutState(this, version), timeoutMilliseconds, Timeout.Infinite);
        }

        if (cancellationToken.CanBeCanceled)
        {
            // Registered under the registration's lock: a token already cancelled calls back at once, on this thread,
            // and the lock is reentrant, so the callback finds the waiter in its slot and ends the wait.
            _cancellation = cancellationToken.UnsafeRegister(
                static (state, _) => ((ReadinessWaiter)state!).Abandon(ReadinessOutcome.Cancelled), this);
        }

        return new ValueTask<ReadinessOutcome>(this, version);
    }

    /// <summary>Ends the wait and runs its continuation on this thread; only the loop's threads call it.</summary>
    internal void Complete(ReadinessOutcome outcome) => _core.SetResult(outcome);

    /// <summary>
    /// Ends the wait with its continuation after the caller's code (cancellation, timeout, disposal): queued to a
    /// thread of the registration's port, so that it never runs inside a caller's Cancel() or Dispose().
    /// </summary>
    internal void CompleteLater(ReadinessOutcome outcome) =>
        ReadinessLoop.Shared.Post(_owner, static completion => ((CompletionLater)completion!).Run(), new CompletionLater(this, outcome));

    /// <inheritdoc />
    public ReadinessOutcome GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            // Waits for a cancellation callback in flight, so none can reach the next wait of this waiter.
            _cancellation.Dispose();
            _cancellation = default;
            _timer?.Dispose();
            _timer = null;
        }
    }

    /// <inheritdoc />
    public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

    /// <inheritdoc />
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void Abandon(ReadinessOutcome outcome) => _owner.Abandon(this, _core.Version, outcome);

    private sealed class CompletionLater(ReadinessWaiter waiter, ReadinessOutcome outcome)
    {
        public void Run() => waiter.Complete(outcome);
    }

    private sealed class TimeoutState(ReadinessWaiter waiter, short version)
    {
        public void Expire() => waiter._owner.Abandon(waiter, version, ReadinessOutcome.TimedOut);
    }
}
