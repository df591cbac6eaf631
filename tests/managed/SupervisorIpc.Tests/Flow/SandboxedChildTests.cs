using System;
using System.Diagnostics;
using System.IO;
using System.Net.Sockets;
using System.Text;
using NUnit.Framework;
using SupervisorIpc.Interop;
using static SupervisorIpc.Tests.Flow.FlowTestSupport;

namespace SupervisorIpc.Tests.Flow;

/// <summary>
/// Children started inside a Landlock sandbox through <see cref="SupervisedChildStartInfo.Sandbox"/>: the C probe
/// (tests/flow/sandbox_probe.c, which runs the steps it is given and reports each outcome) and a C# child
/// (SupervisorIpc.TestChild). The kernel's refusals are real; "no Landlock" is simulated by the library's testing limit.
/// </summary>
[TestFixture]
[NonParallelizable] // the ABI limit is process-wide; descriptor counts
[Platform("Linux")]
public sealed class SandboxedChildTests
{
    private string _directory = null!;
    private string _secret = null!;

    private static string Probe => NativeProgram("sandbox_probe");

    [SetUp]
    public void SetUp()
    {
        int abi = SandboxOptions.KernelLandlockAbi;
        if (abi < 6)
        {
            Assert.Ignore($"needs Landlock ABI 6 (scopes); this kernel has {abi}");
        }

        _directory = CreateTempDirectory();
        _secret = Path.Combine(_directory, "secret.txt");
        File.WriteAllText(_secret, "the secret");
    }

