namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// One-way stream child → supervisor: the child thread sends, the main thread (the supervisor) receives and times
/// the frames after its warm-up, as bench/native/src/throughput.c does.
/// </summary>
internal static class ThroughputBenchmark
{
    public static BenchResult Run(HarnessOptions options)
    {
        using IPeers peers = PeerFactory.Create(options);
        var child = new PeerThread("child", peers.ChildSend);
        long warmupSteps = Warmup.Run(options.Warmup, peers.SupervisorReceive);
        child.StartTiming(warmupSteps, options.Iterations);
        return TimedLoop.Run("throughput", options, peers.SupervisorReceive, child, peerIsSupervisor: false);
    }
}
