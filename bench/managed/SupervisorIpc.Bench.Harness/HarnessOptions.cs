using System;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace SupervisorIpc.Bench.Harness;

/// <summary>What to run, parsed from the command line.</summary>
internal sealed record HarnessOptions(string Benchmark, string Impl, bool WithFd, long Iterations, long Warmup)
{
    private static readonly string[] Impls = ["cs-typed", "cs-typed-poll", "cs-raw", "cs-pinvoke", "cs-pinvoke-sh", "cs-socket-stj"];

    public static bool TryParse(string[] args, [NotNullWhen(true)] out HarnessOptions? options, [NotNullWhen(false)] out string? error)
    {
        options = null;
        if (args.Length == 0 || (args[0] != "roundtrip" && args[0] != "throughput"))
        {
            error = "the first argument must be roundtrip or throughput";
            return false;
        }

        bool roundTrip = args[0] == "roundtrip";
        string? impl = null;
        bool withFd = false;
        long iterations = roundTrip ? 100_000 : 1_000_000;
        long warmup = roundTrip ? 20_000 : 100_000;
        for (int i = 1; i < args.Length; i += 2)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            bool ok = value is not null && args[i] switch
            {
                "--impl" => Array.IndexOf(Impls, impl = value) >= 0,
                "--fd" => TryParseFlag(value!, out withFd),
                "--iterations" => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out iterations) && iterations > 0,
                "--warmup" => long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out warmup),
                _ => false,
            };
            if (!ok)
            {
                error = $"bad argument '{args[i]}'";
                return false;
            }
        }

        if (impl is null)
        {
            error = "--impl is required";
            return false;
        }

        if (withFd && impl is "cs-socket-stj" or "cs-pinvoke-sh")
        {
            error = $"{impl} passes no descriptor";
            return false;
        }

        options = new HarnessOptions(args[0], impl, withFd, iterations, warmup);
        error = null;
        return true;
    }

    private static bool TryParseFlag(string value, out bool flag)
    {
        flag = value == "1";
        return value is "0" or "1";
    }
}
