using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using static SupervisorIpc.Tests.Flow.FlowTestSupport;

namespace SupervisorIpc.Tests.Flow;

/// <summary>
/// Starting real child processes with the socket inherited. The probe (tests/flow/flow_probe.c) reports what it
/// inherited: descriptors, the variable, signal state. This test process (.NET) has dozens of descriptors open and
/// ignores SIGPIPE, so a leak or an inherited disposition would show.
/// </summary>
[TestFixture]
[NonParallelizable] // counts this process's descriptors
public sealed class SupervisedChildTests
{
    private static string Probe => NativeProgram("flow_probe");

    /// <summary>The report with the descriptor list reduced to what is beyond stdio (which the runner may have closed).</summary>
    private static string BeyondStdio(string report)
    {
        string[] parts = report.Split(';');
        string[] fds = parts[0]["fds=".Length..].Split(',').Where(fd => fd is not ("0" or "1" or "2")).ToArray();
        return string.Join(';', new[] { "fds>2=" + string.Join(',', fds) }.Concat(parts.Skip(1)));
    }

    private static string Report(SupervisedChild child)
    {
        child.Socket.ReadTimeout = TimeSpan.FromSeconds(30);
        byte[] buffer = new byte[4096];
        int length = child.Socket.ReceiveFrame(buffer);
        ChildExitStatus exit = child.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.That(exit, Is.EqualTo(new ChildExitStatus(0, 0)));
        return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
    }

    [Test]
    public void ChildInheritsOnlyTheSocket()
    {
        Assert.That(OpenDescriptorCount(), Is.GreaterThan(10), "the test process has plenty of descriptors that must not leak");
        using SupervisedChild child = SupervisedChild.Start(Probe, "report");
        Assert.That(IsCloseOnExec(child.Socket.FileDescriptor), Is.True);
        string report = Report(child);
        Assert.That(BeyondStdio(report), Is.EqualTo("fds>2=3;var=3;count=1;extra=-;cloexec=1;sigpipe=default;mask=empty"));
    }

    [Test]
    public void DescriptorNumberVariableAndEnvironmentAreChosen()
    {
        var startInfo = new SupervisedChildStartInfo(Probe) { ChildFileDescriptor = 7, FileDescriptorVariable = "PROBE_FD" };
        startInfo.Arguments.Add("report");
        startInfo.Arguments.Add("PROBE_FD");
        startInfo.Environment["FLOW_EXTRA"] = "from the start info";
        startInfo.Environment["PROBE_FD"] = "99";
        using SupervisedChild child = SupervisedChild.Start(startInfo);
        Assert.That(BeyondStdio(Report(child)), Is.EqualTo("fds>2=7;var=7;count=1;extra=from the start info;cloexec=1;sigpipe=default;mask=empty"));
    }

    [Test]
    public void ExitCodesSignalsAndWaiting()
    {
        using (SupervisedChild exits = SupervisedChild.Start(Probe, "exit", "7"))
        {
            Assert.That(exits.WaitForExit(TimeSpan.FromSeconds(30)), Is.EqualTo(new ChildExitStatus(7, 0)));
            Assert.That(exits.ExitStatus, Is.EqualTo(new ChildExitStatus(7, 0)));
            Assert.That(exits.TryGetExitStatus(out ChildExitStatus again), Is.True, "the status is kept once reaped");
            Assert.That(again.ExitCode, Is.EqualTo(7));
        }

        using SupervisedChild waits = SupervisedChild.Start(Probe, "wait");
        Assert.That(waits.TryGetExitStatus(out _), Is.False);
        Assert.Throws<SupervisorTimeoutException>(() => waits.WaitForExit(TimeSpan.FromMilliseconds(30)));
        waits.Kill();
        ChildExitStatus killed = waits.WaitForExit(TimeSpan.FromSeconds(30));
        Assert.That((killed.ExitCode, killed.Signal, killed.ExitedNormally), Is.EqualTo((-1, 9, false)));
        waits.Kill();
    }

