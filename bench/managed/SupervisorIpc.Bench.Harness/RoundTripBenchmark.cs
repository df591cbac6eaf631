using System;
using System.Diagnostics;
using System.Threading;

namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// Round trip child → supervisor Request → Decision(Granted), timed on the child (main) thread, as the C
/// program bench/native/src/roundtrip.c does. Allocations are counted per thread over the timed steps.
/// </summary>
internal static class RoundTripBenchmark
{
    public static BenchResult Run(HarnessOptions options)
    {
        using IPeers peers = PeerFactory.Create(options);
        long supervisorAllocated = 0;
        Exception? supervisorFailure = null;
        var supervisor = new Thread(() =>
        {
            try
            {
                for (long i = 0; i < options.Warmup; i++)
                {
                    peers.SupervisorRoundTrip();
                }

                long before = GC.GetAllocatedBytesForCurrentThread();
                for (long i = 0; i < options.Iterations; i++)
                {
                    peers.SupervisorRoundTrip();
                }

                supervisorAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            catch (Exception exception)
            {
                supervisorFailure = exception;
            }
        })
        { IsBackground = true, Name = "supervisor" };
        supervisor.Start();

        Warmup.Run(options.Warmup, peers.ChildRoundTrip);
        long jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        int gen0 = GC.CollectionCount(0);
        long childBefore = GC.GetAllocatedBytesForCurrentThread();
        ResourceUsage.Snapshot start = ResourceUsage.Now();
        long started = Stopwatch.GetTimestamp();
        for (long i = 0; i < options.Iterations; i++)
        {
            peers.ChildRoundTrip();
        }

        long elapsed = Stopwatch.GetElapsedTime(started).Ticks * 100;
        ResourceUsage.Snapshot end = ResourceUsage.Now();
        long childAllocated = GC.GetAllocatedBytesForCurrentThread() - childBefore;
        gen0 = GC.CollectionCount(0) - gen0;
        jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted;
        supervisor.Join();
        if (supervisorFailure is not null)
        {
            throw new InvalidOperationException("the supervisor thread failed", supervisorFailure);
        }

        return new BenchResult("roundtrip", options, elapsed, start, end, childAllocated, supervisorAllocated, gen0, jitted);
    }
}

/// <summary>
/// Warm-up that leaves tiered compilation time to install optimized code before timing starts: the steps run in
/// chunks with pauses between them, because under <c>taskset -c 0</c> the background JIT thread only gets the CPU
/// when both benchmark threads are blocked. <see cref="BenchResult"/> reports how many methods were still compiled
/// during the timed part, so an insufficient warm-up shows.
/// </summary>
internal static class Warmup
{
    private const int Chunks = 8;

    public static void Run(long steps, Action step)
    {
        for (int chunk = 0; chunk < Chunks; chunk++)
        {
            long end = steps * (chunk + 1) / Chunks;
            for (long i = steps * chunk / Chunks; i < end; i++)
            {
                step();
            }

            Thread.Sleep(100);
        }
    }
}
