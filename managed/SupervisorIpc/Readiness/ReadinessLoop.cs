using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using SupervisorIpc.Interop;

namespace SupervisorIpc.Readiness;

/// <summary>
/// The process's readiness ports (epoll on Linux, kqueue on macOS) for every socket, listener and child the
/// asynchronous methods are waiting on, and the few threads that wait on them and complete those waits.
/// </summary>
/// <remarks>
/// <para>
/// Why ports of our own rather than the runtime's socket engine (a <see cref="System.Net.Sockets.Socket"/> around
/// the descriptor): the runtime switches the descriptor's open file description to O_NONBLOCK the first time it is
/// used asynchronously, which every synchronous call on the same descriptor then sees, and its zero-byte receive
/// cannot be told to leave a waiting descriptor (SCM_RIGHTS) alone. A pidfd and a hang-up watch fit the same
/// port, which a Socket cannot wait for. Registrations are edge-triggered, so one epoll_ctl per socket for its
/// whole life and no system call per wait. Timeouts and cancellation use the runtime's timer queue and
/// cancellation callbacks, which hold no thread either.
/// </para>
/// <para>
/// Why the waits complete on the loop's own threads, continuations inline, rather than on the thread pool: with
/// pool dispatch the pool's hill climbing kept adding workers under bursts (12-15 threads in the process on two
/// cores, where the issue's bound is 2 x cores + 8), and every event cost a hand-off between threads. A
/// supervisor's continuations are short (decode, decide, open, send), so they are cheap to run where the event
/// arrives, as the C floor does on its one thread. There is one port per core, each with its own thread (started
/// with the port's first registration), and registrations are spread over the ports in turn: the events of one
/// socket are always completed by one thread, so a wait never completes on one thread while the code that awaits
/// it is still registering on another (the loser of that race is queued to the thread pool by the runtime's
/// async machinery, which would start the pool's three threads).
/// </para>
/// <para>
/// A continuation that does not return soon (a decision that blocks its thread) would hold up every socket of its
/// port, so a watch thread looks every 20 ms while any port's thread is busy: when a port has nobody waiting on it
/// or events left in its queue, and no event of it finished for 50 ms, it starts a helper thread on that port;
/// a helper leaves once another thread waits on its port again. Measured on two cores at a thousand connections (BENCHMARKS.md, scale): 10
/// threads in the process with the runtime's defaults, 7 with its diagnostics off.
/// </para>
/// </remarks>
internal sealed unsafe class ReadinessLoop
{
    private const int EventsPerWait = 64;

    // How often the watch thread looks, and for how long a port may have nobody waiting and no event finish (more
    // than a garbage collection or a time slice lost to other processes takes, which must not start helpers).
    private const int StallCheckMilliseconds = 20;
    private const int StallMilliseconds = 50;
    private static readonly long s_stallTicks = Stopwatch.Frequency / 1000 * StallMilliseconds;

    // Quiet checks (every thread waiting on its port) after which the watch thread sleeps until woken.
    private const int QuietChecksBeforeParking = 10;

    // Helpers leave after this long without an event; never more than this many on one port.
    private const int HelperIdleMilliseconds = 2000;
    private const int MaxHelpersPerPort = 64;

    // The token of each port's wake-up pair; registrations never get it (Add).
    private const uint WakeToken = uint.MaxValue;

    [ThreadStatic]
    private static Port? t_port;
    private static ReadinessLoop? s_shared;
    private static readonly object s_creation = new();

    private readonly Port[] _ports;
    private readonly ConcurrentDictionary<uint, ReadinessRegistration> _registrations = new();
    private readonly object _watchGate = new();
    private uint _lastToken;
    private int _watchParked;

    private ReadinessLoop(Port[] ports)
    {
        _ports = ports;
        StartThread(Watch, "SupervisorIpc stall watch");
    }

