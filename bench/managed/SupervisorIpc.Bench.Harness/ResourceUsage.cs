using System.Runtime.InteropServices;

namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// getrusage(RUSAGE_SELF) for the whole process, read exactly as the C benchmark programs read it, so that CPU
/// seconds and context switches compare one to one. Linux x86-64/arm64 layout of struct rusage.
/// </summary>
internal static partial class ResourceUsage
{
    private const int RusageSelf = 0;
    private const int RusageThread = 1;

    public readonly record struct Snapshot(long CpuNanoseconds, long ContextSwitches);

    public static unsafe Snapshot Now()
    {
        Rusage usage;
        if (GetRusage(RusageSelf, &usage) != 0)
        {
            throw new System.InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
        }

        long cpu = ((usage.UserSeconds + usage.SystemSeconds) * 1_000_000_000L) +
                   ((usage.UserMicroseconds + usage.SystemMicroseconds) * 1_000L);
        return new Snapshot(cpu, usage.VoluntarySwitches + usage.InvoluntarySwitches);
    }

    /// <summary>CPU time (user + system) of the calling thread only.</summary>
    public static unsafe long ThreadCpuNanoseconds()
    {
        Rusage usage;
        if (GetRusage(RusageThread, &usage) != 0)
        {
            throw new System.InvalidOperationException($"getrusage failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return ((usage.UserSeconds + usage.SystemSeconds) * 1_000_000_000L) + ((usage.UserMicroseconds + usage.SystemMicroseconds) * 1_000L);
    }

    [LibraryImport("libc.so.6", EntryPoint = "getrusage", SetLastError = true)]
    private static unsafe partial int GetRusage(int who, Rusage* usage);

    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxResidentSet;
        public long SharedMemory;
        public long UnsharedData;
        public long UnsharedStack;
        public long MinorFaults;
        public long MajorFaults;
        public long Swaps;
        public long BlockInputs;
        public long BlockOutputs;
        public long MessagesSent;
        public long MessagesReceived;
        public long Signals;
        public long VoluntarySwitches;
        public long InvoluntarySwitches;
    }
}
