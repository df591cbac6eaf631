using System;
using System.Threading;

namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// The second thread of a benchmark (the supervisor in a round trip, the sender in a throughput run). The main
/// thread decides how long the warm-up lasts (see <see cref="Warmup"/>), so this thread steps until
/// <see cref="StartTiming"/> tells it the total; it counts its allocations from the first step it completes after
/// timing started (at most one timed step is left out, which does not change a per-step figure).
/// </summary>
internal sealed class PeerThread
{
    private readonly Action _step;
    private readonly Thread _thread;
    private long _total = long.MaxValue;
    private int _timing;
    private Exception? _failure;
    private double _allocatedPerStep;

    public PeerThread(string name, Action step)
    {
        _step = step;
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Called by the main thread when warm-up is over: the peer takes warmupSteps + iterations steps in all.</summary>
    public void StartTiming(long warmupSteps, long iterations)
    {
        Volatile.Write(ref _total, warmupSteps + iterations);
        Volatile.Write(ref _timing, 1);
    }

    /// <summary>Waits for the peer to finish; returns its allocated bytes per timed step.</summary>
    public double Join()
    {
        _thread.Join();
        if (_failure is not null)
        {
            throw new InvalidOperationException($"the {_thread.Name} thread failed", _failure);
        }

        return _allocatedPerStep;
    }

    private void Run()
    {
        try
        {
            long countedFrom = -1;
            long allocatedAtStart = 0;
            long i = 0;
            for (; i < Volatile.Read(ref _total); i++)
            {
                _step();
                if (countedFrom < 0 && Volatile.Read(ref _timing) != 0)
                {
                    countedFrom = i + 1;
                    allocatedAtStart = GC.GetAllocatedBytesForCurrentThread();
                }
            }

            long counted = i - countedFrom;
            _allocatedPerStep = counted > 0 ? (double)(GC.GetAllocatedBytesForCurrentThread() - allocatedAtStart) / counted : 0;
        }
        catch (Exception exception)
        {
            _failure = exception;
        }
    }
}
