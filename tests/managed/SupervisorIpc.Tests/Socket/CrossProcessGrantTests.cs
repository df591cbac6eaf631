using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using static SupervisorIpc.Tests.Transport.SocketTestSupport;

namespace SupervisorIpc.Tests.Transport;

/// <summary>The whole grant flow against a second OS process (SupervisorIpc.TestChild) connecting by path.</summary>
[TestFixture]
public sealed class CrossProcessGrantTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = CreateShortTempDirectory();

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    private static Process StartChild(string socketPath, string filePath, string requestId)
    {
        string childDll = Path.Combine(TestContext.CurrentContext.TestDirectory, "SupervisorIpc.TestChild.dll");
        Assert.That(File.Exists(childDll), Is.True, $"{childDll} is built with the tests");
        string host = Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { childDll, "grant", socketPath, filePath, requestId })
        {
            start.ArgumentList.Add(argument);
        }

        return Process.Start(start)!;
    }

    private static (int ExitCode, string[] Lines, string Errors) Finish(Process child)
    {
        var output = child.StandardOutput.ReadToEndAsync();
        var errors = child.StandardError.ReadToEndAsync();
        if (!child.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            child.Kill(entireProcessTree: true);
            Assert.Fail("the test child did not finish");
        }

        return (child.ExitCode, output.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries), errors.Result);
    }

    private (SupervisorSocket Connection, Process Child, CapabilityRequest Request) Connect(string filePath, string requestId)
    {
        string socketPath = Path.Combine(_directory, "grant.sock");
        using UncheckedSupervisorListener listener = SupervisorSocket.Bind(socketPath);
        Process child = StartChild(socketPath, filePath, requestId);
        SupervisorSocket connection = listener.Accept(TimeSpan.FromSeconds(60));
        connection.ReadTimeout = TimeSpan.FromSeconds(60);
        Assert.That(connection.PeerPid, Is.EqualTo(child.Id), "peer credentials name the child process");
        Assert.That(connection.PeerCredentials.Uid, Is.EqualTo(EffectiveIds().Uid));
        var message = connection.ReceiveMessage();
        var request = ((SupervisorMessage.Request)message).Capability;
        return (connection, child, request);
    }

    [TestCase(true, "fd,decision")]
    [TestCase(false, "decision,fd")]
    public void A_child_process_is_granted_a_file_descriptor_in_either_order(bool descriptorFirst, string expectedOrder)
    {
        string file = Path.Combine(_directory, "granted.txt");
        File.WriteAllText(file, "content for the child");
        var (connection, child, request) = Connect(file, "req-7");
        using (connection)
        using (child)
        {
            Assert.That(request.RequestId, Is.EqualTo("req-7"));
            Assert.That(request.Path, Is.EqualTo(file));
            Assert.That(request.Access, Is.EqualTo(AccessMode.Read));
            Assert.That(request.ChildPid, Is.EqualTo((uint)child.Id));

            var decision = new SupervisorResponse.Decision(request.RequestId, ApprovalDecision.Granted.Instance);
            using (SafeFileHandle handle = File.OpenHandle(request.Path))
            {
                if (descriptorFirst)
                {
                    connection.SendFileDescriptor(handle);
                    connection.SendResponse(decision);
                }
                else
                {
                    connection.SendResponse(decision);
                    connection.SendFileDescriptor(handle);
                }
            }

            var (exitCode, lines, errors) = Finish(child);
            Assert.That(exitCode, Is.Zero, errors);
            Assert.That(lines, Does.Contain($"pid={child.Id}"));
            Assert.That(lines, Does.Contain($"order={expectedOrder}"));
            Assert.That(lines, Does.Contain($"runtime={Environment.Version}"), "the child runs on the suite's runtime");
            Assert.That(lines, Does.Contain("content=content for the child"));
            Assert.That(lines.Single(l => l.StartsWith("response=", StringComparison.Ordinal)), Does.Contain("req-7"));
        }
    }

    [Test]
    public void A_denied_child_process_gets_the_reason_and_no_descriptor()
    {
        string file = Path.Combine(_directory, "secret.txt");
        File.WriteAllText(file, "never sent");
        var (connection, child, request) = Connect(file, "req-8");
        using (connection)
        using (child)
        {
            connection.SendResponse(new SupervisorResponse.Decision(request.RequestId, new ApprovalDecision.Denied("not in policy")));
            var (exitCode, lines, errors) = Finish(child);
            Assert.That(exitCode, Is.Zero, errors);
            Assert.That(lines, Does.Contain("order=decision"));
            Assert.That(lines.Single(l => l.StartsWith("response=", StringComparison.Ordinal)), Does.Contain("not in policy"));
            Assert.That(lines.Any(l => l.StartsWith("content=", StringComparison.Ordinal)), Is.False);
            Assert.Throws<SupervisorConnectionClosedException>(() => connection.ReceiveMessage(), "the child hung up after its answer");
        }
    }
}
