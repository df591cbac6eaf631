using System;
using System.Collections.Generic;

namespace SupervisorIpc;

/// <summary>
/// Remembers the most recent request ids (a bounded number, oldest forgotten first) to reject a repeated one.
/// Thread-safe.
/// </summary>
internal sealed class ReplayGuard
{
    private readonly int _capacity;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();
    private readonly object _lock = new();

    public ReplayGuard(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>Records <paramref name="requestId"/>; false when it was already among the remembered ids.</summary>
    public bool TryRecord(string requestId)
    {
        lock (_lock)
        {
            if (!_seen.Add(requestId))
            {
                return false;
            }

            _order.Enqueue(requestId);
            if (_order.Count > _capacity)
            {
                _seen.Remove(_order.Dequeue());
            }

            return true;
        }
    }
}
