using System;
using System.Diagnostics;
using System.Threading;

namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// One-way stream child → supervisor: the child thread sends warmup + iterations requests, the main thread
/// (the supervisor) receives them and times the last iterations, as bench/native/src/throughput.c does.
/// </summary>
internal static class ThroughputBenchmark
{
    public static BenchResult Run(HarnessOptions options)
    {
        using IPeers peers = PeerFactory.Create(options);
        long childAllocated = 0;
        Exception? childFailure = null;
        var child = new Thread(() =>
        {
            try
            {
                for (long i = 0; i < options.Warmup; i++)
                {
                    peers.ChildSend();
                }

                long before = GC.GetAllocatedBytesForCurrentThread();
                for (long i = 0; i < options.Iterations; i++)
                {
                    peers.ChildSend();
                }

                childAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
            }
            catch (Exception exception)
            {
                childFailure = exception;
            }
        })
        { IsBackground = true, Name = "child" };
        child.Start();

        Warmup.Run(options.Warmup, peers.SupervisorReceive);
        long jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        int gen0 = GC.CollectionCount(0);
        long supervisorBefore = GC.GetAllocatedBytesForCurrentThread();
        ResourceUsage.Snapshot start = ResourceUsage.Now();
        long started = Stopwatch.GetTimestamp();
        for (long i = 0; i < options.Iterations; i++)
        {
            peers.SupervisorReceive();
        }

        long elapsed = Stopwatch.GetElapsedTime(started).Ticks * 100;
        ResourceUsage.Snapshot end = ResourceUsage.Now();
        long supervisorAllocated = GC.GetAllocatedBytesForCurrentThread() - supervisorBefore;
        gen0 = GC.CollectionCount(0) - gen0;
        jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted;
        child.Join();
        if (childFailure is not null)
        {
            throw new InvalidOperationException("the child thread failed", childFailure);
        }

        return new BenchResult("throughput", options, elapsed, start, end, childAllocated, supervisorAllocated, gen0, jitted);
    }
}
