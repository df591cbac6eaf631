using System;

namespace SupervisorIpc;

/// <summary>
/// A token bucket: holds at most <c>burst</c> tokens, refills at <c>rate</c> tokens per second, one token per
/// request. Time comes from a <see cref="TimeProvider"/> so that tests can drive it. Thread-safe.
/// </summary>
internal sealed class TokenBucket
{
    private readonly double _ratePerSecond;
    private readonly double _burst;
    private readonly TimeProvider _time;
    private readonly object _lock = new();
    private double _tokens;
    private long _lastTimestamp;

    public TokenBucket(double ratePerSecond, int burst, TimeProvider time)
    {
        if (!(ratePerSecond > 0) || double.IsInfinity(ratePerSecond))
        {
            throw new ArgumentOutOfRangeException(nameof(ratePerSecond), ratePerSecond, "The rate must be a positive number of requests per second.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        _ratePerSecond = ratePerSecond;
        _burst = burst;
        _time = time ?? throw new ArgumentNullException(nameof(time));
        _tokens = burst;
        _lastTimestamp = time.GetTimestamp();
    }

    /// <summary>Takes a token if one is available.</summary>
    public bool TryTake()
    {
        lock (_lock)
        {
            long now = _time.GetTimestamp();
            double elapsedSeconds = _time.GetElapsedTime(_lastTimestamp, now).TotalSeconds;
            _lastTimestamp = now;
            if (elapsedSeconds > 0)
            {
                _tokens = Math.Min(_burst, _tokens + (elapsedSeconds * _ratePerSecond));
            }

            if (_tokens >= 1)
            {
                _tokens -= 1;
                return true;
            }

            return false;
        }
    }
}
