using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using static SupervisorIpc.Tests.Flow.FlowTestSupport;

namespace SupervisorIpc.Tests.Flow;

/// <summary>What the service really opens on a grant: symlinks out of the roots, FIFOs and directories are refused.</summary>
[TestFixture]
public sealed class ServiceConfinementTests
{
    private GrantTree _tree = null!;

    [SetUp]
    public void CreateTree() => _tree = new GrantTree();

    [TearDown]
    public void RemoveTree() => _tree.Dispose();

    private ServiceHarness Harness(AccessMode access = AccessMode.Read) =>
        new(new SupervisorServiceOptions { ApprovalBackend = new PolicyApprovalBackend(new PathRule(_tree.Allowed, access)) });

    private static AccessDeniedException Denied(ServiceHarness harness, string path, AccessMode access = AccessMode.Read) =>
        Assert.Throws<AccessDeniedException>(() => harness.Client.RequestAccess(path, access).Dispose())!;

    [Test]
    public async Task SymlinkOutOfTheRootIsRefused()
    {
        await using ServiceHarness harness = Harness();
        // The string is under the allowed root; where it leads is not, and the child learns nothing more.
        string escaping = Path.Combine(_tree.Allowed, "link-out", "secret.txt");
        Assert.That(Denied(harness, escaping).Reason, Is.EqualTo(SupervisorService.NotAvailable));
        await harness.FinishAsync();
        AuditEvent audit = harness.Audit.AtLeast(1).Single();
        Assert.That(audit.DecidedBy, Is.EqualTo(AuditDecider.Confinement));
        Assert.That(audit.Detail, Is.EqualTo("the path resolves outside the allowed roots"));
        Assert.That(audit.Error, Is.InstanceOf<SupervisorSocketException>());
        Assert.That(audit.DescriptorSent, Is.False);
    }

    [Test]
    public async Task SymlinkThatStaysBeneathIsFollowedAndReported()
    {
        await using ServiceHarness harness = Harness();
        using (SafeFileHandle file = harness.Client.RequestAccess(Path.Combine(_tree.Allowed, "last-link"), AccessMode.Read))
        {
            Assert.That(File.ReadAllText(FileContentPath(file)), Is.EqualTo("allowed content\n"));
        }

        await harness.FinishAsync();
        Assert.That(harness.Audit.AtLeast(1).Single().Resolved!.Path, Is.EqualTo(Path.Combine(_tree.Allowed, "file.txt")));
    }

    [Test]
    public async Task OnlyRegularFilesAreOpened()
    {
        string fifo = Path.Combine(_tree.Allowed, "pipe");
        using (SupervisedChild mkfifo = SupervisedChild.Start("mkfifo", fifo))
        {
            Assert.That(mkfifo.WaitForExit(TimeSpan.FromSeconds(30)).ExitCode, Is.EqualTo(0));
        }

        await using ServiceHarness harness = Harness();
        // Opening a FIFO without a writer would block a naive supervisor forever.
        Assert.That(Denied(harness, fifo).Reason, Is.EqualTo(SupervisorService.NotAvailable));
        Assert.That(Denied(harness, Path.Combine(_tree.Allowed, "sub")).Reason, Is.EqualTo(SupervisorService.NotAvailable));
        await harness.FinishAsync();
        Assert.That(harness.Audit.Events.Select(e => e.Detail), Is.All.EqualTo("the path is not a regular file"));
    }

    private static string FileContentPath(SafeFileHandle file) => $"/proc/self/fd/{file.DangerousGetHandle()}";

    [Test]
    public async Task AccessModeDecidesTheOpenFlagsAndNothingIsTruncated()
    {
        await using ServiceHarness harness = Harness(AccessMode.ReadWrite);
        string file = Path.Combine(_tree.Allowed, "file.txt");
        int Mode(SafeFileHandle handle)
        {
            string line = File.ReadAllLines($"/proc/self/fdinfo/{handle.DangerousGetHandle()}").Single(l => l.StartsWith("flags:", StringComparison.Ordinal));
            return Convert.ToInt32(line["flags:".Length..].Trim(), 8) & 3;
        }

        using (SafeFileHandle read = harness.Client.RequestAccess(file, AccessMode.Read))
        using (SafeFileHandle write = harness.Client.RequestAccess(file, AccessMode.Write))
        using (SafeFileHandle both = harness.Client.RequestAccess(file, AccessMode.ReadWrite))
        {
            Assert.That(new[] { Mode(read), Mode(write), Mode(both) }, Is.EqualTo(new[] { 0, 1, 2 }));
            Assert.That(IsCloseOnExec((int)write.DangerousGetHandle()), Is.True);
            RandomAccess.Write(write, "ALLOWED"u8, 0);
        }

        Assert.That(File.ReadAllText(file), Is.EqualTo("ALLOWED content\n"));
    }
}
