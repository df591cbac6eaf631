using System;
using System.Threading;
using System.Threading.Tasks;

namespace SupervisorIpc.Readiness;

/// <summary>
/// Watches a connection for the peer's hang-up on the readiness loop while something is being decided for it, and
/// cancels <c>decision</c> when it happens: a child that disconnected needs no answer, and whoever decides (an
/// interactive approval, say) can stop asking.
/// </summary>
internal sealed class HangUpWatch
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _observing;
    private volatile bool _hungUp;

    private HangUpWatch(ReadinessRegistration? readiness, CancellationTokenSource decision)
    {
        _observing = readiness is null ? Task.CompletedTask : ObserveAsync(readiness, decision);
    }

    /// <summary>Whether the peer hung up before <see cref="StopAsync"/>.</summary>
    public bool HungUp => _hungUp;

    /// <summary>Starts watching; a connection already watched (by a concurrent decision) is not watched twice.</summary>
    public static HangUpWatch Start(ReadinessRegistration readiness, CancellationTokenSource decision) => new(readiness, decision);

    /// <summary>Stops watching and returns once the loop has let go of the watch.</summary>
    public async Task StopAsync()
    {
        // Cancel, not CancelAsync: the callback only takes the waiter off the loop, and CancelAsync would add a thread-pool hop.
        _stop.Cancel();
        await _observing.ConfigureAwait(false);
        _stop.Dispose();
    }

    private async Task ObserveAsync(ReadinessRegistration readiness, CancellationTokenSource decision)
    {
        ValueTask<ReadinessOutcome> wait;
        try
        {
            wait = readiness.WaitHangUpAsync(_stop.Token);
        }
        catch (InvalidOperationException)
        {
            return; // another decision on this connection is watching already
        }

        if (await wait.ConfigureAwait(false) == ReadinessOutcome.Ready)
        {
            _hungUp = true;
            await decision.CancelAsync().ConfigureAwait(false);
        }
    }
}
