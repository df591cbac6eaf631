using System;
using System.Collections.Concurrent;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Flow;

/// <summary>Paths to the native helper programs, scratch trees, descriptor accounting and a manual clock.</summary>
internal static class FlowTestSupport
{
    /// <summary>The repository root (the directory holding SupervisorIpc.slnx).</summary>
    public static string RepoRoot
    {
        get
        {
            var directory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "SupervisorIpc.slnx")))
            {
                directory = directory.Parent;
            }

            return directory?.FullName ?? throw new InvalidOperationException("The tests do not run from inside the repository.");
        }
    }

    /// <summary>A program built by the native build (artifacts/native/release/bin); the test fails if it is missing.</summary>
    public static string NativeProgram(string name)
    {
        string path = Path.Combine(RepoRoot, "artifacts", "native", "release", "bin", name);
        Assert.That(File.Exists(path), Is.True, $"{path} is built by ./build.sh build (native)");
        return path;
    }

    /// <summary>The demo's C# child, built with the solution.</summary>
    public static string DemoChildDll
    {
        get
        {
            var output = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            string path = Path.Combine(RepoRoot, "artifacts", "bin", "SupervisorIpc.Demo.Child", output.Parent!.Name, output.Name, "SupervisorIpc.Demo.Child.dll");
            Assert.That(File.Exists(path), Is.True, $"{path} is built with the solution");
            return path;
        }
    }

    /// <summary>The dotnet host running the tests, to start other .NET programs with.</summary>
    public static string DotnetHost =>
        Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";

    /// <summary>A fresh short private directory (socket paths must fit in 108 bytes); the test removes it when done.</summary>
    public static string CreateTempDirectory()
    {
        return TempDirectories.Make(Path.Combine(SupervisorIpc.Tests.Transport.SocketTestSupport.ShortTempRoot, "svipc-flow-" + Guid.NewGuid().ToString("N")[..10]));
    }

    /// <summary>Number of open descriptors of this process.</summary>
    public static int OpenDescriptorCount() => DescriptorCount.Open();

    /// <summary>Whether the descriptor is close-on-exec, from /proc/self/fdinfo.</summary>
    public static bool IsCloseOnExec(int fd)
    {
        string line = File.ReadAllLines($"/proc/self/fdinfo/{fd}").Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
        return (Convert.ToInt32(line["flags:".Length..].Trim(), 8) & 0x80000) != 0;
    }

    /// <summary>Effective uid of this process, from /proc/self/status.</summary>
    public static uint EffectiveUid()
    {
        string line = File.ReadAllLines("/proc/self/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        return uint.Parse(line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture);
    }

    /// <summary>Awaits a task with a generous limit, so that a hang fails the test instead of stalling the run.</summary>
    public static async Task<T> Within<T>(Task<T> task, int seconds = 30)
    {
        Task finished = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(seconds))).ConfigureAwait(false);
        Assert.That(finished, Is.SameAs(task), $"did not finish within {seconds} s");
        return await task.ConfigureAwait(false);
    }

    /// <summary>Awaits a task with a generous limit.</summary>
    public static async Task Within(Task task, int seconds = 30)
    {
        Task finished = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(seconds))).ConfigureAwait(false);
        Assert.That(finished, Is.SameAs(task), $"did not finish within {seconds} s");
        await task.ConfigureAwait(false);
    }
}

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualTimeProvider : TimeProvider
{
    private long _ticks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(Interlocked.Read(ref _ticks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>
/// A scratch tree for grants: base/allowed/{file.txt, other.txt, sub/, link-out -> base/outside, last-link -> file.txt,
/// pipe (FIFO)}, base/outside/secret.txt, base/allowed-evil/file.txt.
/// </summary>
internal sealed class GrantTree : IDisposable
{
    public GrantTree()
    {
        Base = FlowTestSupport.CreateTempDirectory();
        Allowed = Path.Combine(Base, "allowed");
        Outside = Path.Combine(Base, "outside");
        Directory.CreateDirectory(Path.Combine(Allowed, "sub"));
        Directory.CreateDirectory(Outside);
        Directory.CreateDirectory(Path.Combine(Base, "allowed-evil"));
        File.WriteAllText(Path.Combine(Allowed, "file.txt"), "allowed content\n");
        File.WriteAllText(Path.Combine(Allowed, "other.txt"), "other content\n");
        File.WriteAllText(Path.Combine(Outside, "secret.txt"), "secret\n");
        File.WriteAllText(Path.Combine(Base, "allowed-evil", "file.txt"), "evil\n");
        File.CreateSymbolicLink(Path.Combine(Allowed, "link-out"), Outside);
        File.CreateSymbolicLink(Path.Combine(Allowed, "last-link"), "file.txt");
    }

    public string Base { get; }

    public string Allowed { get; }

    public string Outside { get; }

    public string In(string relative) => Path.Combine(Base, relative);

    public void Dispose() => Directory.Delete(Base, recursive: true);
}

/// <summary>Audit events collected from a service.</summary>
internal sealed class AuditLog : IObserver<AuditEvent>
{
    public ConcurrentQueue<AuditEvent> Events { get; } = new();

    public void OnCompleted()
    {
    }

    public void OnError(Exception error)
    {
    }

    public void OnNext(AuditEvent value) => Events.Enqueue(value);

    /// <summary>
    /// The events, once at least <paramref name="count"/> are in (30 s at most): the service audits a message after
    /// its answer is sent, so a child that has its answer may be ahead of the audit.
    /// </summary>
    public AuditEvent[] AtLeast(int count)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (Events.Count < count && waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            Thread.Sleep(1);
        }

        return Events.ToArray();
    }
}
