using System;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading;

namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// <c>micro</c>: the per-call costs that make up the gap between the managed and the C round trip, each measured
/// in CPU time of the calling thread (getrusage RUSAGE_THREAD), so that other load on the machine, which inflates
/// wall-clock timings, mostly cancels out. BenchmarkDotNet measures the same in wall-clock time on a quiet machine.
/// </summary>
internal static partial class MicroCosts
{
    private const string Library = "supervisor_ipc";

    public static void Run(long iterations)
    {
        (SupervisorSocket supervisor, SupervisorSocket child) = SupervisorSocket.CreatePair();
        using var ownedSupervisor = supervisor;
        using var ownedChild = child;
        var gate = new object();
        int counter = 0;
        byte[] buffer = new byte[SupervisorSocket.MaxPayloadLength];
        SupervisorResponse granted = Payloads.Grant("req-001");

        Measure("pinvoke_plain", iterations, () => Version());
        Measure("pinvoke_set_last_error", iterations, () => VersionSetLastError());
        Measure("facade_safehandle_call", iterations, () => supervisor.FileDescriptor);
        Measure("lock_and_two_interlocked", iterations, () =>
        {
            Interlocked.Increment(ref counter);
            lock (gate)
            {
                counter++;
            }

            return Interlocked.Decrement(ref counter);
        });
        Measure("encode_request", iterations, () => SupervisorWireCodec.TryEncode(Payloads.Request, buffer, out int written) ? written : 0);
        Measure("decode_request", iterations, () => SupervisorWireCodec.DecodeMessage(Payloads.RequestBytes));
        Measure("encode_decision", iterations, () => SupervisorWireCodec.TryEncode(granted, buffer, out int written) ? written : 0);
        Measure("decode_decision", iterations, () => SupervisorWireCodec.DecodeResponse(Payloads.DecisionBytes));
        Measure("build_decision", iterations, () => Payloads.Grant("req-001"));
    }

    private static void Measure<T>(string name, long iterations, Func<T> operation)
    {
        // The round-trip warm-up: runs until tiered compilation has gone quiet.
        Warmup.Run(Math.Min(iterations, 200_000), () => operation());

        long allocated = GC.GetAllocatedBytesForCurrentThread();
        long start = ResourceUsage.ThreadCpuNanoseconds();
        for (long i = 0; i < iterations; i++)
        {
            _ = operation();
        }

        long cpu = ResourceUsage.ThreadCpuNanoseconds() - start;
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"micro name={name} iterations={iterations} cpu_ns_per_op={(double)cpu / iterations:F1} alloc_bytes_per_op={(double)allocated / iterations:F1}"));
    }

    [LibraryImport(Library, EntryPoint = "svipc_version")]
    private static partial uint Version();

    [LibraryImport(Library, EntryPoint = "svipc_version", SetLastError = true)]
    private static partial uint VersionSetLastError();
}
