using System;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace SupervisorIpc.Benchmarks;

/// <summary>
/// Runs every benchmark class in this assembly in process (no generated project per run, so a full run stays
/// within a few minutes on two cores). <c>--quick</c> takes fewer iterations; <c>--artifacts DIR</c> says where
/// the reports go; any other argument is passed on to BenchmarkDotNet (e.g. <c>--filter *Codec*</c>).
/// </summary>
internal static class Program
{
    private static int Main(string[] args)
    {
        bool quick = args.Contains("--quick");
        string? artifacts = null;
        int artifactsIndex = Array.IndexOf(args, "--artifacts");
        if (artifactsIndex >= 0 && artifactsIndex + 1 < args.Length)
        {
            artifacts = args[artifactsIndex + 1];
        }

        string[] passOn = args.Where((arg, i) => arg != "--quick" && i != artifactsIndex && i != artifactsIndex + 1).ToArray();
        Job job = (quick ? Job.ShortRun : Job.Default.WithWarmupCount(3).WithIterationCount(8).WithLaunchCount(1))
            .WithToolchain(InProcessEmitToolchain.Instance);
        IConfig config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddExporter(MarkdownExporter.GitHub)
            .AddLogger(ConsoleLogger.Default)
            .WithSummaryStyle(BenchmarkDotNet.Reports.SummaryStyle.Default.WithMaxParameterColumnWidth(40));
        if (artifacts is not null)
        {
            config = config.WithArtifactsPath(artifacts);
        }

        var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(passOn.Length == 0 ? ["--filter", "*"] : passOn, config);
        return summaries.Any(summary => summary.HasCriticalValidationErrors || summary.Reports.Any(report => !report.Success)) ? 1 : 0;
    }
}