    [Test]
    public async Task WaitingAsynchronouslyCanBeCancelled()
    {
        using SupervisedChild child = SupervisedChild.Start(Probe, "wait");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        Assert.That(async () => await Within(child.WaitForExitAsync(cancel.Token)), Throws.InstanceOf<OperationCanceledException>());
        child.Kill();
        ChildExitStatus exit = await Within(child.WaitForExitAsync());
        Assert.That(exit.Signal, Is.EqualTo(9));
    }

    [Test]
    public void FailuresToStartAreTypedAndLeakNothing()
    {
        int before = OpenDescriptorCount();
        var missing = Assert.Throws<SupervisedChildStartException>(() => SupervisedChild.Start("/nonexistent/svipc-no-such-program"));
        Assert.That((missing!.Error, missing.Errno), Is.EqualTo((SupervisorIpcError.SystemError, 2)));
        Assert.That(missing.Message, Does.Contain("/nonexistent/svipc-no-such-program"));
        Assert.Throws<ArgumentException>(() => SupervisedChild.Start(new SupervisedChildStartInfo(Probe) { ChildFileDescriptor = 2 }));
        Assert.Throws<ArgumentException>(() => SupervisedChild.Start(new SupervisedChildStartInfo(Probe) { ChildFileDescriptor = 1024 }));
        Assert.Throws<ArgumentException>(() => SupervisedChild.Start(new SupervisedChildStartInfo(Probe) { FileDescriptorVariable = "1FD" }));
        Assert.Throws<ArgumentException>(() => SupervisedChild.Start(new SupervisedChildStartInfo(Probe) { FileDescriptorVariable = "A=B" }));
        var badEnvironment = new SupervisedChildStartInfo(Probe);
        badEnvironment.Environment["A=B"] = "x";
        Assert.Throws<ArgumentException>(() => SupervisedChild.Start(badEnvironment));
        Assert.Throws<ArgumentException>(() => SupervisedChild.Start(Probe, "nul\0inside"));
        Assert.That(OpenDescriptorCount(), Is.EqualTo(before));
    }

    [Test]
    public void ManyChildrenLeakNoDescriptor()
    {
        using (SupervisedChild warmup = SupervisedChild.Start(Probe, "report"))
        {
            _ = Report(warmup);
        }

        int before = OpenDescriptorCount();
        for (int i = 0; i < 20; i++)
        {
            using SupervisedChild child = SupervisedChild.Start(Probe, "report");
            Assert.That(BeyondStdio(Report(child)), Does.StartWith("fds>2=3;"));
        }

        Assert.That(OpenDescriptorCount(), Is.EqualTo(before));
    }

    [Test]
    public void OpenFromEnvironmentRefusesAMissingOrMalformedVariable()
    {
        const string variable = "SVIPC_FLOW_TEST_FD";
        try
        {
            Environment.SetEnvironmentVariable(variable, null);
            var missing = Assert.Throws<SupervisorSocketException>(() => SupervisorChannel.OpenFromEnvironment(variable));
            Assert.That(missing!.Error, Is.EqualTo(SupervisorIpcError.InvalidArgument));
            Assert.That(missing.Message, Does.Contain("is not set"));
            foreach (string value in new[] { "", "-1", "+3", " 3", "3x", "99999999999" })
            {
                Environment.SetEnvironmentVariable(variable, value);
                var malformed = Assert.Throws<SupervisorSocketException>(() => SupervisorChannel.OpenFromEnvironment(variable), value);
                Assert.That(malformed!.Error, Is.EqualTo(SupervisorIpcError.InvalidArgument));
            }

            // A descriptor that is open but not a socket stays the caller's.
            using FileStream file = File.OpenRead("/proc/self/status");
            int fd = (int)file.SafeFileHandle.DangerousGetHandle();
            Environment.SetEnvironmentVariable(variable, fd.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var notSocket = Assert.Throws<SupervisorSocketException>(() => SupervisorChannel.OpenFromEnvironment(variable));
            Assert.That(notSocket!.Error, Is.EqualTo(SupervisorIpcError.InvalidArgument));
            Assert.That(File.Exists($"/proc/self/fdinfo/{fd}"), Is.True);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }
}
