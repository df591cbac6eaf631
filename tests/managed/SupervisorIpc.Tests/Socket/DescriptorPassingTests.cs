using System;
using System.IO;
using System.Text;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using static SupervisorIpc.Tests.Transport.SocketTestSupport;

namespace SupervisorIpc.Tests.Transport;

[TestFixture]
public sealed class DescriptorPassingTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = CreateShortTempDirectory();

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    private string WriteFile(string name, string content)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static string ReadAll(SafeFileHandle handle)
    {
        byte[] buffer = new byte[4096];
        int length = RandomAccess.Read(handle, buffer, 0);
        return Encoding.UTF8.GetString(buffer, 0, length);
    }

    [Test]
    public void A_received_descriptor_reads_the_file_and_is_close_on_exec()
    {
        string path = WriteFile("granted.txt", "secret bytes");
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            using (SafeFileHandle file = File.OpenHandle(path))
            {
                supervisor.SendFileDescriptor(file);
                Assert.That(file.IsClosed, Is.False, "the sender keeps its own handle");
            }

            using SafeFileHandle received = child.ReceiveFileDescriptor();
            int fd = (int)received.DangerousGetHandle();
            Assert.That(IsCloseOnExec(fd), Is.True);
            Assert.That(ReadAll(received), Is.EqualTo("secret bytes"));
            received.Dispose();
            Assert.That(IsOpen(fd), Is.False, "the received handle owns its descriptor");
        }
    }

    [Test]
    public void A_descriptor_sent_before_a_frame_is_found_whichever_is_received_first()
    {
        string path = WriteFile("a.txt", "descriptor first");
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        using (SafeFileHandle file = File.OpenHandle(path))
        {
            supervisor.SendFileDescriptor(file);
            supervisor.SendFrame(Utf8("decision"));
            supervisor.SendFileDescriptor(file);
            supervisor.SendFrame(Utf8("decision 2"));

            // Frame first: the carrier in front of it is kept for the descriptor receive.
            Assert.That(ReceiveText(child), Is.EqualTo("decision"));
            using (SafeFileHandle kept = child.ReceiveFileDescriptor())
            {
                Assert.That(ReadAll(kept), Is.EqualTo("descriptor first"));
            }

            // Descriptor first.
            Assert.That(child.TryReceiveFileDescriptor(out SafeFileHandle? second), Is.True);
            using (second)
            {
                Assert.That(ReadAll(second!), Is.EqualTo("descriptor first"));
            }

            Assert.That(ReceiveText(child), Is.EqualTo("decision 2"));
        }
    }

    [Test]
    public void Asking_for_a_descriptor_when_a_frame_comes_next_keeps_the_frame()
    {
        string path = WriteFile("b.txt", "after the frame");
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        using (SafeFileHandle file = File.OpenHandle(path))
        {
            supervisor.SendFrame(Utf8("decision"));
            supervisor.SendFileDescriptor(file);

            Assert.That(child.TryReceiveFileDescriptor(out SafeFileHandle? none), Is.False);
            Assert.That(none, Is.Null);
            AssertSocketError(SupervisorIpcError.NoDescriptor, () => child.ReceiveFileDescriptor().Dispose());
            Assert.That(ReceiveText(child), Is.EqualTo("decision"));
            using SafeFileHandle received = child.ReceiveFileDescriptor();
            Assert.That(ReadAll(received), Is.EqualTo("after the frame"));
        }
    }

    [Test]
    public void Sending_a_closed_or_invalid_handle_is_refused()
    {
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (supervisor)
        using (child)
        {
            SafeFileHandle closed = File.OpenHandle(WriteFile("c.txt", "x"));
            closed.Dispose();
            Assert.Throws<ObjectDisposedException>(() => supervisor.SendFileDescriptor(closed));
            Assert.Throws<ArgumentException>(() => supervisor.SendFileDescriptor(new SafeFileHandle(-1, ownsHandle: false)));
            Assert.Throws<ArgumentNullException>(() => supervisor.SendFileDescriptor(null!));
        }
    }
}
