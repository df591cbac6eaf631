using System;
using System.Globalization;

namespace SupervisorIpc.Bench.Harness;

/// <summary>Entry point: <c>roundtrip|throughput --impl NAME [--fd 0|1] [--iterations N] [--warmup N]</c>, <c>micro</c>, <c>interleaved</c>.</summary>
internal static class Program
{
    private const string Usage =
        "usage: SupervisorIpc.Bench.Harness roundtrip --impl cs-typed|cs-raw|cs-pinvoke|cs-pinvoke-sh|cs-socket-stj [--fd 0|1] [--iterations N] [--warmup N]\n" +
        "       SupervisorIpc.Bench.Harness throughput --impl cs-typed|cs-raw|cs-pinvoke|cs-pinvoke-sh|cs-socket-stj [--iterations N] [--warmup N]\n" +
        "       SupervisorIpc.Bench.Harness micro [ITERATIONS]\n" +
        "       SupervisorIpc.Bench.Harness scale [--counts 10,100,1000] [--probes 100] [--bursts 5] [--no-header]\n" +
        "       SupervisorIpc.Bench.Harness scale-serve --listen PATH --root DIRECTORY\n" +
        "       SupervisorIpc.Bench.Harness interleaved --native-peers PATH [--impls floor,c-lib,...] [--fd 0|1] [--blocks N] [--block-iterations N] [--warmup N]";

    private static int Main(string[] args)
    {
        if (args is ["interleaved", ..])
        {
            Payloads.VerifyAgainstReferenceBytes();
            return InterleavedBenchmark.Run(args);
        }

        if (args is ["scale-serve", ..])
        {
            return ScaleServeBenchmark.Run(args);
        }

        if (args is ["scale", ..])
        {
            return ScaleBenchmark.Run(args);
        }

        if (args is ["micro", ..])
        {
            MicroCosts.Run(args.Length > 1 ? long.Parse(args[1], CultureInfo.InvariantCulture) : 2_000_000);
            return 0;
        }

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
