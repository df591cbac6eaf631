using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using SupervisorIpc.Tests.Flow;
using static SupervisorIpc.Tests.Hostile.HostileSupport;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>
/// A child that can write near the roots, make namespaces and send odd descriptors attacks a
/// <see cref="SupervisorService"/> confined by a <see cref="PolicyApprovalBackend"/>, as the README starts it.
/// </summary>
[TestFixture]
[Platform(Include = "Linux")]
[CancelAfter(120_000)]
public sealed class ConfinementAttackTests
{
    private GrantTree _tree = null!;

    [SetUp]
    public void CreateTree() => _tree = new GrantTree();

    [TearDown]
    public void RemoveTree() => _tree.Dispose();

    private static string Read(SafeFileHandle file)
    {
        using var stream = new FileStream(file, FileAccess.Read);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static AccessDeniedException Denied(ServiceHarness harness, string path, AccessMode access = AccessMode.Read) =>
        Assert.Throws<AccessDeniedException>(() => harness.Client.RequestAccess(path, access).Dispose())!;

    private static void Run(string program, params string[] arguments)
    {
        using SupervisedChild child = SupervisedChild.Start(program, arguments);
        Assert.That(child.WaitForExit(TimeSpan.FromSeconds(30)).ExitCode, Is.Zero, $"{program} {string.Join(' ', arguments)}");
    }

    [Test]
    public async Task A_root_renamed_and_replaced_by_a_symlink_still_confines_to_the_original_directory()
    {
        File.WriteAllText(Path.Combine(_tree.Outside, "file.txt"), "outside, same name\n");
        await using var harness = new ServiceHarness(new SupervisorServiceOptions
        {
            ApprovalBackend = new PolicyApprovalBackend(new PathRule(_tree.Allowed, AccessMode.ReadWrite)),
        });

        // The child owns the parent of the root: it moves the root away and puts a symlink to elsewhere in its place.
        Directory.Move(_tree.Allowed, _tree.In("moved-away"));
        File.CreateSymbolicLink(_tree.Allowed, _tree.Outside);

        using (SafeFileHandle file = harness.Client.RequestAccess(Path.Combine(_tree.Allowed, "file.txt"), AccessMode.Read))
        {
            Assert.That(Read(file), Is.EqualTo("allowed content\n"), "the held root, not what its name leads to now");
        }

        Assert.That(Denied(harness, Path.Combine(_tree.Allowed, "secret.txt"), AccessMode.ReadWrite).Reason, Is.EqualTo(SupervisorService.NotAvailable));
        Assert.That(File.ReadAllText(Path.Combine(_tree.Outside, "secret.txt")), Is.EqualTo("secret\n"));
    }

    [Test]
    public async Task The_backend_decides_on_the_resolved_path_not_on_the_text()
    {
        string auto = Path.Combine(_tree.Allowed, "auto");
        string private_ = Path.Combine(_tree.Allowed, "private");
        Directory.CreateDirectory(auto);
        Directory.CreateDirectory(private_);
        File.WriteAllText(Path.Combine(auto, "open.txt"), "open\n");
        File.WriteAllText(Path.Combine(private_, "keys.txt"), "keys\n");
        File.CreateSymbolicLink(Path.Combine(auto, "shortcut"), "../private");

        ApprovalRequest? seen = null;
        var backend = new CallbackApprovalBackend(request =>
        {
            seen = request;
            // Auto-approve everything under auto/; anything else would need a prompt, which says no here.
            return PathPolicy.IsWithin(request.Resolved!.Path, auto)
                ? ApprovalDecision.Granted.Instance
                : new ApprovalDecision.Denied("needs a prompt");
        });
        await using var harness = new ServiceHarness(new SupervisorServiceOptions
        {
            ApprovalBackend = backend,
            Confinement = new PathPolicy([new PathRule(_tree.Allowed, AccessMode.Read)]),
        });

        using (SafeFileHandle file = harness.Client.RequestAccess(Path.Combine(auto, "open.txt"), AccessMode.Read))
        {
            Assert.That(Read(file), Is.EqualTo("open\n"));
        }

        string throughLink = Path.Combine(auto, "shortcut", "keys.txt");
        Assert.That(Denied(harness, throughLink).Reason, Is.EqualTo("needs a prompt"));
        Assert.That(seen!.Capability.Path, Is.EqualTo(throughLink));
        Assert.That(seen.Resolved!.Path, Is.EqualTo(Path.Combine(private_, "keys.txt")));
        var info = new FileInfo(Path.Combine(private_, "keys.txt"));
        Assert.That(seen.Resolved.LinkCount, Is.EqualTo(1u));
        Assert.That((UnixFileMode)(seen.Resolved.Mode & 0x1FF), Is.EqualTo(info.UnixFileMode));
        await harness.FinishAsync();
        AuditEvent denied = harness.Audit.Events.Last();
        Assert.That(denied.Resolved!.Path, Is.EqualTo(Path.Combine(private_, "keys.txt")));
        Assert.That(denied.ToString(), Does.Contain(" -> " + Path.Combine(private_, "keys.txt")));
    }

    [Test]
    public async Task Outside_missing_and_wrong_type_get_one_reason_and_the_audit_keeps_which()
    {
        Run("mkfifo", Path.Combine(_tree.Outside, "fifo"));
        File.CreateSymbolicLink(Path.Combine(_tree.Allowed, "to-fifo"), "../outside/fifo");
        await using var harness = new ServiceHarness(new SupervisorServiceOptions
        {
            ApprovalBackend = new PolicyApprovalBackend(new PathRule(_tree.Allowed, AccessMode.Read)),
            RequestBurst = 50, // six requests back to back
        });
        string[] probes =
        [
            Path.Combine(_tree.Outside, "secret.txt"),          // outside, exists
            Path.Combine(_tree.Outside, "no-such-file"),        // outside, missing
            Path.Combine(_tree.Allowed, "link-out", "secret.txt"), // through a symlink out
            Path.Combine(_tree.Allowed, "to-fifo"),             // a FIFO outside, through a symlink
            Path.Combine(_tree.Allowed, "no-such-file"),        // inside, missing
            Path.Combine(_tree.Allowed, "sub"),                 // inside, a directory
        ];
        foreach (string probe in probes)
        {
            Assert.That(Denied(harness, probe).Reason, Is.EqualTo(SupervisorService.NotAvailable), probe);
        }

        await harness.FinishAsync();
        string?[] details = harness.Audit.Events.Select(e => e.Detail).ToArray();
        Assert.That(details, Is.EqualTo(new[]
        {
            "the path resolves outside the allowed roots",
            "the path resolves outside the allowed roots",
            "the path resolves outside the allowed roots",
            "the path resolves outside the allowed roots",
            "the file does not exist",
            "the path is not a regular file",
        }));
    }

    [Test]
    public async Task A_hard_link_to_an_outside_file_is_refused_unless_allowed()
    {
        string hard = Path.Combine(_tree.Allowed, "hard");
        Run("ln", Path.Combine(_tree.Outside, "secret.txt"), hard);
        await using (var strict = new ServiceHarness(new SupervisorServiceOptions
        {
            ApprovalBackend = new PolicyApprovalBackend(new PathRule(_tree.Allowed, AccessMode.Read)),
        }))
        {
            Assert.That(Denied(strict, hard).Reason, Is.EqualTo(SupervisorService.NotAvailable));
            await strict.FinishAsync();
            Assert.That(strict.Audit.AtLeast(1).Single().Detail, Does.Contain("more than one hard link"));
        }

        await using var lenient = new ServiceHarness(new SupervisorServiceOptions
        {
            ApprovalBackend = new PolicyApprovalBackend(new PathRule(_tree.Allowed, AccessMode.Read)),
            AllowHardLinks = true,
        });
        using SafeFileHandle file = lenient.Client.RequestAccess(hard, AccessMode.Read);
        Assert.That(Read(file), Is.EqualTo("secret\n"));
    }

    [Test]
    public void A_missing_root_is_refused_when_the_service_is_created()
    {
        var options = new SupervisorServiceOptions
        {
            ApprovalBackend = new PolicyApprovalBackend(new PathRule(_tree.In("not-there"), AccessMode.Read)),
        };
        ArgumentException refused = Assert.Throws<ArgumentException>(() => new SupervisorService(options).Dispose())!;
        Assert.That(refused.Message, Does.Contain("not-there"));
    }

    /// <summary>A loopback TCP connection with a full send queue whose close() would linger for a minute.</summary>
    private static (Socket Lingering, Socket Server, Socket Listener) LingeringSocket()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { SendBufferSize = 4096 };
        client.Connect(listener.LocalEndPoint!);
        Socket server = listener.Accept();
        server.ReceiveBufferSize = 4096;
        client.Blocking = false;
        byte[] junk = new byte[65536];
        try
        {
            while (true)
            {
                client.Send(junk);
            }
        }
        catch (SocketException full) when (full.SocketErrorCode == SocketError.WouldBlock)
        {
        }

        client.Blocking = true;
        client.LingerState = new LingerOption(true, 60);
        return (client, server, listener);
    }

