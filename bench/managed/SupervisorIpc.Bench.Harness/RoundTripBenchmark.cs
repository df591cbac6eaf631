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
        var supervisor = new PeerThread("supervisor", peers.SupervisorRoundTrip);
        long warmupSteps = Warmup.Run(options.Warmup, peers.ChildRoundTrip);
        supervisor.StartTiming(warmupSteps, options.Iterations);
        return TimedLoop.Run("roundtrip", options, peers.ChildRoundTrip, supervisor, peerIsSupervisor: true);
    }
}

/// <summary>The timed part shared by both benchmarks: the main thread's steps, CPU time, allocations, GCs, JIT.</summary>
internal static class TimedLoop
{
    public static BenchResult Run(string benchmark, HarnessOptions options, Action step, PeerThread peer, bool peerIsSupervisor)
    {
        long jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        int gen0 = GC.CollectionCount(0);
        long allocated = GC.GetAllocatedBytesForCurrentThread();
        ResourceUsage.Snapshot start = ResourceUsage.Now();
        long started = Stopwatch.GetTimestamp();
        for (long i = 0; i < options.Iterations; i++)
        {
            step();
        }

        long elapsed = Stopwatch.GetElapsedTime(started).Ticks * 100;
        ResourceUsage.Snapshot end = ResourceUsage.Now();
        double mainAllocated = (double)(GC.GetAllocatedBytesForCurrentThread() - allocated) / options.Iterations;
        gen0 = GC.CollectionCount(0) - gen0;
        jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted;
        double peerAllocated = peer.Join();
        return peerIsSupervisor
            ? new BenchResult(benchmark, options, elapsed, start, end, mainAllocated, peerAllocated, gen0, jitted)
            : new BenchResult(benchmark, options, elapsed, start, end, peerAllocated, mainAllocated, gen0, jitted);
    }
}

/// <summary>
/// Warm-up that leaves tiered compilation time to install optimized code before timing starts. The steps run in
/// chunks with pauses between them (under <c>taskset -c 0</c> the background JIT thread only gets the CPU when both
/// benchmark threads are blocked), and go on past the requested count until no method has been compiled for
/// <see cref="QuietPeriod"/>: on one CPU the runtime waits ten times longer (1 s instead of 100 ms after the last
/// tier-0 compilation) before it even starts counting calls for tier-up, and tier-up landing in the middle of the
/// timed part was seen to nearly double a round trip. <see cref="BenchResult"/> reports what was still compiled.
/// </summary>
internal static class Warmup
{
    private const int Chunks = 8;
    private static readonly TimeSpan QuietPeriod = TimeSpan.FromSeconds(Environment.ProcessorCount == 1 ? 1.5 : 0.5);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>Runs the warm-up; returns the number of steps taken, which the peer thread must match.</summary>
    public static long Run(long steps, Action step)
    {
        if (steps <= 0)
        {
            // No warm-up at all: a fixed number of steps, e.g. for counting syscalls with strace.
            return 0;
        }

        long chunk = Math.Max(steps / Chunks, 1000);
        long done = 0;
        var clock = Stopwatch.StartNew();
        long compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
        TimeSpan lastCompilation = TimeSpan.Zero;
        while (clock.Elapsed < Limit)
        {
            for (long j = 0; j < chunk; j++)
            {
                step();
            }

            done += chunk;
            Thread.Sleep(100);
            long now = System.Runtime.JitInfo.GetCompiledMethodCount();
            if (now != compiled)
            {
                compiled = now;
                lastCompilation = clock.Elapsed;
            }

            if (done >= steps && clock.Elapsed - lastCompilation >= QuietPeriod)
            {
                break;
            }
        }

        return done;
    }
}