    [TearDown]
    public void TearDown()
    {
        Assert.That(NativeMethods.SandboxLimitAbiForTesting(-1), Is.EqualTo(SvipcStatus.Ok));
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>The probe with its steps, in a sandbox that allows the program and reading /proc (its fd list).</summary>
    private static SupervisedChildStartInfo ProbeStart(SandboxOptions sandbox, params string[] steps)
    {
        var startInfo = new SupervisedChildStartInfo(Probe) { Sandbox = sandbox.Allow("/proc", SandboxAccess.Read) };
        foreach (string step in steps)
        {
            startInfo.Arguments.Add(step);
        }

        return startInfo;
    }

    private static string Report(SupervisedChild child)
    {
        child.Socket.ReadTimeout = TimeSpan.FromSeconds(60);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        child.Socket.ReceiveFrame(buffer);
        Assert.That(child.WaitForExit(TimeSpan.FromSeconds(60)), Is.EqualTo(new ChildExitStatus(0, 0)));
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    [Test]
    public void DirectOpenIsRefusedAndTheGrantReads_CChild()
    {
        int before = OpenDescriptorCount();
        using (SupervisedChild child = SupervisedChild.Start(ProbeStart(new SandboxOptions(), "fds", "read", _secret, "granted")))
        {
            using (FileStream granted = File.OpenRead(_secret))
            {
                child.Socket.SendFileDescriptor(granted.SafeFileHandle);
            }

            string report = Report(child);
            Assert.That(report, Does.StartWith("fds=0,1,2,3;"), "only stdio and the socket are inherited");
            Assert.That(report, Does.Contain("read=EACCES;granted=the secret;"));
            Assert.That(child.Sandbox, Is.Not.Null);
            Assert.That(child.Sandbox!.IsComplete, Is.True, child.Sandbox.Shortfall);
            Assert.That(child.Sandbox.LandlockAbi, Is.GreaterThanOrEqualTo(6));
            Assert.That(child.Sandbox.HandledFileSystemAccess & 0x7, Is.EqualTo(0x7UL));
        }

        Assert.That(OpenDescriptorCount(), Is.EqualTo(before));
    }

    [Test]
    public void WithheldWriteIsWithheld()
    {
        var sandbox = new SandboxOptions().Allow(_directory, SandboxAccess.Read);
        using SupervisedChild child = SupervisedChild.Start(ProbeStart(sandbox, "read", _secret, "write", _secret, "create", Path.Combine(_directory, "new.txt")));
        Assert.That(Report(child), Does.Contain("read=ok;write=EACCES;create=EACCES;"));
        Assert.That(File.Exists(Path.Combine(_directory, "new.txt")), Is.False);
    }

    [Test]
    public void ScopesRefuseAnAbstractSocketAndASignalOutside()
    {
        string name = $"svipc-sandbox-cs-{Environment.ProcessId}";
        using var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint("\0" + name));
        listener.Listen(4);
        // A process outside the sandbox to aim the signal at: SIGUSR1 would end it if it were delivered.
        using Process target = Process.Start(new ProcessStartInfo("sleep", "60"))!;
        try
        {
            var sandbox = new SandboxOptions { Scopes = SandboxScopes.AbstractUnixSockets | SandboxScopes.Signals };
            using SupervisedChild child = SupervisedChild.Start(ProbeStart(sandbox, "abstract", name, "signal", target.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(Report(child), Does.Contain("abstract=EPERM;signal=EPERM;"));
            Assert.That(child.Sandbox!.EnforcedScopes, Is.EqualTo(SandboxScopes.AbstractUnixSockets | SandboxScopes.Signals));
            Assert.That(target.HasExited, Is.False);
        }
        finally
        {
            target.Kill();
            target.WaitForExit();
        }
    }

    [Test]
    public void TheSupervisorsDotnetDiagnosticsSocketIsReachableFromTheSandbox()
    {
        // Landlock (up to ABI 7) does not govern connect() to a path-named Unix socket, and the runtime's diagnostics
        // socket is the owner's: a child of the same user reaches it from inside the sandbox. Through it a process can
        // dump the supervisor's memory, trace it or attach a profiler (a native library loaded into the supervisor),
        // which is why SECURITY.md tells supervisors to run with DOTNET_EnableDiagnostics=0 or children as another user.
        string[] sockets = Directory.GetFiles(Path.GetTempPath(), $"dotnet-diagnostic-{Environment.ProcessId}-*-socket");
        if (sockets.Length == 0)
        {
            Assert.Ignore("this test process runs without the diagnostics socket (DOTNET_EnableDiagnostics=0?)");
        }

        using SupervisedChild child = SupervisedChild.Start(ProbeStart(new SandboxOptions(), "read", _secret, "unix", sockets[0]));
        Assert.That(Report(child), Does.Contain("read=EACCES;unix=ok;"), "the sandbox holds for files, not for this socket");
        Assert.That(child.Sandbox!.IsComplete, Is.True, child.Sandbox.Shortfall);
    }

    [Test]
    public void WithoutLandlockTheDefaultRefusesToStart()
    {
        Assert.That(NativeMethods.SandboxLimitAbiForTesting(0), Is.EqualTo(SvipcStatus.Ok));
        int before = OpenDescriptorCount();
        SandboxUnavailableException refused = Assert.Throws<SandboxUnavailableException>(
            () => SupervisedChild.Start(ProbeStart(new SandboxOptions(), "fds")))!;
        Assert.That(refused.Status.Enforced, Is.False);
        Assert.That(refused.Status.LandlockAbi, Is.Zero);
        Assert.That(refused.Message, Does.Contain("no Landlock"));
        Assert.That(SandboxOptions.KernelLandlockAbi, Is.Zero, "the testing limit applies to the kernel's answer too");
        Assert.That(OpenDescriptorCount(), Is.EqualTo(before));
    }

    [Test]
    public void BestEffortStartsAndReportsWhatIsNotEnforced()
    {
        Assert.That(NativeMethods.SandboxLimitAbiForTesting(5), Is.EqualTo(SvipcStatus.Ok));
        var sandbox = new SandboxOptions { Scopes = SandboxScopes.Signals };
        Assert.Throws<SandboxUnavailableException>(() => SupervisedChild.Start(ProbeStart(sandbox, "read", _secret)));

        sandbox.BestEffort = true;
        using SupervisedChild child = SupervisedChild.Start(ProbeStart(sandbox, "read", _secret));
        Assert.That(Report(child), Does.Contain("read=EACCES;"), "what ABI 5 has is still enforced");
        SandboxStatus status = child.Sandbox!;
        Assert.That((status.LandlockAbi, status.IsComplete, status.UnenforcedScopes, status.EnforcedScopes),
            Is.EqualTo((5, false, SandboxScopes.Signals, SandboxScopes.None)));
        Assert.That(status.Shortfall, Is.EqualTo("Landlock ABI 5: scopes not enforced: Signals"));

        Assert.That(NativeMethods.SandboxLimitAbiForTesting(0), Is.EqualTo(SvipcStatus.Ok));
        using SupervisedChild unconfined = SupervisedChild.Start(ProbeStart(sandbox, "read", _secret));
        Assert.That(Report(unconfined), Does.Contain("read=ok;"));
        Assert.That(unconfined.Sandbox!.Enforced, Is.False);
        Assert.That(unconfined.Sandbox.UnrestrictedAccess, Is.EqualTo((SandboxAccess)0x3F));
    }

    [Test]
    public void StartFailuresCarryTheirErrno()
    {
        var missing = new SupervisedChildStartInfo("/nonexistent/svipc-program") { Sandbox = new SandboxOptions() };
        Assert.That(Assert.Throws<SupervisedChildStartException>(() => SupervisedChild.Start(missing))!.Errno, Is.EqualTo(2), "ENOENT");

        var outside = ProbeStart(new SandboxOptions { AllowProgram = false });
        Assert.That(Assert.Throws<SupervisedChildStartException>(() => SupervisedChild.Start(outside))!.Errno, Is.EqualTo(13), "EACCES");

        var badRule = ProbeStart(new SandboxOptions().Allow("/nonexistent/svipc-rule", SandboxAccess.Read));
        Assert.That(Assert.Throws<SupervisedChildStartException>(() => SupervisedChild.Start(badRule))!.Errno, Is.EqualTo(2), "ENOENT");
    }

    [Test]
    public void DirectOpenIsRefusedAndTheGrantReads_CSharpChild()
    {
        string childDll = Path.Combine(TestContext.CurrentContext.TestDirectory, "SupervisorIpc.TestChild.dll");
        var startInfo = new SupervisedChildStartInfo(DotnetHost)
        {
            Sandbox = new SandboxOptions().AllowDotnetApplication(TestContext.CurrentContext.TestDirectory),
        };
        startInfo.Arguments.Add(childDll);
        startInfo.Arguments.Add("sandboxed");
        startInfo.Arguments.Add(_secret);
        startInfo.Environment["DOTNET_EnableDiagnostics"] = "0";
        using SupervisedChild child = SupervisedChild.Start(startInfo);
        using (FileStream granted = File.OpenRead(_secret))
        {
            child.Socket.SendFileDescriptor(granted.SafeFileHandle);
        }

        Assert.That(Report(child), Is.EqualTo("direct=EACCES;write=EACCES;granted=the secret"));
        Assert.That(child.Sandbox!.IsComplete, Is.True);
    }
}