    [Test]
    public async Task A_lingering_socket_sent_unasked_holds_neither_serving_nor_Dispose()
    {
        var (lingering, server, listener) = LingeringSocket();
        using (server)
        using (listener)
        {
            var service = new SupervisorService(new SupervisorServiceOptions
            {
                ApprovalBackend = new PolicyApprovalBackend(new PathRule(_tree.Allowed, AccessMode.Read)),
            });
            var (supervisor, child) = SupervisorSocket.CreatePair();
            supervisor.ReadTimeout = TimeSpan.FromSeconds(2);
            supervisor.SendTimeout = TimeSpan.FromSeconds(2);
            using (child)
            {
                // Two carriers nobody asked for: the second is a protocol violation, and both are closed by the library.
                child.SendFileDescriptor(lingering.SafeHandle);
                child.SendFileDescriptor(lingering.SafeHandle);
                lingering.Dispose(); // the supervisor now holds the last references
                var clock = Stopwatch.StartNew();
                Exception? fault = await FaultOf(service.ServeAsync(supervisor), 20, "serving a lingering socket");
                TimeSpan serving = clock.Elapsed;
                Assert.That(fault, Is.InstanceOf<SupervisorIpcException>(), fault?.ToString());
                clock.Restart();
                supervisor.Dispose();
                TimeSpan dispose = clock.Elapsed;
                TestContext.Out.WriteLine($"serving ended after {serving.TotalMilliseconds:0} ms, Dispose took {dispose.TotalMilliseconds:0} ms (linger 60 s)");
                Assert.That(serving, Is.LessThan(TimeSpan.FromSeconds(20)));
                Assert.That(dispose, Is.LessThan(TimeSpan.FromSeconds(20)));
            }

            service.Dispose();
        }
    }

