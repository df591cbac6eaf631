using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;

namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// <c>interleaved</c>: every implementation, C floor and C library included, in this one process, timed in short
/// blocks in rotating order, so that the floor a ratio is taken against ran within the same second. On this VM
/// the speed of the (pinned) CPU drifts by up to 1.7× over tens of seconds, which one-process-per-measurement runs
/// cannot tell from the code's own cost; here each block's ratio to the floor block next to it cancels the drift,
/// and the median over blocks is reported with its quartiles.
/// </summary>
internal static class InterleavedBenchmark
{
    private const string Usage =
        "interleaved --native-peers PATH [--impls floor,c-lib,cs-typed,...] [--fd 0|1] [--blocks N] [--block-iterations N] [--warmup N]";

    public static int Run(string[] args)
    {
        if (!TryParse(args, out Options? options, out string? error))
        {
            Console.Error.WriteLine(error);
            Console.Error.WriteLine("usage: SupervisorIpc.Bench.Harness " + Usage);
            return 2;
        }

        nint library = NativeLibrary.Load(options.NativePeers);
        var runners = new List<IBlockRunner>();
        try
        {
            foreach (string impl in options.Impls)
            {
                runners.Add(impl.StartsWith("floor", StringComparison.Ordinal) || impl.StartsWith("c-lib", StringComparison.Ordinal)
                    ? new NativeBlockRunner(library, impl, options.WithFd)
                    : new ManagedBlockRunner(impl, PeerFactory.Create(new HarnessOptions("roundtrip", impl, options.WithFd, 1, 0))));
            }

            foreach (IBlockRunner runner in runners)
            {
                Warmup.Run(options.Warmup, () => runner.Run(1));
            }

            // Tier-up also lands in the measuring loop itself (its own code, OSR): a pass during which anything
            // was compiled is run again, up to three times in all; the last pass is reported either way.
            for (int pass = 1; ; pass++)
            {
                Results results = Measure(options, runners, out long jitted);
                if (jitted == 0 || pass == 3)
                {
                    Report(options, runners, results, jitted, pass);
                    return 0;
                }

                Thread.Sleep(TimeSpan.FromSeconds(1.5));
            }
        }
        finally
        {
            foreach (IBlockRunner runner in runners)
            {
                runner.Dispose();
            }
        }
    }

    private static Results Measure(Options options, List<IBlockRunner> runners, out long jitted)
    {
        int count = runners.Count;
        var wall = new double[count, options.Blocks];
        var cpu = new double[count, options.Blocks];
        var switches = new double[count, options.Blocks];
        jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        var results = new Results(wall, cpu, switches);
        for (int block = 0; block < options.Blocks; block++)
        {
            RunRound(options, runners, block, results);
        }

        jitted = System.Runtime.JitInfo.GetCompiledMethodCount() - jitted;
        return results;
    }

