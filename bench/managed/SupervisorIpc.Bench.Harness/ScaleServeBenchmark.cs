using System;
using System.Threading;
using System.Threading.Tasks;

namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// <c>scale-serve --listen PATH --root DIRECTORY</c>: the managed supervisor of the cross-process scale benchmark.
/// One <see cref="SupervisorService"/> accepts whatever connects at PATH and serves each connection with
/// <c>ServeAsync</c> (grants beneath DIRECTORY), until every connection it accepted has closed again. The children and
/// every measurement are in <c>svipc_bench_scale_children</c>, which drives the C floor (<c>svipc_bench_scale --serve</c>)
/// the same way.
/// </summary>
internal static class ScaleServeBenchmark
{
    public static int Run(string[] args)
    {
        string? path = null;
        string? root = null;
        for (int i = 1; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--listen":
                    path = args[i + 1];
                    break;
                case "--root":
                    root = args[i + 1];
                    break;
                default:
                    Console.Error.WriteLine($"scale-serve: unknown option {args[i]}");
                    return 2;
            }
        }

        if (path is null || root is null)
        {
            Console.Error.WriteLine("usage: SupervisorIpc.Bench.Harness scale-serve --listen PATH --root DIRECTORY");
            return 2;
        }

        using var service = new SupervisorService(new SupervisorServiceOptions
        {
            ApprovalBackend = new PolicyApprovalBackend(new PathRule(root, AccessMode.Read)),
            RequestsPerSecond = 1_000_000, // the rate limit is not what is measured
            RequestBurst = 1_000_000,
        });
        using UncheckedSupervisorListener listener = SupervisorSocket.Bind(path);
        var allClosed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int open = 0;

        async Task Serve(SupervisorSocket connection)
        {
            try
            {
                await service.ServeAsync(connection, connection.PeerPid);
            }
            catch (Exception error)
            {
                allClosed.TrySetException(error);
            }
            finally
            {
                connection.Dispose();
                if (Interlocked.Decrement(ref open) == 0)
                {
                    allClosed.TrySetResult();
                }
            }
        }

        async Task AcceptAll()
        {
            try
            {
                while (!allClosed.Task.IsCompleted)
                {
                    SupervisorSocket connection = await listener.AcceptAsync();
                    Interlocked.Increment(ref open);
                    _ = Serve(connection);
                }
            }
            catch (Exception error)
            {
                allClosed.TrySetException(error);
            }
        }

        _ = AcceptAll();
        allClosed.Task.GetAwaiter().GetResult();
        return 0;
    }
}
