using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using SupervisorIpc.Tests.Messages;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>The ways a test can receive from a library socket; every hostile input is tried through each.</summary>
public enum ReceiveKind
{
    /// <summary><see cref="SupervisorSocket.ReceiveMessage"/> (typed, child-to-supervisor).</summary>
    Message,

    /// <summary><see cref="SupervisorSocket.ReceiveResponse"/> (typed, supervisor-to-child).</summary>
    Response,

    /// <summary><see cref="SupervisorSocket.ReceiveFrame(Span{byte})"/> into a 64 KiB buffer.</summary>
    RawSpan,

    /// <summary><see cref="SupervisorSocket.ReceiveFrame(IBufferWriter{byte})"/>.</summary>
    RawWriter,
}

/// <summary>Frames, descriptors, process accounting and bounded waits shared by the hostile-peer tests.</summary>
internal static class HostileSupport
{
    /// <summary>Every library socket in this suite gets this read/send timeout, so that a bug fails a test instead of hanging the run.</summary>
    public static readonly TimeSpan GuardTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Linux O_CLOEXEC as /proc/self/fdinfo prints it (octal 02000000).</summary>
    public const int CloseOnExecFlag = 0x80000;

    public static readonly ReceiveKind[] AllReceiveKinds = Enum.GetValues<ReceiveKind>();

    /// <summary>The reference's own Request frame payload (wire-vectors.tsv, request_read).</summary>
    public static byte[] RequestPayload => WireVectors.Named("request_read").Payload;

    /// <summary>The reference's own Denied decision payload (wire-vectors.tsv, decision_denied).</summary>
    public static byte[] DeniedPayload => WireVectors.Named("decision_denied").Payload;

    public static byte[] Prefix(uint length)
    {
        byte[] prefix = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(prefix, length);
        return prefix;
    }

