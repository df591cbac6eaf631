using System;
using System.Runtime.InteropServices;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>
/// The few libc calls an evil peer needs and .NET does not offer: a raw socketpair and a sendmsg that attaches
/// any number of SCM_RIGHTS descriptors to any bytes. Test-only; Linux layouts (glibc and musl agree on 64-bit).
/// </summary>
internal static unsafe partial class HostileNative
{
    public const int AfUnix = 1;
    public const int SockStream = 1;
    public const int SockCloexec = 0x80000;
    public const int SolSocket = 1;
    public const int ScmRights = 1;
    public const int MsgPeek = 0x2;
    public const int MsgDontWait = 0x40;
    public const int MsgNoSignal = 0x4000;
    public const int ShutWrite = 1;
    public const int Eintr = 4;
    public const int Eagain = 11;

    [StructLayout(LayoutKind.Sequential)]
    public struct IoVector
    {
        public void* Base;
        public nuint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    public struct MessageHeader
    {
        public void* Name;
        public uint NameLength;
        public IoVector* Vectors;
        public nuint VectorCount;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>sizeof(struct cmsghdr) on 64-bit Linux: size_t length, int level, int type.</summary>
    public const int ControlHeaderSize = 16;

    [LibraryImport("libc", EntryPoint = "socketpair", SetLastError = true)]
    public static partial int SocketPair(int domain, int type, int protocol, int* fds);

    [LibraryImport("libc", EntryPoint = "sendmsg", SetLastError = true)]
    public static partial nint SendMessage(int fd, MessageHeader* message, int flags);

    [LibraryImport("libc", EntryPoint = "send", SetLastError = true)]
    public static partial nint Send(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "recv", SetLastError = true)]
    public static partial nint Receive(int fd, byte* buffer, nuint length, int flags);

    [LibraryImport("libc", EntryPoint = "shutdown", SetLastError = true)]
    public static partial int Shutdown(int fd, int how);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    public static partial int Close(int fd);

    /// <summary>CMSG_SPACE for <paramref name="fdCount"/> descriptors.</summary>
    public static int ControlSpace(int fdCount) => ControlHeaderSize + ((fdCount * sizeof(int) + 7) & ~7);

    /// <summary>CMSG_LEN for <paramref name="fdCount"/> descriptors.</summary>
    public static int ControlLength(int fdCount) => ControlHeaderSize + fdCount * sizeof(int);

    /// <summary>
    /// One sendmsg of <paramref name="data"/> with <paramref name="fds"/> as a single SCM_RIGHTS message (none when
    /// empty). Returns the bytes sent; throws on failure so that a broken attack never passes as a refused one.
    /// </summary>
    public static int SendWithDescriptors(int socket, ReadOnlySpan<byte> data, ReadOnlySpan<int> fds)
    {
        if (data.Length == 0)
        {
            throw new ArgumentException("sendmsg needs at least one data byte to carry descriptors", nameof(data));
        }

        byte[] control = new byte[fds.Length == 0 ? 0 : ControlSpace(fds.Length)];
        if (fds.Length > 0)
        {
            Span<byte> header = control;
            BitConverter.TryWriteBytes(header[..8], (ulong)ControlLength(fds.Length));
            BitConverter.TryWriteBytes(header[8..12], SolSocket);
            BitConverter.TryWriteBytes(header[12..16], ScmRights);
            MemoryMarshal.AsBytes(fds).CopyTo(header[ControlHeaderSize..]);
        }

        fixed (byte* bytes = data)
        fixed (byte* controlBytes = control)
        {
            var vector = new IoVector { Base = bytes, Length = (nuint)data.Length };
            var message = new MessageHeader
            {
                Vectors = &vector,
                VectorCount = 1,
                Control = fds.Length == 0 ? null : controlBytes,
                ControlLength = (nuint)control.Length,
            };
            while (true)
            {
                nint sent = SendMessage(socket, &message, MsgNoSignal);
                if (sent >= 0)
                {
                    return (int)sent;
                }

                int errno = Marshal.GetLastPInvokeError();
                if (errno != Eintr)
                {
                    throw new InvalidOperationException($"sendmsg with {fds.Length} descriptors failed: errno {errno} ({Marshal.GetPInvokeErrorMessage(errno)})");
                }
            }
        }
    }
}
