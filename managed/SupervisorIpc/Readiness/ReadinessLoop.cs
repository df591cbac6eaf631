using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;
using SupervisorIpc.Interop;

namespace SupervisorIpc.Readiness;

/// <summary>
/// The one thread per process that waits for readiness of every socket, listener and child the asynchronous
/// methods are waiting on, in the native readiness port (epoll on Linux, kqueue on macOS), and completes their waits.
/// </summary>
/// <remarks>
/// Why a loop of our own rather than the runtime's socket engine (a <see cref="System.Net.Sockets.Socket"/> around
/// the descriptor): the runtime switches the descriptor's open file description to O_NONBLOCK the first time it is
/// used asynchronously, which every synchronous call on the same descriptor then sees, and its zero-byte receive
/// cannot be told to leave a waiting descriptor (SCM_RIGHTS) alone. A pidfd and a hang-up watch fit the same
/// loop, which a Socket cannot wait for. The loop does no I/O itself: an event only advances the registration's
/// sequence numbers and completes the waiting operation on a thread-pool dispatcher, which retries the non-blocking
/// call (see <see cref="ReadinessRegistration"/> and <see cref="DispatchQueued"/>). Registrations are edge-triggered,
/// so one epoll_ctl per socket for its whole life and no system call per wait. Timeouts and cancellation use the
/// runtime's timer queue and cancellation callbacks, which hold no thread either.
/// </remarks>
internal sealed unsafe class ReadinessLoop : IThreadPoolWorkItem
{
    private const int EventsPerWait = 64;

    // Dispatchers that have finished no event for this long (a continuation doing slow synchronous work, or threads
    // the scheduler put aside) get a helper; no more helpers than this are ever at work at once.
    private static readonly long s_stallTicks = Stopwatch.Frequency / 50;
    private const int MaxHelpers = 64;

    // How often the loop looks for stuck dispatchers while events are queued.
    private const int StallCheckMilliseconds = 5;
    private static ReadinessLoop? s_shared;
    private static readonly object s_creation = new();

    private readonly int _port;
    private readonly ConcurrentDictionary<uint, ReadinessRegistration> _registrations = new();
    private readonly ConcurrentQueue<ReadyEvent> _ready = new();
    private uint _lastToken;
    // Dispatchers (pool work items draining _ready) requested or running, and when one last finished an event.
    private int _dispatchers;
    private long _lastProgress;

    // Dispatchers at work at once, unless stuck: one per core.
    private readonly int _maxDispatchers = Math.Max(Environment.ProcessorCount, 2);

    private ReadinessLoop(int port)
    {
        _port = port;
        var thread = new Thread(Run) { IsBackground = true, Name = "SupervisorIpc readiness" };
        thread.UnsafeStart();
    }

    /// <summary>The process's loop, started on first use.</summary>
    /// <exception cref="SupervisorSocketException">The readiness port could not be created.</exception>
    public static ReadinessLoop Shared
    {
        get
        {
            ReadinessLoop? loop = Volatile.Read(ref s_shared);
            if (loop is not null)
            {
                return loop;
            }

            lock (s_creation)
            {
                if (s_shared is null)
                {
                    int port;
                    SvipcStatus status = NativeMethods.EventPortCreate(&port);
                    if (status != SvipcStatus.Ok)
                    {
                        throw SocketErrors.Create(status, Marshal.GetLastPInvokeError(), "create readiness port");
                    }

                    Volatile.Write(ref s_shared, new ReadinessLoop(port));
                }

                return s_shared!;
            }
        }
    }

    /// <summary>Watches a socket or listener descriptor for reading, writing and hang-up.</summary>
    public ReadinessRegistration AddDescriptor(int fd) =>
        Add(fd, pid: 0, token => NativeMethods.EventPortAdd(_port, fd, token), "watch descriptor");

    /// <summary>Watches an unreaped child for its end: its pidfd on Linux, its pid on macOS (pidfd is then -1).</summary>
    public ReadinessRegistration AddChild(int pid, int pidfd) =>
        Add(pidfd, pid, token => NativeMethods.EventPortAddChild(_port, pid, pidfd, token), "watch child");

    /// <summary>
    /// Stops watching and ends every wait with <see cref="ReadinessOutcome.Closed"/>. Must come before the descriptor is
    /// closed: a copy of it elsewhere would keep the kernel's registration alive.
    /// </summary>
    public void Remove(ReadinessRegistration registration)
    {
        if (registration.Descriptor >= 0)
        {
            // Failure leaves nothing to undo: the descriptor is about to be closed by its owner.
            _ = NativeMethods.EventPortRemove(_port, registration.Descriptor);
        }

        _registrations.TryRemove(registration.Token, out _);
        registration.Close();
    }

