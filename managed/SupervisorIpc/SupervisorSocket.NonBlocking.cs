using System;
using System.Threading;
using SupervisorIpc.Interop;
using SupervisorIpc.Readiness;

namespace SupervisorIpc;

// The first asynchronous call switches the native socket to non-blocking mode for good (svipc_set_nonblocking: a
// flag of the object, each call passing MSG_DONTWAIT; the descriptor's O_NONBLOCK is left alone, so a copy held
// elsewhere is unaffected) and registers its descriptor on the process's readiness loop. Asynchronous calls then
// try the native call and, when it would block, wait on the loop without holding a thread or a direction lock.
// Synchronous calls keep working on such a socket: when the native call would block they wait in poll() for their
// own timeout (svipc_wait_ready) and try again, under their direction lock as before. A socket that is only ever
// used synchronously never leaves blocking mode and pays nothing for any of this.
public sealed partial class SupervisorSocket
{
    private readonly object _asyncSetup = new();
    private ReadinessRegistration? _readiness;
    private volatile bool _nonBlocking;

    // Asynchronous calls of one direction wait one at a time (one waiter per direction on the loop); synchronous
    // calls do not take these, only the direction lock around each native call.
    private SemaphoreSlim? _asyncReceiveGate;
    private SemaphoreSlim? _asyncSendGate;

    /// <summary>Switches to non-blocking mode and joins the readiness loop, once.</summary>
    private ReadinessRegistration EnterAsyncMode()
    {
        ReadinessRegistration? readiness = Volatile.Read(ref _readiness);
        if (readiness is not null)
        {
            return readiness;
        }

        lock (_asyncSetup)
        {
            ThrowIfDisposed();
            if (_readiness is null)
            {
                _asyncReceiveGate = new SemaphoreSlim(1, 1);
                _asyncSendGate = new SemaphoreSlim(1, 1);
                Check(NativeMethods.SetNonblocking(_handle, 1), "enter non-blocking mode");
                _nonBlocking = true;
                Volatile.Write(ref _readiness, ReadinessLoop.Shared.AddDescriptor(NativeMethods.Fd(_handle)));
            }

            return _readiness!;
        }
    }

    /// <summary>Continues on the readiness thread that completes this socket's waits (joining the loop if need be).</summary>
    internal ReadinessLoop.PortSwitch SwitchToReadinessThread() => ReadinessLoop.Shared.SwitchTo(EnterAsyncMode());

    /// <summary>Takes the socket off the readiness loop (ending asynchronous waits) before its descriptor is closed.</summary>
    private void LeaveReadinessLoop()
    {
        ReadinessRegistration? readiness;
        lock (_asyncSetup)
        {
            readiness = _readiness;
        }

        if (readiness is not null)
        {
            ReadinessLoop.Shared.Remove(readiness);
        }
    }

    /// <summary>
    /// A synchronous call's wait after its native call would have blocked (only in non-blocking mode): poll() until
    /// ready or until the call's timeout, counted from the first wait, runs out.
    /// </summary>
    private void WaitSynchronously(uint readiness, ref long deadline, string operation)
    {
        if (deadline == 0)
        {
            deadline = Deadline(readiness == NativeMethods.ReadyWritable ? SendTimeoutMilliseconds() : ReadTimeoutMilliseconds());
        }

        int remaining = Remaining(deadline);
        SvipcStatus status = remaining == 0
            ? SvipcStatus.Timeout
            : NativeMethods.WaitReady(NativeMethods.Fd(_handle), readiness, remaining);
        if (status != SvipcStatus.Ok)
        {
            Throw(status, System.Runtime.InteropServices.Marshal.GetLastPInvokeError(), operation);
        }
    }

    private unsafe int ReadTimeoutMilliseconds()
    {
        int milliseconds;
        return NativeMethods.GetReadTimeout(_handle, &milliseconds) == SvipcStatus.Ok ? milliseconds : NativeMethods.InfiniteTimeout;
    }

    private unsafe int SendTimeoutMilliseconds()
    {
        int milliseconds;
        return NativeMethods.GetSendTimeout(_handle, &milliseconds) == SvipcStatus.Ok ? milliseconds : NativeMethods.InfiniteTimeout;
    }

    /// <summary>The tick count at which a call with this timeout ends; <see cref="long.MaxValue"/> for none.</summary>
    internal static long Deadline(int timeoutMilliseconds) =>
        timeoutMilliseconds == NativeMethods.InfiniteTimeout ? long.MaxValue : Environment.TickCount64 + timeoutMilliseconds;

    /// <summary>Milliseconds left until <paramref name="deadline"/>: infinite for none, 0 when it has passed.</summary>
    internal static int Remaining(long deadline) =>
        deadline == long.MaxValue ? NativeMethods.InfiniteTimeout : (int)Math.Clamp(deadline - Environment.TickCount64, 0, int.MaxValue);

    /// <summary>Whether the readiness loop has already reported the peer's hang-up (asks the kernel nothing).</summary>
    internal bool HasHungUp => Volatile.Read(ref _readiness)?.HasHungUp ?? false;

    /// <summary>Watches this connection for the peer's hang-up and cancels <paramref name="decision"/> when it happens.</summary>
    internal HangUpWatch WatchForHangUp(CancellationTokenSource decision) => HangUpWatch.Start(EnterAsyncMode(), decision);
}
