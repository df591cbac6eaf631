using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;

namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// <c>scale [--counts 10,100,1000] [--probes 100] [--bursts 5] [--no-header]</c> (one N per process gives a clean RSS figure): one <see cref="SupervisorService"/> serving N in-process pair
/// ends, each with <c>ServeAsync</c>, the other ends idle. Per N: latency of a request on a random idle connection
/// (p50/p99 over the probes), N requests at once (one per child) as grants per second (the median of the bursts: one
/// burst of 1,000 lasts under 0.1 s, so a single one is at the mercy of the scheduler), the process's threads, and
/// RSS per connection (both ends and the service's state, measured as the growth over the idle connections).
/// </summary>
internal static class ScaleBenchmark
{
    public static int Run(string[] args)
    {
        int[] counts = [10, 100, 1000];
        int probes = 100;
        int bursts = 5;
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--no-header":
                    i--;
                    break;
                case "--counts":
                    counts = args[i + 1].Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
                    break;
                case "--bursts":
                    bursts = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--probes":
                    probes = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                default:
                    Console.Error.WriteLine($"scale: unknown option {args[i]}");
                    return 2;
            }
        }

        string directory = Directory.CreateTempSubdirectory("svipc-scale-").FullName;
        try
        {
            string file = Path.Combine(directory, "granted.txt");
            File.WriteAllText(file, "granted\n");
            // Warm up (JIT, the readiness thread, pools) so that the first measured N does not pay for it.
            RunOne(10, 10, bursts, directory, file, print: false).GetAwaiter().GetResult();
            if (!args.Contains("--no-header"))
            {
                Console.WriteLine("| connections | probe p50 (ms) | probe p99 (ms) | N requests at once: grants/s | threads | RSS per idle connection (KiB) |");
                Console.WriteLine("|---:|---:|---:|---:|---:|---:|");
            }

            foreach (int count in counts)
            {
                RunOne(count, probes, bursts, directory, file, print: true).GetAwaiter().GetResult();
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }

        return 0;
    }

    private static async Task RunOne(int count, int probes, int bursts, string directory, string file, bool print)
    {
        using var service = new SupervisorService(new SupervisorServiceOptions
        {
            ApprovalBackend = new PolicyApprovalBackend(new PathRule(directory, AccessMode.Read)),
            RequestsPerSecond = 1_000_000, // the rate limit is not what is measured
            RequestBurst = 1_000_000,
        });
        uint pid = (uint)Environment.ProcessId;
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long rssBefore = Rss();
        var children = new List<SupervisorSocket>(count);
        var serving = new List<Task>(count);
        var supervisorEnds = new List<SupervisorSocket>(count);
        for (int i = 0; i < count; i++)
        {
            var (supervisorEnd, childEnd) = SupervisorSocket.CreatePair();
            supervisorEnds.Add(supervisorEnd);
            children.Add(childEnd);
            serving.Add(service.ServeAsync(supervisorEnd, pid));
        }

        await Task.Delay(200); // every ServeAsync is waiting on the loop
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long rssIdle = Rss();

        var random = new Random(13);
        var latencies = new double[probes];
        for (int p = 0; p < probes; p++)
        {
            SupervisorSocket child = children[random.Next(count)];
            long started = Stopwatch.GetTimestamp();
            Exchange(child, $"probe-{p}", file, pid);
            latencies[p] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }

        Array.Sort(latencies);
        var grantsPerSecond = new double[bursts];
        for (int b = 0; b < bursts; b++)
        {
            long burstStarted = Stopwatch.GetTimestamp();
            await Task.WhenAll(children.Select((child, i) => ExchangeAsync(child, $"burst-{b}-{i}", file, pid)));
            grantsPerSecond[b] = count / Stopwatch.GetElapsedTime(burstStarted).TotalSeconds;
        }

        Array.Sort(grantsPerSecond);
        int threads = Process.GetCurrentProcess().Threads.Count;

        foreach (SupervisorSocket child in children)
        {
            child.Dispose();
        }

        await Task.WhenAll(serving);
        foreach (SupervisorSocket end in supervisorEnds)
        {
            end.Dispose();
        }

        if (!print)
        {
            return;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {count} | {Percentile(latencies, 0.50):F3} | {Percentile(latencies, 0.99):F3} | {Percentile(grantsPerSecond, 0.50):F0} | {threads} | {(rssIdle - rssBefore) / 1024.0 / count:F1} |"));
    }

    private static void Exchange(SupervisorSocket child, string id, string file, uint pid)
    {
        child.SendMessage(new SupervisorMessage.Request(new CapabilityRequest(id, file, AccessMode.Read, "scale", pid, "bench")));
        var decision = (SupervisorResponse.Decision)child.ReceiveResponse();
        if (decision.Outcome is not ApprovalDecision.Granted)
        {
            throw new InvalidOperationException($"not granted: {decision.Outcome}");
        }

        using SafeFileHandle granted = child.ReceiveFileDescriptor();
    }

    private static async Task ExchangeAsync(SupervisorSocket child, string id, string file, uint pid)
    {
        await child.SendMessageAsync(new SupervisorMessage.Request(new CapabilityRequest(id, file, AccessMode.Read, "scale", pid, "bench")));
        var decision = (SupervisorResponse.Decision)await child.ReceiveResponseAsync();
        if (decision.Outcome is not ApprovalDecision.Granted)
        {
            throw new InvalidOperationException($"not granted: {decision.Outcome}");
        }

        using SafeFileHandle granted = await child.ReceiveFileDescriptorAsync();
    }

    private static double Percentile(double[] sorted, double fraction) =>
        sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(fraction * sorted.Length) - 1)];

    /// <summary>Resident set size of this process in bytes (VmRSS).</summary>
    private static long Rss()
    {
        foreach (string line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }
}