    private ReadinessRegistration Add(int fd, int pid, Func<uint, SvipcStatus> register, string operation)
    {
        ReadinessRegistration registration;
        do
        {
            registration = new ReadinessRegistration(Interlocked.Increment(ref _lastToken), fd, pid);
        }
        while (!_registrations.TryAdd(registration.Token, registration));

        SvipcStatus status = register(registration.Token);
        if (status != SvipcStatus.Ok)
        {
            int errno = Marshal.GetLastPInvokeError();
            _registrations.TryRemove(registration.Token, out _);
            throw SocketErrors.Create(status, errno, operation);
        }

        return registration;
    }

    private void Run()
    {
        SvipcReadyEvent* events = stackalloc SvipcReadyEvent[EventsPerWait];
        while (true)
        {
            // While events wait for a dispatcher, wake up now and then to see whether it is stuck on one of them.
            int timeout = _ready.IsEmpty ? NativeMethods.InfiniteTimeout : StallCheckMilliseconds;
            int count;
            SvipcStatus status = NativeMethods.EventPortWait(_port, events, EventsPerWait, timeout, &count);
            if (status != SvipcStatus.Ok)
            {
                // Only EBADF/EFAULT/EINVAL can get here, none of which a retry would cure; a busy loop would be worse.
                Environment.FailFast($"SupervisorIpc readiness port failed: {SocketErrors.Describe(status, Marshal.GetLastPInvokeError(), "wait for readiness", null)}");
            }

            for (int i = 0; i < count; i++)
            {
                if (_registrations.TryGetValue(events[i].Token, out ReadinessRegistration? registration))
                {
                    _ready.Enqueue(new ReadyEvent(registration, events[i].Events));
                }
            }

            DispatchQueued();
        }
    }

    /// <summary>
    /// Hands the queued events to dispatchers: pool work items that each complete queued waits, continuations inline,
    /// until none is left. A burst of a thousand requests is then a few work items, not one per event; one dispatcher
    /// starts another when it finds more queued, up to one per core. When no dispatcher has finished an event for
    /// 20 ms (a continuation doing slow synchronous work, or threads the scheduler put aside), one more is started
    /// beyond that limit, so one slow decision does not hold up every other connection. Measured on two cores at a
    /// thousand connections (BENCHMARKS.md, scale): one work item per event, these dispatchers and dedicated
    /// dispatcher threads served grants per second within the run-to-run noise of each other; dedicated threads
    /// added one or two threads to the process (the pool's workers exist anyway), so dispatch stays on the pool.
    /// </summary>
    private void DispatchQueued()
    {
        if (_ready.IsEmpty)
        {
            return;
        }

        if (TryAddDispatcher())
        {
            StartDispatcher();
        }
        else if (Stopwatch.GetTimestamp() - Volatile.Read(ref _lastProgress) > s_stallTicks &&
                 Volatile.Read(ref _dispatchers) < _maxDispatchers + MaxHelpers)
        {
            Interlocked.Increment(ref _dispatchers);
            StartDispatcher();
        }
    }

    /// <summary>Queues a dispatcher already counted in <see cref="_dispatchers"/>; its stall clock starts now.</summary>
    private void StartDispatcher()
    {
        Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());
        ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
    }

    /// <summary>Counts one more dispatcher at work, unless one per core is already.</summary>
    private bool TryAddDispatcher()
    {
        int current = Volatile.Read(ref _dispatchers);
        while (current < _maxDispatchers)
        {
            int seen = Interlocked.CompareExchange(ref _dispatchers, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>A dispatcher, on a pool thread.</summary>
    void IThreadPoolWorkItem.Execute() => Drain();

    /// <summary>Completes queued waits in order, each continuation inline, until none is left.</summary>
    private void Drain()
    {
        while (true)
        {
            bool first = true;
            while (_ready.TryDequeue(out ReadyEvent ready))
            {
                if (first)
                {
                    first = false;
                    // More queued: share it with one more dispatcher (which does the same), up to one per core.
                    if (!_ready.IsEmpty && TryAddDispatcher())
                    {
                        StartDispatcher();
                    }
                }

                ready.Registration.Signal(ready.Events);
                Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());
            }

            Interlocked.Decrement(ref _dispatchers);
            // An event queued after the last TryDequeue, whose DispatchQueued still counted this drain, is taken here.
            if (_ready.IsEmpty || !TryAddDispatcher())
            {
                return;
            }
        }
    }

    private readonly record struct ReadyEvent(ReadinessRegistration Registration, uint Events);
}
