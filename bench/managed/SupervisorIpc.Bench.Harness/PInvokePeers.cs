using System;
using System.Runtime.InteropServices;

namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// The least managed code can do over the C library: its own blittable P/Invokes on raw svipc_socket pointers,
/// no SafeHandle, no SetLastError, no locks, pre-encoded bytes. Separates what any managed caller pays for the
/// transitions into native code from what the facade adds on top (compare with cs-raw and c-lib).
/// </summary>
internal sealed unsafe partial class PInvokePeers : IPeers
{
    private const string Library = "supervisor_ipc";
    private readonly nint _supervisor;
    private readonly nint _child;
    private readonly int _grantedFile;
    private readonly bool _withFd;

    public PInvokePeers(bool withFd)
    {
        nint supervisor, child;
        if (Pair(&supervisor, &child) != 0)
        {
            throw new InvalidOperationException("svipc_pair failed");
        }

        (_supervisor, _child) = (supervisor, child);
        _grantedFile = Open(Payloads.GrantedFile, 0x80000 /* O_RDONLY | O_CLOEXEC */);
        _withFd = withFd;
    }

    public void ChildRoundTrip()
    {
        fixed (byte* request = Payloads.RequestBytes)
        {
            Require(SendFrame(_child, request, (uint)Payloads.RequestBytes.Length), "child send");
        }

        if (_withFd)
        {
            int fd;
            Require(RecvFd(_child, &fd), "child receive descriptor");
            _ = Close(fd);
        }

        byte* payload;
        uint length;
        Require(RecvFrameBorrowed(_child, &payload, &length), "child receive");
        if (length != (uint)Payloads.DecisionBytes.Length)
        {
            throw new InvalidOperationException("unexpected decision length");
        }
    }

    public void SupervisorRoundTrip()
    {
        SupervisorReceive();
        if (_withFd)
        {
            Require(SendFd(_supervisor, _grantedFile), "supervisor send descriptor");
        }

        fixed (byte* decision = Payloads.DecisionBytes)
        {
            Require(SendFrame(_supervisor, decision, (uint)Payloads.DecisionBytes.Length), "supervisor send");
        }
    }

    public void ChildSend()
    {
        fixed (byte* request = Payloads.RequestBytes)
        {
            Require(SendFrame(_child, request, (uint)Payloads.RequestBytes.Length), "child send");
        }
    }

    public void SupervisorReceive()
    {
        byte* payload;
        uint length;
        Require(RecvFrameBorrowed(_supervisor, &payload, &length), "supervisor receive");
        if (length != (uint)Payloads.RequestBytes.Length)
        {
            throw new InvalidOperationException("unexpected request length");
        }
    }

    public void Dispose()
    {
        SocketClose(_child);
        SocketClose(_supervisor);
        _ = Close(_grantedFile);
    }

    private static void Require(int status, string what)
    {
        if (status != 0)
        {
            throw new InvalidOperationException($"{what} failed with status {status}");
        }
    }

    [LibraryImport(Library, EntryPoint = "svipc_pair")]
    private static partial int Pair(nint* supervisor, nint* child);

    [LibraryImport(Library, EntryPoint = "svipc_close")]
    private static partial void SocketClose(nint socket);

    [LibraryImport(Library, EntryPoint = "svipc_send_frame")]
    private static partial int SendFrame(nint socket, byte* payload, uint length);

    [LibraryImport(Library, EntryPoint = "svipc_recv_frame_borrowed")]
    private static partial int RecvFrameBorrowed(nint socket, byte** payload, uint* length);

    [LibraryImport(Library, EntryPoint = "svipc_send_fd")]
    private static partial int SendFd(nint socket, int fd);

    [LibraryImport(Library, EntryPoint = "svipc_recv_fd")]
    private static partial int RecvFd(nint socket, int* fd);

    [LibraryImport("libc.so.6", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc.so.6", EntryPoint = "close")]
    private static partial int Close(int fd);
}
