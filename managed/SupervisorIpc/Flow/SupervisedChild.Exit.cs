using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using SupervisorIpc.Interop;
using SupervisorIpc.Readiness;

namespace SupervisorIpc;

// Waiting for and signalling the child through a pidfd (Linux >= 5.3): the wait is a readiness wait on the
// process's loop (ReadinessLoop) and a signal can never reach another process that reuses the pid. macOS waits
// through kqueue's EVFILT_PROC on the same loop (compiled, run by the macOS CI job only). Without either (an older
// kernel, a seccomp filter refusing pidfd_open) the wait polls waitpid with a backoff and Kill signals the pid,
// which is safe as long as the child is not reaped (its pid cannot be reused before that; reaping and killing
// share a lock here).
public sealed partial class SupervisedChild
{
    private const int SignalKill = 9; // SIGKILL on Linux and macOS

    // Tests force the fallback for the children they start, without touching other tests' children.
    private static readonly AsyncLocal<bool> s_pidfdDisabled = new();

    private readonly SafeFileHandle? _pidfd;
    private readonly bool _pollsForExit;
    private readonly SemaphoreSlim _asyncWait = new(1, 1);
    private readonly object _watchLock = new();
    private ReadinessRegistration? _exitWatch;
    private bool _exitWatchFailed;
    private bool _released;

    /// <summary>Whether children started in this asynchronous flow skip pidfds and kqueue (the fallback's tests).</summary>
    internal static bool PidfdDisabled
    {
        get => s_pidfdDisabled.Value;
        set => s_pidfdDisabled.Value = value;
    }

    /// <summary>Whether this child is waited for and signalled through a pidfd.</summary>
    internal bool UsesPidfd => _pidfd is not null;

    /// <summary>Whether this child is waited for on the readiness loop (a pidfd, or kqueue on macOS) rather than by polling.</summary>
    internal bool WaitsOnLoop => !_pollsForExit && !_exitWatchFailed;

    /// <summary>
    /// Waits for the child to end without blocking a thread, and reaps it: a readiness wait on the child's pidfd
    /// (Linux) or kqueue (macOS); where neither exists, a poll of <c>waitpid</c> with a backoff up to 50 ms.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting (the child keeps running).</param>
    /// <returns>How the child ended.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorSocketException">Waiting failed.</exception>
    /// <exception cref="ObjectDisposedException">The child object was disposed during the wait.</exception>
    public async Task<ChildExitStatus> WaitForExitAsync(CancellationToken cancellationToken = default)
    {
        if (ExitStatus is { } known)
        {
            return known;
        }

        await _asyncWait.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ReadinessRegistration? watch = ExitWatch();
            if (watch is null)
            {
                return await PollForExitAsync(cancellationToken).ConfigureAwait(false);
            }

            while (true)
            {
                long sequence = watch.ReadSequence;
                if (TryWait(0, out ChildExitStatus exitStatus))
                {
                    return exitStatus;
                }

                switch (await watch.WaitReadableAsync(sequence, NativeMethods.InfiniteTimeout, cancellationToken).ConfigureAwait(false))
                {
                    case ReadinessOutcome.Cancelled:
                        throw new OperationCanceledException(cancellationToken);
                    case ReadinessOutcome.Closed:
                        throw new ObjectDisposedException(nameof(SupervisedChild));
                }
            }
        }
        finally
        {
            _asyncWait.Release();
        }
    }

    /// <summary>Kills the child with SIGKILL unless it has already been reaped (through its pidfd where there is one).</summary>
    /// <remarks>The child stays a zombie, and its pid cannot be reused, until it is reaped by a wait.</remarks>
    public void Kill()
    {
        lock (_exitLock)
        {
            if (_exitStatus is not null)
            {
                return;
            }

            if (_pidfd is not null && !_pidfd.IsClosed && KillThroughPidfd())
            {
                return;
            }

            try
            {
                using Process process = Process.GetProcessById(NativePid);
                process.Kill();
            }
            catch (ArgumentException)
            {
                // Already gone.
            }
            catch (InvalidOperationException)
            {
                // Exited between the check and the kill.
            }
        }
    }

    private bool KillThroughPidfd()
    {
        bool added = false;
        try
        {
            _pidfd!.DangerousAddRef(ref added);
            SvipcStatus status = NativeMethods.PidfdSendSignal((int)_pidfd.DangerousGetHandle(), SignalKill);
            if (status == SvipcStatus.Ok)
            {
                return true;
            }

            if (status == SvipcStatus.Unsupported)
            {
                return false;
            }

            throw SocketErrors.Create(status, Marshal.GetLastPInvokeError(), $"kill supervised child {ProcessId}");
        }
        finally
        {
            if (added)
            {
                _pidfd!.DangerousRelease();
            }
        }
    }

    private async Task<ChildExitStatus> PollForExitAsync(CancellationToken cancellationToken)
    {
        int delay = 1;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryWait(0, out ChildExitStatus exitStatus))
            {
                return exitStatus;
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = Math.Min(delay * 2, 50);
        }
    }

    /// <summary>The child's registration on the readiness loop, made on first use; null where only polling works.</summary>
    private ReadinessRegistration? ExitWatch()
    {
        lock (_watchLock)
        {
            ObjectDisposedException.ThrowIf(_released, this);
            if (_exitWatch is not null || !WaitsOnLoop)
            {
                return _exitWatch;
            }

            try
            {
                _exitWatch = _pidfd is not null
                    ? ReadinessLoop.Shared.AddChild(NativePid, checked((int)_pidfd.DangerousGetHandle()))
                    : ReadinessLoop.Shared.AddChild(NativePid, pidfd: -1);
            }
            catch (SupervisorSocketException)
            {
                // kqueue refuses a child that has already ended (ESRCH): the wait finds it reaped by polling at once.
                _exitWatchFailed = true;
            }

            return _exitWatch;
        }
    }

    private void ReleaseExitWatch()
    {
        lock (_watchLock)
        {
            if (_released)
            {
                return;
            }

            _released = true;
            if (_exitWatch is not null)
            {
                // Off the loop before the pidfd is closed (ReadinessLoop.Remove).
                ReadinessLoop.Shared.Remove(_exitWatch);
            }
        }

        _pidfd?.Dispose();
    }

    private static unsafe SafeFileHandle? OpenPidfd(int processId, out bool pollsForExit)
    {
        pollsForExit = PidfdDisabled || !(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS());
        if (!OperatingSystem.IsLinux() || PidfdDisabled)
        {
            return null; // macOS needs no descriptor: kqueue watches the pid itself
        }

        int pidfd;
        SvipcStatus status = NativeMethods.PidfdOpen(processId, &pidfd);
        if (status != SvipcStatus.Ok)
        {
            // An old kernel or a filter refusing the call: the pid-based fallback.
            pollsForExit = true;
            return null;
        }

        return new SafeFileHandle(pidfd, ownsHandle: true);
    }
}
