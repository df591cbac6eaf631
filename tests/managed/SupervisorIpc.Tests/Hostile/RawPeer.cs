using System;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>
/// The evil end of a connection: a plain descriptor on which a test writes whatever bytes and descriptors it
/// wants, split however it wants, with no library in the way.
/// </summary>
public sealed unsafe class RawPeer : IDisposable
{
    private int _fd;

    public RawPeer(int fd) => _fd = fd;

    public int Fd => _fd >= 0 ? _fd : throw new ObjectDisposedException(nameof(RawPeer));

    /// <summary>
    /// A connected pair: the library owns one end (with guard timeouts, so that a library bug fails the test
    /// instead of hanging it) and the test holds the other raw.
    /// </summary>
    public static (SupervisorSocket Library, RawPeer Peer) CreatePair(TimeSpan? guard = null)
    {
        int* fds = stackalloc int[2];
        if (HostileNative.SocketPair(HostileNative.AfUnix, HostileNative.SockStream | HostileNative.SockCloexec, 0, fds) != 0)
        {
            throw new InvalidOperationException($"socketpair failed: errno {Marshal.GetLastPInvokeError()}");
        }

        SupervisorSocket library = SupervisorSocket.FromFileDescriptor(fds[0]);
        library.ReadTimeout = guard ?? HostileSupport.GuardTimeout;
        library.SendTimeout = guard ?? HostileSupport.GuardTimeout;
        return (library, new RawPeer(fds[1]));
    }

    /// <summary>Writes every byte with plain send(2), retrying short writes.</summary>
    public void Write(ReadOnlySpan<byte> data)
    {
        fixed (byte* bytes = data)
        {
            int offset = 0;
            while (offset < data.Length)
            {
                nint sent = HostileNative.Send(Fd, bytes + offset, (nuint)(data.Length - offset), HostileNative.MsgNoSignal);
                if (sent < 0)
                {
                    int errno = Marshal.GetLastPInvokeError();
                    if (errno == HostileNative.Eintr)
                    {
                        continue;
                    }

                    throw new InvalidOperationException($"send failed: errno {errno}");
                }

                offset += (int)sent;
            }
        }
    }

    /// <summary>Writes as much of <paramref name="data"/> as fits without blocking; returns the bytes written (0 when full).</summary>
    public int WriteWithoutBlocking(ReadOnlySpan<byte> data)
    {
        fixed (byte* bytes = data)
        {
            nint sent = HostileNative.Send(Fd, bytes, (nuint)data.Length, HostileNative.MsgNoSignal | HostileNative.MsgDontWait);
            if (sent >= 0)
            {
                return (int)sent;
            }

            int errno = Marshal.GetLastPInvokeError();
            return errno is HostileNative.Eagain or HostileNative.Eintr
                ? 0
                : throw new InvalidOperationException($"send failed: errno {errno}");
        }
    }

    /// <summary>Writes one byte per send(2), pausing between them so that the receiver sees each byte on its own.</summary>
    public void WriteOneByteAtATime(ReadOnlySpan<byte> data, TimeSpan pause)
    {
        for (int i = 0; i < data.Length; i++)
        {
            Write(data.Slice(i, 1));
            if (pause > TimeSpan.Zero)
            {
                Thread.Sleep(pause);
            }
        }
    }

    /// <summary>One sendmsg of <paramref name="data"/> carrying <paramref name="fds"/> as one SCM_RIGHTS message.</summary>
    public void WriteWithDescriptors(ReadOnlySpan<byte> data, ReadOnlySpan<int> fds)
    {
        int sent = HostileNative.SendWithDescriptors(Fd, data, fds);
        if (sent != data.Length)
        {
            // Unix stream sockets send small chunks whole; a short send would make the attack something else.
            throw new InvalidOperationException($"sendmsg sent {sent} of {data.Length} bytes");
        }
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes or fails after <paramref name="within"/>.</summary>
    public byte[] ReadExactly(int count, TimeSpan within)
    {
        byte[] result = new byte[count];
        int received = 0;
        var clock = Stopwatch.StartNew();
        fixed (byte* bytes = result)
        {
            while (received < count)
            {
                nint n = HostileNative.Receive(Fd, bytes + received, (nuint)(count - received), HostileNative.MsgDontWait);
                if (n > 0)
                {
                    received += (int)n;
                    continue;
                }

                if (n == 0)
                {
                    throw new InvalidOperationException($"the library closed the connection after {received} of {count} bytes");
                }

                if (clock.Elapsed > within)
                {
                    throw new TimeoutException($"only {received} of {count} bytes arrived within {within}");
                }

                Thread.Sleep(1);
            }
        }

        return result;
    }

    /// <summary>Reads one whole frame (prefix and payload) written by the library.</summary>
    public byte[] ReadFrame(TimeSpan within)
    {
        byte[] prefix = ReadExactly(4, within);
        int length = (int)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(prefix);
        return length == 0 ? Array.Empty<byte>() : ReadExactly(length, within);
    }

    /// <summary>Bytes waiting unread on <paramref name="fd"/> (peeked, not consumed), up to <paramref name="limit"/>.</summary>
    public static int PeekUnread(int fd, int limit = 1 << 16)
    {
        byte[] buffer = new byte[limit];
        fixed (byte* bytes = buffer)
        {
            nint n = HostileNative.Receive(fd, bytes, (nuint)limit, HostileNative.MsgPeek | HostileNative.MsgDontWait);
            return n >= 0 ? (int)n : 0;
        }
    }

    public void ShutdownWrite() => HostileNative.Shutdown(Fd, HostileNative.ShutWrite);

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            HostileNative.Close(fd);
        }
    }
}
