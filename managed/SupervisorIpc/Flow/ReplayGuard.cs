using System;
using System.Buffers;
using System.Collections.Generic;
using System.Security.Cryptography;
using System.Text;

namespace SupervisorIpc;

/// <summary>
/// Remembers the most recent request ids (a bounded number, oldest forgotten first) to reject a repeated one.
/// Each id is kept as a 128-bit prefix of its SHA-256, so the memory does not depend on how long the ids a child
/// sends are (up to the 64 KiB frame each). Thread-safe.
/// </summary>
internal sealed class ReplayGuard
{
    private readonly int _capacity;
    private readonly HashSet<UInt128> _seen = new();
    private readonly Queue<UInt128> _order = new();
    private readonly object _lock = new();

    public ReplayGuard(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>Records <paramref name="requestId"/>; false when it was already among the remembered ids.</summary>
    public bool TryRecord(string requestId)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        UInt128 digest = Digest(requestId);
        lock (_lock)
        {
            if (!_seen.Add(digest))
            {
                return false;
            }

            _order.Enqueue(digest);
            if (_order.Count > _capacity)
            {
                _seen.Remove(_order.Dequeue());
            }

            return true;
        }
    }

    private static UInt128 Digest(string requestId)
    {
        byte[] utf8 = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(requestId.Length));
        try
        {
            int length = Encoding.UTF8.GetBytes(requestId, utf8);
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(utf8.AsSpan(0, length), hash);
            return new UInt128(BitConverter.ToUInt64(hash[..8]), BitConverter.ToUInt64(hash[8..16]));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(utf8);
        }
    }
}
