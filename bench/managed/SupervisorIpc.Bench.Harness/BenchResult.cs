using System;
using System.Globalization;

namespace SupervisorIpc.Bench.Harness;

/// <summary>One measured run, printed as the single "result key=value ..." line the C programs also print.</summary>
internal sealed record BenchResult(
    string Benchmark,
    HarnessOptions Options,
    long ElapsedNanoseconds,
    ResourceUsage.Snapshot Start,
    ResourceUsage.Snapshot End,
    double ChildAllocatedBytesPerOp,
    double SupervisorAllocatedBytesPerOp,
    int Gen0Collections,
    long MethodsJittedDuringRun)
{
    public string Format(IFormatProvider provider)
    {
        double count = Options.Iterations;
        return string.Create(
            provider,
            $"result bench={Benchmark} impl={Options.Impl} fd={(Options.WithFd ? 1 : 0)} cpus={Environment.ProcessorCount} " +
            $"iterations={Options.Iterations} ns_per_op={ElapsedNanoseconds / count:F1} " +
            $"cpu_ns_per_op={(End.CpuNanoseconds - Start.CpuNanoseconds) / count:F1} " +
            $"switches_per_op={(End.ContextSwitches - Start.ContextSwitches) / count:F2} " +
            $"messages_per_s={count * 1e9 / ElapsedNanoseconds:F0} " +
            $"child_alloc_bytes_per_op={ChildAllocatedBytesPerOp:F1} " +
            $"supervisor_alloc_bytes_per_op={SupervisorAllocatedBytesPerOp:F1} gen0={Gen0Collections} jitted_during_run={MethodsJittedDuringRun}");
    }
}
