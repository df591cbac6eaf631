using System;
using System.Runtime.InteropServices;
using System.Threading;

namespace SupervisorIpc.Bench.Harness;

/// <summary>One implementation of the round trip, kept connected so that it can be timed in short blocks.</summary>
internal interface IBlockRunner : IDisposable
{
    string Name { get; }

    /// <summary>Runs <paramref name="roundTrips"/> round trips with the calling thread as the child.</summary>
    void Run(long roundTrips);
}

/// <summary>
/// The C round trip (<c>floor</c> and its variants, <c>c-lib</c>, <c>c-lib-poll</c>) from bench/native's libsvipc_bench_native_peers: both of its
/// threads are C; the calling thread runs the child's side inside one native call per block.
/// </summary>
internal sealed unsafe class NativeBlockRunner : IBlockRunner
{
    private readonly delegate* unmanaged<nint, long, int> _run;
    private readonly delegate* unmanaged<nint, void> _stop;
    private nint _peers;

    public NativeBlockRunner(nint library, string name, bool withFd)
    {
        var start = (delegate* unmanaged<byte*, int, nint>)NativeLibrary.GetExport(library, "bench_native_peers_start");
        _run = (delegate* unmanaged<nint, long, int>)NativeLibrary.GetExport(library, "bench_native_peers_run");
        _stop = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(library, "bench_native_peers_stop");
        Name = name;
        byte[] impl = System.Text.Encoding.ASCII.GetBytes(name + "\0");
        fixed (byte* implName = impl)
        {
            _peers = start(implName, withFd ? 1 : 0);
        }

        if (_peers == 0)
        {
            throw new InvalidOperationException($"{name}: the native peers could not be started");
        }
    }

    public string Name { get; }

    public void Run(long roundTrips)
    {
        if (_run(_peers, roundTrips) != 0)
        {
            throw new InvalidOperationException($"{Name}: a native round trip failed (see stderr)");
        }
    }

    public void Dispose()
    {
        if (_peers != 0)
        {
            _stop(_peers);
            _peers = 0;
        }
    }
}

/// <summary>A C# implementation (<see cref="IPeers"/>) with its supervisor serving on a thread of its own.</summary>
internal sealed class ManagedBlockRunner : IBlockRunner
{
    private readonly IPeers _peers;
    private readonly Thread _supervisor;
    private volatile bool _stopping;
    private Exception? _failure;

    public ManagedBlockRunner(string name, IPeers peers)
    {
        Name = name;
        _peers = peers;
        _supervisor = new Thread(Serve) { IsBackground = true, Name = $"{name} supervisor" };
        _supervisor.Start();
    }

    public string Name { get; }

    public void Run(long roundTrips)
    {
        for (long i = 0; i < roundTrips; i++)
        {
            _peers.ChildRoundTrip();
        }

        if (_failure is not null)
        {
            throw new InvalidOperationException($"{Name}: the supervisor thread failed", _failure);
        }
    }

    public void Dispose()
    {
        _stopping = true;
        // Closing the connection ends the supervisor's blocked receive with an exception, its way out.
        _peers.Dispose();
        _supervisor.Join();
    }

    private void Serve()
    {
        try
        {
            while (true)
            {
                _peers.SupervisorRoundTrip();
            }
        }
        catch (Exception exception) when (!_stopping)
        {
            _failure = exception;
        }
        catch (Exception)
        {
            // The end of the run.
        }
    }
}
