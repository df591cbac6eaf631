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
        supervisor.Join();
        if (supervisorFailure is not null)
        {
            throw new InvalidOperationException("the supervisor thread failed", supervisorFailure);
        }

        return new BenchResult("roundtrip", options, elapsed, start, end, childAllocated, supervisorAllocated, gen0);
    }
}

/// <summary>Warm-up that leaves tiered compilation time to install optimized code before timing starts.</summary>
internal static class Warmup
{
    public static void Run(long steps, Action step)
    {
        long first = steps * 3 / 4;
        for (long i = 0; i < first; i++)
        {
            step();
        }

        // Tier-1 compilation runs on a background thread that shares the one CPU under taskset; let it finish.
        Thread.Sleep(250);
        for (long i = first; i < steps; i++)
        {
            step();
        }
    }
}