    [Test]
    public async Task Audit_lines_escape_what_the_child_wrote()
    {
        await using var harness = new ServiceHarness(new SupervisorServiceOptions
        {
            ApprovalBackend = new PolicyApprovalBackend(new PathRule(_tree.Allowed, AccessMode.Read)),
        });
        string forged = Path.Combine(_tree.Allowed, "x\nGranted Read /etc/shadow (req-9) by policy\u202E");
        Assert.That(Denied(harness, forged).Reason, Is.EqualTo(SupervisorService.NotAvailable));
        await harness.FinishAsync();
        string line = harness.Audit.AtLeast(1).Single().ToString();
        Assert.That(line.Contains('\n', StringComparison.Ordinal), Is.False);
        Assert.That(line.Contains('\u202E', StringComparison.Ordinal), Is.False);
        Assert.That(line, Does.Contain("x\\u{000A}Granted Read /etc/shadow").And.Contain("\\u{202E}"));
        Assert.That(line, Does.StartWith("Denied Read "));
        Assert.That(AuditText.Escape("a\\b\u0085c\u0007"), Is.EqualTo("a\\\\b\\u{0085}c\\u{0007}"));
    }

    private static string TestChildDll()
    {
        string childDll = Path.Combine(TestContext.CurrentContext.TestDirectory, "SupervisorIpc.TestChild.dll");
        Assert.That(File.Exists(childDll), Is.True, $"{childDll} is built with the tests");
        return childDll;
    }

    private static string DotnetHost() =>
        Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";

    /// <summary>The test child in new user and PID namespaces (pid 1 there), asking through its inherited socket.</summary>
    private async Task<(string[] Lines, AuditEvent Audit)> GrantInPidNamespace(ChildPidVerification verification)
    {
        string file = Path.Combine(_tree.Allowed, "file.txt");
        var service = new SupervisorService(new SupervisorServiceOptions
        {
            ApprovalBackend = new PolicyApprovalBackend(new PathRule(_tree.Allowed, AccessMode.Read)),
            ChildPidVerification = verification,
        });
        AuditEvent? audit = null;
        using IDisposable subscription = service.Subscribe(new AuditCollector(e => audit = e));
        string report = _tree.In("report.txt");
        var start = new SupervisedChildStartInfo("unshare");
        foreach (string argument in new[] { "--user", "--map-root-user", "--pid", "--fork", "--", DotnetHost(), TestChildDll(), "grant-inherited", file, report })
        {
            start.Arguments.Add(argument);
        }

        using SupervisedChild child = SupervisedChild.Start(start);
        await Within(service.ServeAsync(child), 60, "serving the namespaced child");
        Assert.That((await child.WaitForExitAsync()).ExitCode, Is.Zero);
        service.Dispose();
        string[] lines = File.ReadAllLines(report);
        File.Delete(report);
        return (lines, audit!);
    }