    private static void Report(Options options, List<IBlockRunner> runners, Results results, long jitted, int passes)
    {
        int count = runners.Count;
        double[,] wall = results.Wall, cpu = results.Cpu, switches = results.Switches;
        int floor = runners.FindIndex(r => r.Name == "floor");
        // Stricter references where they ran: the floor reading all that is queued in one recvmsg, without and with
        // the wait in poll, i.e. the same system calls as the library's default and poll modes.
        int readAhead = runners.FindIndex(r => r.Name == "floor-readahead");
        int readAheadPoll = runners.FindIndex(r => r.Name == "floor-readahead-poll");
        for (int index = 0; index < count; index++)
        {
            double[] wallRatios = Ratios(wall, index, floor, options.Blocks);
            double[] cpuRatios = Ratios(cpu, index, floor, options.Blocks);
            string stricter = string.Empty;
            if (readAhead >= 0)
            {
                stricter += string.Create(CultureInfo.InvariantCulture, $" ratio_readahead={Median(Ratios(wall, index, readAhead, options.Blocks)):F3}");
            }

            if (readAheadPoll >= 0)
            {
                stricter += string.Create(CultureInfo.InvariantCulture, $" ratio_readahead_poll={Median(Ratios(wall, index, readAheadPoll, options.Blocks)):F3}");
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"result bench=interleaved impl={runners[index].Name} fd={(options.WithFd ? 1 : 0)} cpus={Environment.ProcessorCount} " +
                $"blocks={options.Blocks} block_iterations={options.BlockIterations} " +
                $"median_ns_per_op={Median(Row(wall, index, options.Blocks)):F1} median_cpu_ns_per_op={Median(Row(cpu, index, options.Blocks)):F1} " +
                $"ratio={Median(wallRatios):F3} ratio_p25={Quantile(wallRatios, 0.25):F3} ratio_p75={Quantile(wallRatios, 0.75):F3} " +
                $"cpu_ratio={Median(cpuRatios):F3} cpu_ratio_p25={Quantile(cpuRatios, 0.25):F3} cpu_ratio_p75={Quantile(cpuRatios, 0.75):F3} " +
                $"switches_per_op={Median(Row(switches, index, options.Blocks)):F2} jitted_during_run={jitted} passes={passes}{stricter}"));
        }
    }

    /// <summary>One block of every implementation, in an order rotated by <paramref name="block"/>.</summary>
    private static void RunRound(Options options, List<IBlockRunner> runners, int block, Results? results)
    {
        int count = runners.Count;
        for (int k = 0; k < count; k++)
        {
            int index = (k + block) % count;
            ResourceUsage.Snapshot start = ResourceUsage.Now();
            long started = Stopwatch.GetTimestamp();
            runners[index].Run(options.BlockIterations);
            double elapsed = Stopwatch.GetElapsedTime(started).Ticks * 100.0;
            ResourceUsage.Snapshot end = ResourceUsage.Now();
            if (results is not null)
            {
                results.Wall[index, block] = elapsed / options.BlockIterations;
                results.Cpu[index, block] = (double)(end.CpuNanoseconds - start.CpuNanoseconds) / options.BlockIterations;
                results.Switches[index, block] = (double)(end.ContextSwitches - start.ContextSwitches) / options.BlockIterations;
            }
        }
    }

    private static double[] Row(double[,] values, int index, int blocks) =>
        Enumerable.Range(0, blocks).Select(block => values[index, block]).ToArray();

    private static double[] Ratios(double[,] values, int index, int floor, int blocks) =>
        Enumerable.Range(0, blocks).Select(block => values[index, block] / values[floor, block]).ToArray();

    private static double Median(double[] values) => Quantile(values, 0.5);

    private static double Quantile(double[] values, double q)
    {
        double[] sorted = values.Order().ToArray();
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }

    private static bool TryParse(string[] args, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Options? options, out string? error)
    {
        options = null;
        string? nativePeers = null;
        string[] impls = ["floor", "c-lib", "cs-pinvoke", "cs-raw", "cs-typed"];
        bool withFd = false;
        int blocks = 40;
        long blockIterations = 5_000, warmup = 60_000;
        for (int i = 1; i < args.Length; i += 2)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            bool ok = value is not null && args[i] switch
            {
                "--native-peers" => (nativePeers = value).Length > 0,
                "--impls" => (impls = value!.Split(',', StringSplitOptions.RemoveEmptyEntries)).Length > 0,
                "--fd" => value is "0" or "1" && ((withFd = value == "1") || true),
                "--blocks" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out blocks) && blocks > 0,
                "--block-iterations" => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out blockIterations) && blockIterations > 0,
                "--warmup" => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out warmup),
                _ => false,
            };
            if (!ok)
            {
                error = $"bad argument '{args[i]}'";
                return false;
            }
        }

        if (nativePeers is null || !impls.Contains("floor"))
        {
            error = "--native-peers is required, and --impls must include floor (ratios are taken against it)";
            return false;
        }

        if (withFd && impls.Any(impl => impl is "cs-socket-stj" or "cs-pinvoke-sh"))
        {
            error = "cs-socket-stj and cs-pinvoke-sh pass no descriptor";
            return false;
        }

        options = new Options(nativePeers, impls, withFd, blocks, blockIterations, warmup);
        error = null;
        return true;
    }

    private sealed record Results(double[,] Wall, double[,] Cpu, double[,] Switches);

    private sealed record Options(string NativePeers, string[] Impls, bool WithFd, int Blocks, long BlockIterations, long Warmup);
}