    public static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        byte[] frame = new byte[4 + payload.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(4));
        return frame;
    }

    public static byte[] Frame(string json) => Frame(Encoding.UTF8.GetBytes(json));

    /// <summary>A frame that is valid for <paramref name="kind"/>, so that a later receive would succeed on an intact stream.</summary>
    public static byte[] ValidFrameFor(ReceiveKind kind) => Frame(kind == ReceiveKind.Response ? DeniedPayload : RequestPayload);

    /// <summary>Receives once the way <paramref name="kind"/> says; returns the payload length (or -1 for typed receives).</summary>
    public static int Receive(SupervisorSocket socket, ReceiveKind kind)
    {
        switch (kind)
        {
            case ReceiveKind.Message:
                _ = socket.ReceiveMessage();
                return -1;
            case ReceiveKind.Response:
                _ = socket.ReceiveResponse();
                return -1;
            case ReceiveKind.RawSpan:
                return socket.ReceiveFrame(new byte[SupervisorSocket.MaxPayloadLength]);
            default:
                return socket.ReceiveFrame(new ArrayBufferWriter<byte>());
        }
    }

    /// <summary>Asserts that <paramref name="action"/> throws a socket error with <paramref name="expected"/> (and nothing else).</summary>
    public static SupervisorSocketException ExpectSocketError(SupervisorIpcError expected, TestDelegate action, string? context = null)
    {
        Exception? thrown = null;
        try
        {
            action();
        }
        catch (Exception error)
        {
            thrown = error;
        }

        Assert.That(thrown, Is.InstanceOf<SupervisorSocketException>(), $"{context}: expected {expected}, got {thrown?.GetType().Name ?? "no exception"}: {thrown?.Message}");
        var socketError = (SupervisorSocketException)thrown!;
        Assert.That(socketError.Error, Is.EqualTo(expected), $"{context}: {socketError.Message}");
        return socketError;
    }

    /// <summary>Asserts that a typed receive rejects the payload with the codec's format exception (and nothing else).</summary>
    public static void ExpectFormatError(TestDelegate action, string? context = null)
    {
        Exception? thrown = null;
        try
        {
            action();
        }
        catch (Exception error)
        {
            thrown = error;
        }

        Assert.That(thrown, Is.InstanceOf<SupervisorMessageFormatException>(), $"{context}: got {thrown?.GetType().Name ?? "no exception"}: {thrown?.Message}");
    }

    /// <summary>Open descriptors of this process, without the runtime's own lazily opened ones (see <see cref="DescriptorCount"/>).</summary>
    public static int OpenDescriptorCount() => DescriptorCount.Open();

    private static bool IsRuntimeAssembly(string target) => target.EndsWith(".dll", StringComparison.Ordinal);

    public static bool IsOpen(int fd) => File.Exists($"/proc/self/fdinfo/{fd}");

    /// <summary>Every open descriptor and what it refers to, to name the culprits when a count differs.</summary>
    public static System.Collections.Generic.Dictionary<int, string> DescriptorTable()
    {
        var table = new System.Collections.Generic.Dictionary<int, string>();
        foreach (string entry in Directory.GetFiles("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int fd))
            {
                try
                {
                    table[fd] = new FileInfo(entry).LinkTarget ?? "?";
                }
                catch (IOException)
                {
                    // Closed while listing (e.g. the enumeration's own descriptor).
                }
            }
        }

        return table;
    }

    /// <summary>Descriptors open now that were not open (with the same target) in <paramref name="before"/>.</summary>
    public static string NewDescriptors(System.Collections.Generic.Dictionary<int, string> before) =>
        string.Join(", ", DescriptorTable()
            .Where(e => !IsRuntimeAssembly(e.Value) && (!before.TryGetValue(e.Key, out string? target) || target != e.Value))
            .Select(e => $"{e.Key} -> {e.Value}"));

    /// <summary>Whether <paramref name="fd"/> has FD_CLOEXEC, read from the <c>flags:</c> line of /proc/self/fdinfo.</summary>
    public static bool IsCloseOnExec(int fd)
    {
        string line = File.ReadLines($"/proc/self/fdinfo/{fd}").First(l => l.StartsWith("flags:", StringComparison.Ordinal));
        return (Convert.ToInt32(line["flags:".Length..].Trim(), 8) & CloseOnExecFlag) != 0;
    }

    /// <summary>Fresh close-on-exec descriptors of /dev/null, to attach to attacks.</summary>
    public static SafeFileHandle[] OpenNullDescriptors(int count) =>
        Enumerable.Range(0, count).Select(_ => File.OpenHandle("/dev/null")).ToArray();

    public static int[] Numbers(SafeFileHandle[] handles) => handles.Select(h => (int)h.DangerousGetHandle()).ToArray();

    public static void CloseAll(SafeFileHandle[] handles)
    {
        foreach (SafeFileHandle handle in handles)
        {
            handle.Dispose();
        }
    }

    /// <summary>Anonymous resident memory of this process in bytes (RssAnon of /proc/self/status): what a leak would grow.</summary>
    public static long AnonymousResidentBytes()
    {
        string line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("RssAnon:", StringComparison.Ordinal));
        string kilobytes = line["RssAnon:".Length..].Trim().Split(' ')[0];
        return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
    }

    /// <summary>Managed heap after a full blocking collection.</summary>
    public static long ManagedHeapBytes()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    /// <summary>Awaits <paramref name="task"/> or fails the test after <paramref name="seconds"/>.</summary>
    public static async Task Within(Task task, double seconds, string what)
    {
        Task finished = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(seconds))).ConfigureAwait(false);
        Assert.That(finished, Is.SameAs(task), $"{what} did not finish within {seconds} s");
        await task.ConfigureAwait(false);
    }

    /// <summary>Awaits the end of <paramref name="task"/> (fails after <paramref name="seconds"/>) and returns what it threw, or null.</summary>
    public static async Task<Exception?> FaultOf(Task task, double seconds, string what)
    {
        Task finished = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(seconds))).ConfigureAwait(false);
        Assert.That(finished, Is.SameAs(task), $"{what} did not finish within {seconds} s");
        try
        {
            await task.ConfigureAwait(false);
            return null;
        }
        catch (Exception error)
        {
            return error;
        }
    }

    /// <summary>Reads a positive integer from the environment, or <paramref name="fallback"/>.</summary>
    public static long EnvironmentLong(string name, long fallback) =>
        long.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out long value) && value > 0
            ? value
            : fallback;

    /// <summary>A fresh short directory (socket paths must fit in 108 bytes) under the run's TMPDIR, removed at the end of the run.</summary>
    public static string CreateShortTempDirectory() => Transport.SocketTestSupport.CreateShortTempDirectory();

    /// <summary>Spins (with short sleeps) until <paramref name="condition"/> holds or the deadline passes.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan within)
    {
        DateTime deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            Thread.Sleep(5);
        }

        return true;
    }
}
