using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Transport;

/// <summary>Helpers shared by the socket tests: short socket paths, descriptor flags, credentials of this process.</summary>
internal static class SocketTestSupport
{
    /// <summary>Linux O_CLOEXEC as /proc/self/fdinfo prints it (octal 02000000).</summary>
    public const int CloseOnExecFlag = 0x80000;

    /// <summary>
    /// Where tests make their folders: TMPDIR when it is short (./build.sh test points it at a folder of its own and
    /// fails the run if a test leaves anything there), else /tmp. sun_path is 108 bytes, so a long base would not do.
    /// </summary>
    public static string ShortTempRoot =>
        Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 and <= 40 } root && Path.IsPathRooted(root) ? root : "/tmp";

    /// <summary>A fresh private directory under <see cref="ShortTempRoot"/>; the test removes it when done.</summary>
    public static string CreateShortTempDirectory()
    {
        return TempDirectories.Make(Path.Combine(ShortTempRoot, "svipc-" + Guid.NewGuid().ToString("N")[..12]));
    }

    /// <summary>The <c>flags:</c> field of /proc/self/fdinfo/<paramref name="fd"/>.</summary>
    public static int DescriptorFlags(int fd)
    {
        string line = File.ReadAllLines($"/proc/self/fdinfo/{fd}").Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
        return Convert.ToInt32(line["flags:".Length..].Trim(), 8);
    }

    public static bool IsCloseOnExec(int fd) => (DescriptorFlags(fd) & CloseOnExecFlag) != 0;

    public static bool IsOpen(int fd) => File.Exists($"/proc/self/fdinfo/{fd}");

    /// <summary>Effective uid and gid of this process, from /proc/self/status.</summary>
    public static (uint Uid, uint Gid) EffectiveIds()
    {
        string[] lines = File.ReadAllLines("/proc/self/status");
        uint Field(string name) => uint.Parse(
            lines.Single(l => l.StartsWith(name, StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2],
            CultureInfo.InvariantCulture);
        return (Field("Uid:"), Field("Gid:"));
    }

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static string ReceiveText(SupervisorSocket socket)
    {
        byte[] buffer = new byte[SupervisorSocket.MaxPayloadLength];
        int length = socket.ReceiveFrame(buffer);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    /// <summary>A .NET socket connected to <paramref name="path"/>.</summary>
    public static System.Net.Sockets.Socket ConnectRaw(string path)
    {
        var socket = new System.Net.Sockets.Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(path));
        return socket;
    }

    /// <summary>A connected pair where one end is a plain .NET socket, for writing raw (even broken) bytes.</summary>
    public static (SupervisorSocket Wrapped, System.Net.Sockets.Socket Raw, UncheckedSupervisorListener Listener) RawPeer(string directory)
    {
        UncheckedSupervisorListener listener = SupervisorSocket.Bind(Path.Combine(directory, "raw.sock"));
        System.Net.Sockets.Socket raw = ConnectRaw(listener.Path);
        SupervisorSocket wrapped = listener.Accept(TimeSpan.FromSeconds(10));
        return (wrapped, raw, listener);
    }

    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        byte[] frame = new byte[4 + payload.Length];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(4));
        return frame;
    }

    public static void AssertSocketError(SupervisorIpcError expected, TestDelegate action)
    {
        SupervisorSocketException? error = Assert.Throws(Is.InstanceOf<SupervisorSocketException>(), action) as SupervisorSocketException;
        Assert.That(error!.Error, Is.EqualTo(expected), error.Message);
    }

    public static bool IsLinux => RuntimeInformation.IsOSPlatform(OSPlatform.Linux);
}
