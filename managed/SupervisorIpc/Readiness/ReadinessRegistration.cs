using System;
using System.Threading;
using System.Threading.Tasks;
using SupervisorIpc.Interop;

namespace SupervisorIpc.Readiness;

/// <summary>
/// One descriptor (or child) on the <see cref="ReadinessLoop"/>: a sequence number per direction that every event
/// advances, and at most one waiter per direction.
/// </summary>
/// <remarks>
/// The registration is edge-triggered, so an event that arrives between an operation's failed attempt and its wait
/// must not be lost. An operation reads the sequence before its attempt and waits only while the sequence is still
/// the one it read: an event in between makes the wait return at once and the operation try again.
/// </remarks>
internal sealed class ReadinessRegistration
{
    private readonly object _gate = new();
    private long _readSequence;
    private long _writeSequence;
    private bool _hungUp;
    private bool _closed;
    private ReadinessWaiter? _reader;
    private ReadinessWaiter? _writer;
    private ReadinessWaiter? _hangUpWatcher;
    private ReadinessWaiter? _pendingRead;
    private ReadinessWaiter? _pendingWrite;
    private ReadinessWaiter? _pendingHangUp;

    internal ReadinessRegistration(uint token, int descriptor, int pid)
    {
        Token = token;
        Descriptor = descriptor;
        Pid = pid;
    }

    /// <summary>The loop's token for this registration.</summary>
    public uint Token { get; }

    /// <summary>The watched descriptor (a pidfd for a child on Linux), or -1 for a child watched by pid.</summary>
    public int Descriptor { get; }

    /// <summary>The watched child's pid, or 0.</summary>
    public int Pid { get; }

    /// <summary>Read before an attempt; pass to <see cref="WaitReadableAsync"/> when the attempt would block.</summary>
    public long ReadSequence
    {
        get
        {
            lock (_gate)
            {
                return _readSequence;
            }
        }
    }

    /// <summary>Read before an attempt; pass to <see cref="WaitWritableAsync"/> when the attempt would block.</summary>
    public long WriteSequence
    {
        get
        {
            lock (_gate)
            {
                return _writeSequence;
            }
        }
    }

    /// <summary>Whether the loop has reported the peer's hang-up in both directions (or a failure of the socket).</summary>
    public bool HasHungUp
    {
        get
        {
            lock (_gate)
            {
                return _hungUp;
            }
        }
    }

    /// <summary>Waits until the read side changed after <paramref name="sequence"/> was read.</summary>
    public ValueTask<ReadinessOutcome> WaitReadableAsync(long sequence, int timeoutMilliseconds, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return new(ReadinessOutcome.Closed);
            }

            if (_readSequence != sequence)
            {
                return new(ReadinessOutcome.Ready);
            }

            _reader ??= new ReadinessWaiter(this, Direction.Read);
            _pendingRead = _reader;
            return _reader.Arm(timeoutMilliseconds, cancellationToken);
        }
    }

    /// <summary>Waits until the write side changed after <paramref name="sequence"/> was read.</summary>
    public ValueTask<ReadinessOutcome> WaitWritableAsync(long sequence, int timeoutMilliseconds, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return new(ReadinessOutcome.Closed);
            }

            if (_writeSequence != sequence)
            {
                return new(ReadinessOutcome.Ready);
            }

            _writer ??= new ReadinessWaiter(this, Direction.Write);
            _pendingWrite = _writer;
            return _writer.Arm(timeoutMilliseconds, cancellationToken);
        }
    }

    /// <summary>Waits until the peer has hung up in both directions (or the socket failed); one watcher at a time.</summary>
    public ValueTask<ReadinessOutcome> WaitHangUpAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_closed)
            {
                return new(ReadinessOutcome.Closed);
            }

            if (_hungUp)
            {
                return new(ReadinessOutcome.Ready);
            }

            if (_pendingHangUp is not null)
            {
                throw new InvalidOperationException("The connection is already watched for hang-up.");
            }

            _hangUpWatcher ??= new ReadinessWaiter(this, Direction.HangUp);
            _pendingHangUp = _hangUpWatcher;
            return _hangUpWatcher.Arm(NativeMethods.InfiniteTimeout, cancellationToken);
        }
    }

    /// <summary>Called by the loop's dispatch on a pool thread with the port's SVIPC_READY_* bits; continuations run inline.</summary>
    internal void Signal(uint events)
    {
        ReadinessWaiter? reader = null, writer = null, hangUp = null;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }

            if ((events & NativeMethods.ReadyReadable) != 0)
            {
                _readSequence++;
                reader = Take(ref _pendingRead);
            }

            if ((events & NativeMethods.ReadyWritable) != 0)
            {
                _writeSequence++;
                writer = Take(ref _pendingWrite);
            }

            if ((events & NativeMethods.ReadyHangUp) != 0)
            {
                _hungUp = true;
                hangUp = Take(ref _pendingHangUp);
            }
        }

        reader?.Complete(ReadinessOutcome.Ready);
        writer?.Complete(ReadinessOutcome.Ready);
        hangUp?.Complete(ReadinessOutcome.Ready);
    }

    /// <summary>Ends every wait with <see cref="ReadinessOutcome.Closed"/>; later waits end so at once.</summary>
    internal void Close()
    {
        ReadinessWaiter? reader, writer, hangUp;
        lock (_gate)
        {
            _closed = true;
            reader = Take(ref _pendingRead);
            writer = Take(ref _pendingWrite);
            hangUp = Take(ref _pendingHangUp);
        }

        reader?.CompleteLater(ReadinessOutcome.Closed);
        writer?.CompleteLater(ReadinessOutcome.Closed);
        hangUp?.CompleteLater(ReadinessOutcome.Closed);
    }

    /// <summary>Ends <paramref name="waiter"/>'s wait with <paramref name="outcome"/> if that wait (its <paramref name="version"/>) is still pending.</summary>
    internal void Abandon(ReadinessWaiter waiter, short version, ReadinessOutcome outcome)
    {
        lock (_gate)
        {
            ref ReadinessWaiter? slot = ref Slot(waiter.Direction);
            if (!ReferenceEquals(slot, waiter) || waiter.Version != version)
            {
                return;
            }

            slot = null;
        }

        waiter.CompleteLater(outcome);
    }

    private ref ReadinessWaiter? Slot(Direction direction)
    {
        switch (direction)
        {
            case Direction.Read:
                return ref _pendingRead;
            case Direction.Write:
                return ref _pendingWrite;
            default:
                return ref _pendingHangUp;
        }
    }

    private static ReadinessWaiter? Take(ref ReadinessWaiter? slot)
    {
        ReadinessWaiter? taken = slot;
        slot = null;
        return taken;
    }

    /// <summary>Which condition a waiter waits for.</summary>
    internal enum Direction
    {
        Read,
        Write,
        HangUp,
    }
}