    /// <summary>The process's loop, started on first use.</summary>
    /// <exception cref="SupervisorSocketException">A readiness port could not be created.</exception>
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
                    var ports = new Port[Math.Max(Environment.ProcessorCount, 1)];
                    for (int i = 0; i < ports.Length; i++)
                    {
                        try
                        {
                            ports[i] = Port.Create();
                        }
                        catch
                        {
                            for (int j = 0; j < i; j++)
                            {
                                ports[j].Close();
                            }

                            throw;
                        }
                    }

                    Volatile.Write(ref s_shared, new ReadinessLoop(ports));
                }

                return s_shared!;
            }
        }
    }

    /// <summary>Whether the calling thread is one of the loop's.</summary>
    public static bool IsLoopThread => t_port is not null;

    /// <summary>Watches a socket or listener descriptor for reading, writing and hang-up.</summary>
    public ReadinessRegistration AddDescriptor(int fd) =>
        Add(fd, pid: 0, static (port, fd, _, token) => NativeMethods.EventPortAdd(port, fd, token), "watch descriptor");

    /// <summary>Watches an unreaped child for its end: its pidfd on Linux, its pid on macOS (pidfd is then -1).</summary>
    public ReadinessRegistration AddChild(int pid, int pidfd) =>
        Add(pidfd, pid, static (port, fd, pid, token) => NativeMethods.EventPortAddChild(port, pid, fd, token), "watch child");

    /// <summary>
    /// Stops watching and ends every wait with <see cref="ReadinessOutcome.Closed"/>. Must come before the descriptor is
    /// closed: a copy of it elsewhere would keep the kernel's registration alive.
    /// </summary>
    public void Remove(ReadinessRegistration registration)
    {
        if (registration.Descriptor >= 0)
        {
            // Failure leaves nothing to undo: the descriptor is about to be closed by its owner.
            _ = NativeMethods.EventPortRemove(PortOf(registration.Token).Descriptor, registration.Descriptor);
        }

        _registrations.TryRemove(registration.Token, out _);
        registration.Close();
    }

    /// <summary>
    /// Runs a continuation on the calling loop thread after whatever it is running now: the thread drains its port's
    /// queue before it waits on the port again. Only for a loop thread (<see cref="IsLoopThread"/>).
    /// </summary>
    public static void PostHere(Action<object?> continuation, object? state)
    {
        Port port = t_port ?? throw new InvalidOperationException("Post without a port is only for the loop's threads.");
        port.Post(continuation, state);
    }

    /// <summary>Runs a continuation on a thread of <paramref name="registration"/>'s port, from any thread.</summary>
    public void Post(ReadinessRegistration registration, Action<object?> continuation, object? state) =>
        PortOf(registration.Token).Post(continuation, state);

    /// <summary>
    /// An awaitable that continues on the thread of <paramref name="registration"/>'s port (at once when already
    /// there), so that the waits of its socket complete on the thread that awaits them.
    /// </summary>
    public PortSwitch SwitchTo(ReadinessRegistration registration) => new(PortOf(registration.Token));

    // The token decides the port: registrations are spread over the ports in turn, and Remove finds the port again.
    private Port PortOf(uint token) => _ports[token % (uint)_ports.Length];

    private ReadinessRegistration Add(int fd, int pid, Func<int, int, int, uint, SvipcStatus> register, string operation)
    {
        ReadinessRegistration registration;
        uint token;
        do
        {
            // After 2^32 registrations the tokens wrap: skip the wake-up's, and any still in use.
            do
            {
                token = Interlocked.Increment(ref _lastToken);
            }
            while (token == WakeToken);

            registration = new ReadinessRegistration(token, fd, pid);
        }
        while (!_registrations.TryAdd(registration.Token, registration));

        Port port = PortOf(registration.Token);
        SvipcStatus status = register(port.Descriptor, fd, pid, registration.Token);
        if (status != SvipcStatus.Ok)
        {
            int errno = Marshal.GetLastPInvokeError();
            _registrations.TryRemove(registration.Token, out _);
            throw SocketErrors.Create(status, errno, operation);
        }

        if (port.TryStartFirstThread())
        {
            Volatile.Write(ref port.LastProgress, Stopwatch.GetTimestamp());
            StartThread(() => Run(port), "SupervisorIpc readiness");
        }

        return registration;
    }

    private static void StartThread(ThreadStart body, string name)
    {
        var thread = new Thread(body) { IsBackground = true, Name = name };
        thread.UnsafeStart();
    }

    /// <summary>A port's thread (or a helper of it): completes queued events, then waits on the port for more.</summary>
    private void Run(Port port)
    {
        t_port = port;
        SvipcReadyEvent* events = stackalloc SvipcReadyEvent[EventsPerWait];
        while (true)
        {
            CompleteQueued(port);

            // A helper's work is done once another thread of the port waits on it again (the stuck one is back): the
            // port's events then go back to one thread.
            bool mayLeave = Volatile.Read(ref port.Threads) > 1;
            if (mayLeave && Volatile.Read(ref port.Waiting) > 0 && port.TryLeave())
            {
                t_port = null;
                return;
            }

            int timeout = mayLeave ? HelperIdleMilliseconds : NativeMethods.InfiniteTimeout;
            Interlocked.Increment(ref port.Waiting);
            int count;
            SvipcStatus status = NativeMethods.EventPortWait(port.Descriptor, events, EventsPerWait, timeout, &count);
            Interlocked.Decrement(ref port.Waiting);
            if (status != SvipcStatus.Ok)
            {
                // Only EBADF/EFAULT/EINVAL can get here, none of which a retry would cure; a busy loop would be worse.
                Environment.FailFast($"SupervisorIpc readiness port failed: {SocketErrors.Describe(status, Marshal.GetLastPInvokeError(), "wait for readiness", null)}");
            }

            if (count == 0)
            {
                if (mayLeave && port.TryLeave())
                {
                    t_port = null;
                    return;
                }

                continue;
            }

            Volatile.Write(ref port.LastProgress, Stopwatch.GetTimestamp());
            for (int i = 0; i < count; i++)
            {
                if (events[i].Token == WakeToken)
                {
                    port.ConsumeWake();
                }
                else if (_registrations.TryGetValue(events[i].Token, out ReadinessRegistration? registration))
                {
                    port.Ready.Enqueue(new ReadyEvent(registration, events[i].Events, null, null));
                }
            }

            if (Volatile.Read(ref _watchParked) != 0)
            {
                WakeWatch();
            }
        }
    }

    /// <summary>Completes the port's queued waits in order, each continuation inline, until none is left.</summary>
    private static void CompleteQueued(Port port)
    {
        while (port.Ready.TryDequeue(out ReadyEvent ready))
        {
            if (ready.Registration is not null)
            {
                ready.Registration.Signal(ready.Events);
            }
            else
            {
                ready.Continuation!(ready.State);
            }

            Volatile.Write(ref port.LastProgress, Stopwatch.GetTimestamp());
        }
    }

    /// <summary>
    /// The watch thread: while any port's thread is busy, looks every 20 ms for a port whose events are stuck (nobody
    /// waiting on it or events left in its queue, and no event of it finished for 50 ms) and starts a helper on it;
    /// sleeps while every thread waits on its port.
    /// </summary>
    private void Watch()
    {
        int quietChecks = 0;
        while (true)
        {
            if (quietChecks >= QuietChecksBeforeParking)
            {
                Park();
                quietChecks = 0;
            }

            Thread.Sleep(StallCheckMilliseconds);
            bool quiet = true;
            foreach (Port port in _ports)
            {
                if (Volatile.Read(ref port.Threads) == 0 || port.IsIdle)
                {
                    continue;
                }

                quiet = false;
                if ((Volatile.Read(ref port.Waiting) == 0 || !port.Ready.IsEmpty) &&
                    Stopwatch.GetTimestamp() - Volatile.Read(ref port.LastProgress) > s_stallTicks &&
                    port.TryAddHelper(MaxHelpersPerPort))
                {
                    Volatile.Write(ref port.LastProgress, Stopwatch.GetTimestamp());
                    StartThread(() => Run(port), "SupervisorIpc readiness");
                }
            }

            quietChecks = quiet ? quietChecks + 1 : 0;
        }
    }

    /// <summary>
    /// Whether every thread waits on its port with nothing queued: no completion, cancellation or disposal is in
    /// flight (the descriptor-counting tests wait for this before they count).
    /// </summary>
    internal bool IsIdle
    {
        get
        {
            foreach (Port port in _ports)
            {
                if (!port.IsIdle)
                {
                    return false;
                }
            }

            return true;
        }
    }

    /// <summary>Sleeps until a port's thread leaves the port with events (<see cref="WakeWatch"/>).</summary>
    private void Park()
    {
        lock (_watchGate)
        {
            // Full fence between announcing the sleep and the last look, against a thread that left its port in
            // between and read _watchParked before it was set.
            Interlocked.Exchange(ref _watchParked, 1);
            while (Volatile.Read(ref _watchParked) != 0 && IsIdle)
            {
                Monitor.Wait(_watchGate);
            }

            Volatile.Write(ref _watchParked, 0);
        }
    }

    private void WakeWatch()
    {
        lock (_watchGate)
        {
            Volatile.Write(ref _watchParked, 0);
            Monitor.Pulse(_watchGate);
        }
    }

    /// <summary>One readiness port, the threads that wait on it, and the events they took and have not completed.</summary>
    internal sealed unsafe class Port
    {
        public readonly int Descriptor;
        // Events taken from the port and not yet completed: a thread stuck in one continuation leaves the rest of
        // its batch here for a helper.
        public readonly ConcurrentQueue<ReadyEvent> Ready = new();
        public int Threads;
        public int Waiting;
        // When a thread of the port last left it with events or finished an event (Stopwatch ticks).
        public long LastProgress;

        // A socket pair (the library's own, below SupervisorSocket so that its frames are not counted as traffic)
        // whose receiving end is on the port: a frame sent wakes a thread of the port for work queued from another
        // thread. At most one frame is in flight (_wakePending), so neither end ever waits.
        private readonly SvipcSocketHandle _wakeSender;
        private readonly SvipcSocketHandle _wakeReceiver;
        private int _wakePending;

        /// <summary>A new port with its wake-up registered.</summary>
        /// <exception cref="SupervisorSocketException">The port or its wake-up could not be created.</exception>
        public static Port Create()
        {
            int descriptor;
            SvipcStatus status = NativeMethods.EventPortCreate(&descriptor);
            if (status != SvipcStatus.Ok)
            {
                throw SocketErrors.Create(status, Marshal.GetLastPInvokeError(), "create readiness port");
            }

            try
            {
                return new Port(descriptor);
            }
            catch
            {
                new SafeFileHandle(descriptor, ownsHandle: true).Dispose();
                throw;
            }
        }

        private Port(int descriptor)
        {
            Descriptor = descriptor;
            SvipcStatus status = NativeMethods.Pair(out _wakeSender, out _wakeReceiver);
            if (status == SvipcStatus.Ok)
            {
                status = NativeMethods.EventPortAdd(descriptor, NativeMethods.Fd(_wakeReceiver), WakeToken);
            }

            if (status != SvipcStatus.Ok)
            {
                int errno = Marshal.GetLastPInvokeError();
                _wakeReceiver.Dispose();
                _wakeSender.Dispose();
                throw SocketErrors.Create(status, errno, "create the readiness port's wake-up");
            }
        }

        /// <summary>Queues a continuation for a thread of this port, from any thread, and wakes one if need be.</summary>
        public void Post(Action<object?> continuation, object? state)
        {
            Ready.Enqueue(new ReadyEvent(null, 0, continuation, state));
            if (!ReferenceEquals(t_port, this) && Interlocked.Exchange(ref _wakePending, 1) == 0)
            {
                byte frame = 1;
                SvipcStatus status;
                // A native socket takes one sender at a time; the previous waker may still be returning from its send.
                lock (_wakeSender)
                {
                    status = NativeMethods.SendFrame(_wakeSender, &frame, 1);
                }

                if (status != SvipcStatus.Ok)
                {
                    // Both ends are this object's and one frame fits the smallest buffer: only a broken process gets here.
                    Environment.FailFast($"SupervisorIpc readiness wake-up failed: {status}");
                }
            }
        }

        /// <summary>Takes the wake-up frame (only after its event, so the receive does not wait).</summary>
        public void ConsumeWake()
        {
            if (Interlocked.Exchange(ref _wakePending, 0) != 0)
            {
                byte frame;
                uint length;
                SvipcStatus status;
                lock (_wakeReceiver)
                {
                    status = NativeMethods.RecvFrame(_wakeReceiver, &frame, 1, &length);
                }

                if (status != SvipcStatus.Ok)
                {
                    Environment.FailFast($"SupervisorIpc readiness wake-up failed: {status}");
                }
            }
        }

        /// <summary>Every thread of the port waits on it and nothing is queued (also true before its first thread).</summary>
        public bool IsIdle => Volatile.Read(ref Waiting) >= Volatile.Read(ref Threads) && Ready.IsEmpty;

        public bool TryStartFirstThread() => Volatile.Read(ref Threads) == 0 && Interlocked.CompareExchange(ref Threads, 1, 0) == 0;

        public bool TryAddHelper(int maxHelpers)
        {
            int current = Volatile.Read(ref Threads);
            while (current <= maxHelpers)
            {
                int seen = Interlocked.CompareExchange(ref Threads, current + 1, current);
                if (seen == current)
                {
                    return true;
                }

                current = seen;
            }

            return false;
        }

        /// <summary>Counts one thread fewer, unless it is the port's last.</summary>
        public bool TryLeave()
        {
            int current = Volatile.Read(ref Threads);
            while (current > 1)
            {
                int seen = Interlocked.CompareExchange(ref Threads, current - 1, current);
                if (seen == current)
                {
                    return true;
                }

                current = seen;
            }

            return false;
        }

        public void Close()
        {
            _wakeReceiver.Dispose();
            _wakeSender.Dispose();
            new SafeFileHandle(Descriptor, ownsHandle: true).Dispose();
        }
    }

    /// <summary>The awaitable of <see cref="SwitchTo"/>.</summary>
    public readonly struct PortSwitch : ICriticalNotifyCompletion
    {
        private readonly Port _port;

        internal PortSwitch(Port port) => _port = port;

        public PortSwitch GetAwaiter() => this;

        public bool IsCompleted => ReferenceEquals(t_port, _port);

        public void GetResult()
        {
        }

        public void OnCompleted(Action continuation)
        {
            ExecutionContext? context = ExecutionContext.Capture();
            if (context is null)
            {
                UnsafeOnCompleted(continuation);
                return;
            }

            _port.Post(static state => ExecutionContext.Run(((Tuple<ExecutionContext, Action>)state!).Item1, static action => ((Action)action!)(), ((Tuple<ExecutionContext, Action>)state).Item2), Tuple.Create(context, continuation));
        }

        public void UnsafeOnCompleted(Action continuation) =>
            _port.Post(static action => ((Action)action!)(), continuation);
    }

    /// <summary>An event of the port for a registration, or a continuation posted to it.</summary>
    internal readonly record struct ReadyEvent(ReadinessRegistration? Registration, uint Events, Action<object?>? Continuation, object? State);
}
