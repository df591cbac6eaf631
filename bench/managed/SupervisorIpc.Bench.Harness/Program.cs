using System;
using System.Globalization;

namespace SupervisorIpc.Bench.Harness;

/// <summary>Entry point: <c>roundtrip|throughput --impl NAME [--fd 0|1] [--iterations N] [--warmup N]</c>.</summary>
internal static class Program
{
    private const string Usage =
        "usage: SupervisorIpc.Bench.Harness roundtrip --impl cs-typed|cs-raw|cs-socket-stj [--fd 0|1] [--iterations N] [--warmup N]\n" +
        "       SupervisorIpc.Bench.Harness throughput --impl cs-typed|cs-raw|cs-socket-stj [--iterations N] [--warmup N]";

    private static int Main(string[] args)
    {
        if (!HarnessOptions.TryParse(args, out HarnessOptions? options, out string? error))
        {
            Console.Error.WriteLine(error);
            Console.Error.WriteLine(Usage);
            return 2;
        }

        Payloads.VerifyAgainstReferenceBytes();
        BenchResult result = options.Benchmark switch
        {
            "roundtrip" => RoundTripBenchmark.Run(options),
            "throughput" => ThroughputBenchmark.Run(options),
            _ => throw new InvalidOperationException("unreachable"),
        };
        Console.WriteLine(result.Format(CultureInfo.InvariantCulture));
        return 0;
    }
}
