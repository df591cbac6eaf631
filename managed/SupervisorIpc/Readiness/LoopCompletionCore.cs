using System;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using System.Threading.Tasks.Sources;

namespace SupervisorIpc.Readiness;

/// <summary>
/// The completion of a reusable wait, as <see cref="ManualResetValueTaskSourceCore{TResult}"/> with continuations
/// run synchronously, except where the wait completes before its continuation is registered: the runtime's core then
/// queues the continuation to the thread pool, which starts the pool's threads (a gate and two workers) in a process
/// whose continuations otherwise all run on the loop's threads (see <see cref="ReadinessLoop"/>). This one queues it
/// to the loop when registered on a loop thread, and runs it on the registering thread otherwise.
/// </summary>
/// <remarks>
/// Where a continuation runs: registered before the completion, on the completing thread (a loop thread for an
/// event, another for a cancellation or a disposal: <see cref="ReadinessWaiter.CompleteLater"/>); registered after
/// it, as above; with a synchronization context or task scheduler to resume on, posted there.
/// </remarks>
internal struct LoopCompletionCore
{
    private static readonly Action<object?> s_completed = static _ => throw new InvalidOperationException("The completion's sentinel ran.");

    private Action<object?>? _continuation;
    private object? _continuationState;
    private ExecutionContext? _executionContext;
    private object? _schedulingContext;
    private ReadinessOutcome _outcome;
    private bool _completed;

    /// <summary>The version of the current wait; a token from an earlier one is refused.</summary>
    public short Version { get; private set; }

    /// <summary>Makes the completion ready for the next wait (only after the previous one was consumed).</summary>
    public void Reset()
    {
        Version++;
        _completed = false;
        _continuation = null;
        _continuationState = null;
        _executionContext = null;
        _schedulingContext = null;
    }

    /// <summary>As <see cref="IValueTaskSource{TResult}.GetStatus"/>.</summary>
    public ValueTaskSourceStatus GetStatus(short token)
    {
        ValidateToken(token);
        return IsCompleted ? ValueTaskSourceStatus.Succeeded : ValueTaskSourceStatus.Pending;
    }

    /// <summary>As <see cref="IValueTaskSource{TResult}.GetResult"/>: the outcome, once completed.</summary>
    public ReadinessOutcome GetResult(short token)
    {
        ValidateToken(token);
        if (!IsCompleted)
        {
            throw new InvalidOperationException("The wait has not completed.");
        }

        return _outcome;
    }

    /// <summary>As <see cref="IValueTaskSource{TResult}.OnCompleted"/>; see the type's remarks for where it runs.</summary>
    public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
    {
        ValidateToken(token);
        if ((flags & ValueTaskSourceOnCompletedFlags.FlowExecutionContext) != 0)
        {
            _executionContext = ExecutionContext.Capture();
        }

        if ((flags & ValueTaskSourceOnCompletedFlags.UseSchedulingContext) != 0)
        {
            _schedulingContext = CurrentSchedulingContext();
        }

        _continuationState = state;
        Action<object?>? previous = Interlocked.CompareExchange(ref _continuation, continuation, null);
        if (previous is null)
        {
            return;
        }

        if (!ReferenceEquals(previous, s_completed))
        {
            throw new InvalidOperationException("A second continuation for one wait.");
        }

        // Completed in the moment between the awaiter's IsCompleted and this call. On a loop thread the continuation
        // is queued to the loop, which runs it as soon as this thread's current continuation returns (running it here
        // would nest a frame per such race on a thread that never unwinds). Elsewhere (the caller's own thread, before
        // its first wait) it runs here, as if the wait had completed synchronously, while the stack allows.
        if (_schedulingContext is null && _executionContext is null && ReadinessLoop.IsLoopThread)
        {
            ReadinessLoop.PostHere(continuation, state);
        }
        else
        {
            Dispatch(continuation, state, runInline: RuntimeHelpers.TryEnsureSufficientExecutionStack());
        }
    }

    /// <summary>Completes the wait; its continuation, if already registered, runs now on this thread.</summary>
    /// <remarks>
    /// The sentinel is what makes the completion visible: once it is in place this method touches nothing more,
    /// because the awaiting side may see it, take the result and arm the next wait (<see cref="Reset"/>) at once.
    /// </remarks>
    public void SetResult(ReadinessOutcome outcome)
    {
        _outcome = outcome;
        Action<object?>? continuation = Interlocked.CompareExchange(ref _continuation, s_completed, null);
        if (continuation is null)
        {
            return;
        }

        // The registered continuation is the only way on for the awaiting side, so the fields stay ours until it runs.
        _completed = true;
        if (_schedulingContext is null && _executionContext is null)
        {
            continuation(_continuationState);
        }
        else
        {
            Dispatch(continuation, _continuationState, runInline: true);
        }
    }

    /// <summary>The rare paths: a context to resume on or to flow, or a continuation queued from outside the loop.</summary>
    private readonly void Dispatch(Action<object?> continuation, object? state, bool runInline)
    {
        var queued = new QueuedContinuation(continuation, state, _executionContext);
        switch (_schedulingContext)
        {
            case SynchronizationContext context:
                context.Post(static item => ((QueuedContinuation)item!).Execute(), queued);
                break;
            case TaskScheduler scheduler:
                Task.Factory.StartNew(static item => ((QueuedContinuation)item!).Execute(), queued, CancellationToken.None, TaskCreationOptions.DenyChildAttach, scheduler);
                break;
            default:
                if (runInline)
                {
                    queued.Execute();
                }
                else
                {
                    ThreadPool.UnsafeQueueUserWorkItem(queued, preferLocal: false);
                }

                break;
        }
    }

    // Completed: either SetResult ran a registered continuation, or its sentinel is in place.
    private bool IsCompleted => Volatile.Read(ref _completed) || ReferenceEquals(Volatile.Read(ref _continuation), s_completed);

    /// <summary>The context an awaiter asked to resume on, or null for the default (no context, default scheduler).</summary>
    private static object? CurrentSchedulingContext()
    {
        SynchronizationContext? context = SynchronizationContext.Current;
        if (context is not null && context.GetType() != typeof(SynchronizationContext))
        {
            return context;
        }

        TaskScheduler scheduler = TaskScheduler.Current;
        return scheduler == TaskScheduler.Default ? null : scheduler;
    }

    private readonly void ValidateToken(short token)
    {
        if (token != Version)
        {
            throw new InvalidOperationException("The wait was consumed or belongs to an earlier use of this waiter.");
        }
    }

    private sealed class QueuedContinuation(Action<object?> continuation, object? state, ExecutionContext? executionContext) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            if (executionContext is null)
            {
                continuation(state);
            }
            else
            {
                ExecutionContext.Run(executionContext, static item => ((QueuedContinuation)item!).Run(), this);
            }
        }

        private void Run() => continuation(state);
    }
}