    [Test]
    public async Task A_child_in_a_pid_namespace_on_a_pair_is_denied_by_default_and_served_when_the_pair_is_trusted()
    {
        var (strictLines, strictAudit) = await GrantInPidNamespace(ChildPidVerification.Kernel);
        Assert.That(strictLines, Does.Contain("pid=1"), "the child sees itself as pid 1");
        Assert.That(strictLines, Does.Contain("denied=child_pid does not match the supervised child"));
        Assert.That(strictAudit.DecidedBy, Is.EqualTo(AuditDecider.Identity));

        var (trustedLines, trustedAudit) = await GrantInPidNamespace(ChildPidVerification.TrustConnection);
        Assert.That(trustedLines, Does.Contain("content=allowed content"));
        Assert.That(trustedAudit.Outcome, Is.EqualTo(AuditOutcome.Granted));
    }

    [TestCase(ChildPidVerification.Kernel, false)]
    [TestCase(ChildPidVerification.TrustConnection, true)]
    public async Task On_a_path_connection_child_pid_is_checked_against_the_kernel(ChildPidVerification verification, bool granted)
    {
        string directory = Transport.SocketTestSupport.CreateShortTempDirectory();
        try
        {
            string socketPath = Path.Combine(directory, "s.sock");
            using UncheckedSupervisorListener listener = SupervisorSocket.Bind(socketPath);
            var start = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (string argument in new[] { "--user", "--map-root-user", "--pid", "--fork", "--", DotnetHost(), TestChildDll(), "grant", socketPath, Path.Combine(_tree.Allowed, "file.txt"), "ns-1" })
            {
                start.ArgumentList.Add(argument);
            }

            using Process child = Process.Start(start)!;
            Task<string> output = child.StandardOutput.ReadToEndAsync();
            using SupervisorSocket connection = listener.Accept(TimeSpan.FromSeconds(60));
            connection.ReadTimeout = TimeSpan.FromSeconds(60);
            var service = new SupervisorService(new SupervisorServiceOptions
            {
                ApprovalBackend = new PolicyApprovalBackend(new PathRule(_tree.Allowed, AccessMode.Read)),
                ChildPidVerification = verification,
            });
            AuditEvent? audit = null;
            using (service.Subscribe(new AuditCollector(e => audit = e)))
            {
                await Within(service.ServeAsync(connection), 60, "serving the namespaced child");
            }

            service.Dispose();
            Assert.That(child.WaitForExit(TimeSpan.FromSeconds(60)), Is.True);
            string text = await output;
            Assert.That(text, Does.Contain("pid=1"));
            Assert.That(audit!.Peer!.Value.Pid, Is.Not.EqualTo(1), "the kernel reports the pid the supervisor sees");
            Assert.That(audit.Outcome, Is.EqualTo(granted ? AuditOutcome.Granted : AuditOutcome.Denied), text);
            Assert.That(text, granted ? Does.Contain("content=allowed content") : Does.Contain("child_pid does not match"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void A_peer_pidfd_names_the_peer_process()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            SafeFileHandle pidfd;
            try
            {
                pidfd = supervisor.OpenPeerPidFd();
            }
            catch (SupervisorSocketException unsupported) when (unsupported.Error == SupervisorIpcError.Unsupported)
            {
                Assert.Ignore("this kernel has no SO_PEERPIDFD (Linux < 6.5)");
                return;
            }

            using (pidfd)
            {
                string pidLine = File.ReadAllLines($"/proc/self/fdinfo/{pidfd.DangerousGetHandle()}").Single(l => l.StartsWith("Pid:", StringComparison.Ordinal));
                Assert.That(int.Parse(pidLine["Pid:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(Environment.ProcessId));
            }
        }
    }

    private sealed class AuditCollector(Action<AuditEvent> onNext) : IObserver<AuditEvent>
    {
        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void OnNext(AuditEvent value) => onNext(value);
    }
}
