using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Threading;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>
/// Interrupts blocking calls: with a handler installed through the runtime (SIGWINCH, registered with
/// <see cref="PosixSignalRegistration"/>), sends the signal every couple of milliseconds to chosen threads or to
/// every thread of the process. On a socket with a timeout the kernel does not restart an interrupted call, so
/// every blocked receive, send or accept sees EINTR.
/// </summary>
[SupportedOSPlatform("linux")]
internal sealed partial class SignalStorm : IDisposable
{
    private const int SigWinch = 28;

    private readonly PosixSignalRegistration _registration;
    private readonly Thread _thread;
    private readonly Func<int[]> _targets;
    private volatile bool _stop;
    private int _handled;
    private long _sent;

    private SignalStorm(Func<int[]> targets, TimeSpan interval)
    {
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, context =>
        {
            Interlocked.Increment(ref _handled);
            context.Cancel = true;
        });
        _targets = targets;
        _thread = new Thread(() => Run(interval)) { IsBackground = true, Name = "signal storm" };
        _thread.Start();
    }

    /// <summary>Signals sent so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Signals the runtime dispatched to the registered handler (it coalesces signals that arrive together).</summary>
    public int Handled => Volatile.Read(ref _handled);

    /// <summary>Signals the thread whose kernel thread id <paramref name="threadId"/> returns (read it on that thread with <see cref="CurrentThreadId"/>).</summary>
    public static SignalStorm AtThread(Func<int> threadId, TimeSpan interval) =>
        new(() => threadId() is int tid and > 0 ? [tid] : [], interval);

    /// <summary>Signals every thread of the process in turn.</summary>
    public static SignalStorm AtEveryThread(TimeSpan interval) => new(AllThreads, interval);

    /// <summary>The calling thread's kernel thread id.</summary>
    public static int CurrentThreadId() => GetThreadId();

    public void Dispose()
    {
        _stop = true;
        _thread.Join();
        _registration.Dispose();
    }

    private void Run(TimeSpan interval)
    {
        int self = GetThreadId();
        int pid = Environment.ProcessId;
        while (!_stop)
        {
            foreach (int tid in _targets())
            {
                if (tid != self && ThreadKill(pid, tid, SigWinch) == 0)
                {
                    Interlocked.Increment(ref _sent);
                }
            }

            Thread.Sleep(interval);
        }
    }

    private static int[] AllThreads()
    {
        try
        {
            string[] entries = Directory.GetDirectories("/proc/self/task");
            int[] tids = new int[entries.Length];
            for (int i = 0; i < entries.Length; i++)
            {
                _ = int.TryParse(Path.GetFileName(entries[i]), out tids[i]);
            }

            return tids;
        }
        catch (IOException)
        {
            return [];
        }
    }

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();

    [LibraryImport("libc", EntryPoint = "tgkill", SetLastError = true)]
    private static partial int ThreadKill(int processId, int threadId, int signal);
}
