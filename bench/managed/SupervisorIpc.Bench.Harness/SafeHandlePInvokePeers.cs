using System;
using System.Runtime.InteropServices;

namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// cs-pinvoke plus exactly what the generated bindings add to every socket call: the socket as a SafeHandle
/// (AddRef/Release around the call) and SetLastError marshalling. No facade locks, counters or checks: the step
/// between cs-pinvoke and cs-raw. Without descriptors.
/// </summary>
internal sealed unsafe partial class SafeHandlePInvokePeers : IPeers
{
    private const string Library = "supervisor_ipc";
    private readonly BenchSocketHandle _supervisor;
    private readonly BenchSocketHandle _child;

    public SafeHandlePInvokePeers(bool withFd)
    {
        if (withFd)
        {
            throw new ArgumentException("cs-pinvoke-sh passes no descriptor", nameof(withFd));
        }

        if (Pair(out _supervisor, out _child) != 0)
        {
            throw new InvalidOperationException("svipc_pair failed");
        }
    }

    public void ChildRoundTrip()
    {
        ChildSend();
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
        _child.Dispose();
        _supervisor.Dispose();
    }

    private static void Require(int status, string what)
    {
        if (status != 0)
        {
            throw new InvalidOperationException($"{what} failed with status {status}, errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport(Library, EntryPoint = "svipc_pair", SetLastError = true)]
    private static partial int Pair(out BenchSocketHandle supervisor, out BenchSocketHandle child);

    [LibraryImport(Library, EntryPoint = "svipc_close")]
    private static partial void SocketClose(nint socket);

    [LibraryImport(Library, EntryPoint = "svipc_send_frame", SetLastError = true)]
    private static partial int SendFrame(BenchSocketHandle socket, byte* payload, uint length);

    [LibraryImport(Library, EntryPoint = "svipc_recv_frame_borrowed", SetLastError = true)]
    private static partial int RecvFrameBorrowed(BenchSocketHandle socket, byte** payload, uint* length);

    /// <summary>Owns one svipc_socket, as the library's own handle type does.</summary>
    internal sealed class BenchSocketHandle : SafeHandle
    {
        public BenchSocketHandle()
            : base(0, ownsHandle: true)
        {
        }

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle()
        {
            SocketClose(handle);
            return true;
        }
    }
}
