using System.Runtime.InteropServices;
using BenchmarkDotNet.Attributes;

namespace SupervisorIpc.Benchmarks;

/// <summary>
/// What crossing into the native library costs, apart from any socket work: a bare P/Invoke, the same with
/// SetLastError marshalling, and a facade call that takes a SafeHandle (the pattern of every socket call).
/// </summary>
public partial class InteropBenchmarks
{
    private SupervisorSocket _supervisor = null!;
    private SupervisorSocket _child = null!;

    [GlobalSetup]
    public void Setup() => (_supervisor, _child) = SupervisorSocket.CreatePair();

    [GlobalCleanup]
    public void Cleanup()
    {
        _child.Dispose();
        _supervisor.Dispose();
    }

    [Benchmark(Baseline = true)]
    public uint PInvoke() => Version();

    [Benchmark]
    public uint PInvokeSetLastError() => VersionSetLastError();

    /// <summary>FileDescriptor: disposed check + SafeHandle AddRef/Release around a trivial native call.</summary>
    [Benchmark]
    public int FacadeSafeHandleCall() => _supervisor.FileDescriptor;

    [LibraryImport("supervisor_ipc", EntryPoint = "svipc_version")]
    private static partial uint Version();

    [LibraryImport("supervisor_ipc", EntryPoint = "svipc_version", SetLastError = true)]
    private static partial uint VersionSetLastError();
}
