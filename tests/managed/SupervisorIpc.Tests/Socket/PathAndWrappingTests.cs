using System;
using System.IO;
using System.Net.Sockets;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;
using static SupervisorIpc.Tests.Transport.SocketTestSupport;
using RawSocket = System.Net.Sockets.Socket;

namespace SupervisorIpc.Tests.Transport;

[TestFixture]
public sealed class PathAndWrappingTests
{
    private string _directory = null!;

    [SetUp]
    public void CreateDirectory() => _directory = CreateShortTempDirectory();

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Bind_accept_connect_give_a_working_close_on_exec_connection_with_peer_credentials()
    {
        using UncheckedSupervisorListener listener = SupervisorSocket.Bind(Path.Combine(_directory, "s.sock"));
        Assert.That(listener.Path, Is.EqualTo(Path.Combine(_directory, "s.sock")));
        Assert.That(Convert.ToString((int)File.GetUnixFileMode(listener.Path), 8), Is.EqualTo("600"), "owner-only socket file");
        using SupervisorSocket client = SupervisorSocket.Connect(listener.Path);
        using SupervisorSocket server = listener.Accept(TimeSpan.FromSeconds(10));
        Assert.That(IsCloseOnExec(client.FileDescriptor), Is.True);
        Assert.That(IsCloseOnExec(server.FileDescriptor), Is.True);
        (uint uid, uint gid) = EffectiveIds();
        Assert.That(server.PeerCredentials, Is.EqualTo(new PeerCredentials((uint)Environment.ProcessId, uid, gid)));
        client.SendFrame(Utf8("ping"));
        Assert.That(ReceiveText(server), Is.EqualTo("ping"));
        server.Dispose();
        Assert.That(File.Exists(listener.Path), Is.True, "an accepted connection does not own the listener's path");
    }

    [Test]
    public void Accept_and_BindAndAccept_time_out_with_the_timeout_type()
    {
        using (UncheckedSupervisorListener listener = SupervisorSocket.Bind(Path.Combine(_directory, "t.sock")))
        {
            var error = Assert.Throws<SupervisorTimeoutException>(() => listener.Accept(TimeSpan.FromMilliseconds(50)));
            Assert.That(error!.Message, Does.Contain("accept '" + listener.Path + "' failed"));
            Assert.That(error.Path, Is.EqualTo(listener.Path));
        }

        string path = Path.Combine(_directory, "b.sock");
        Assert.Throws<SupervisorTimeoutException>(() => SupervisorSocket.BindAndAccept(path, TimeSpan.FromMilliseconds(50)));
        Assert.That(File.Exists(path), Is.False, "a failed BindAndAccept removes its socket file");
    }

    [Test]
    public void Binding_a_live_path_or_a_regular_file_fails_with_address_in_use_naming_the_path()
    {
        string path = Path.Combine(_directory, "busy.sock");
        using UncheckedSupervisorListener first = SupervisorSocket.Bind(path);
        var error = Assert.Throws<SupervisorSocketException>(() => SupervisorSocket.Bind(path));
        Assert.That(error!.Error, Is.EqualTo(SupervisorIpcError.AddressInUse));
        Assert.That(error.Operation, Is.EqualTo("bind"));
        Assert.That(error.Message, Does.StartWith($"bind '{path}' failed: "));

        string file = Path.Combine(_directory, "regular");
        File.WriteAllText(file, "keep me");
        AssertSocketError(SupervisorIpcError.AddressInUse, () => SupervisorSocket.Bind(file).Dispose());
        Assert.That(File.ReadAllText(file), Is.EqualTo("keep me"));
    }

    [Test]
    public void Connect_errors_carry_errno_and_the_path()
    {
        string missing = Path.Combine(_directory, "missing.sock");
        var error = Assert.Throws<SupervisorSocketException>(() => SupervisorSocket.Connect(missing));
        Assert.That(error!.Error, Is.EqualTo(SupervisorIpcError.SystemError));
        Assert.That(error.Errno, Is.EqualTo(2), "ENOENT");
        Assert.That(error.Path, Is.EqualTo(missing));
        Assert.That(error.Message, Does.Contain(missing).And.Contain("errno 2"));

        AssertSocketError(SupervisorIpcError.PathTooLong, () => SupervisorSocket.Connect("/tmp/" + new string('p', 200)));
        AssertSocketError(SupervisorIpcError.PathTooLong, () => SupervisorSocket.Bind("/tmp/" + new string('p', 200)));
        Assert.Throws<ArgumentException>(() => SupervisorSocket.Connect("/tmp/a\0b"));
        Assert.Throws<ArgumentException>(() => SupervisorSocket.Connect(string.Empty));
        Assert.Throws<ArgumentNullException>(() => SupervisorSocket.BindAndAccept(null!));
    }

    [Test]
    public void FromSocket_and_FromSafeHandle_wrap_a_duplicate_and_leave_the_original_to_the_caller()
    {
        using UncheckedSupervisorListener listener = SupervisorSocket.Bind(Path.Combine(_directory, "w.sock"));
        using RawSocket raw = ConnectRaw(listener.Path);
        using SupervisorSocket server = listener.Accept(TimeSpan.FromSeconds(10));

        using (SupervisorSocket wrapped = SupervisorSocket.FromSocket(raw))
        {
            Assert.That(wrapped.FileDescriptor, Is.Not.EqualTo((int)raw.SafeHandle.DangerousGetHandle()));
            Assert.That(IsCloseOnExec(wrapped.FileDescriptor), Is.True);
            wrapped.SendFrame(Utf8("via FromSocket"));
            Assert.That(ReceiveText(server), Is.EqualTo("via FromSocket"));
        }

        using (SupervisorSocket wrapped = SupervisorSocket.FromSafeHandle(raw.SafeHandle))
        {
            wrapped.SendFrame(Utf8("via FromSafeHandle"));
            Assert.That(ReceiveText(server), Is.EqualTo("via FromSafeHandle"));
        }

        // The original socket still works after both wrappers were disposed.
        raw.Send(Frame(Utf8("raw still open")));
        Assert.That(ReceiveText(server), Is.EqualTo("raw still open"));
    }

    [Test]
    public void Wrapping_something_that_is_not_a_stream_socket_is_refused()
    {
        string file = Path.Combine(_directory, "not-a-socket");
        File.WriteAllText(file, "x");
        using SafeFileHandle handle = File.OpenHandle(file);
        AssertSocketError(SupervisorIpcError.InvalidArgument, () => SupervisorSocket.FromSafeHandle(handle).Dispose());

        int fd = (int)handle.DangerousGetHandle();
        AssertSocketError(SupervisorIpcError.InvalidArgument, () => SupervisorSocket.FromFileDescriptor(fd).Dispose());
        Assert.That(IsOpen(fd), Is.True, "on failure the descriptor stays the caller's");

        using var datagram = new RawSocket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        AssertSocketError(SupervisorIpcError.InvalidArgument, () => SupervisorSocket.FromSocket(datagram).Dispose());

        SafeFileHandle closed = File.OpenHandle(file);
        closed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => SupervisorSocket.FromSafeHandle(closed));
    }

    [Test]
    public void FromFileDescriptor_takes_ownership_of_an_inherited_style_descriptor()
    {
        // A socket descriptor this process owns outright: an end of a second pair, received over a first pair.
        var (carrierA, carrierB) = SupervisorSocket.CreatePair();
        var (supervisor, child) = SupervisorSocket.CreatePair();
        using (carrierA)
        using (carrierB)
        using (supervisor)
        using (child)
        {
            carrierA.SendFileDescriptor(new SafeFileHandle(child.FileDescriptor, ownsHandle: false));
            SafeFileHandle received = carrierB.ReceiveFileDescriptor();
            int fd = (int)received.DangerousGetHandle();
            received.SetHandleAsInvalid(); // ownership moves to the SupervisorSocket below

            SupervisorSocket adopted = SupervisorSocket.FromFileDescriptor(fd);
            Assert.That(adopted.FileDescriptor, Is.EqualTo(fd));
            adopted.SendFrame(Utf8("adopted"));
            Assert.That(ReceiveText(supervisor), Is.EqualTo("adopted"));
            adopted.Dispose();
            Assert.That(IsOpen(fd), Is.False, "the adopted descriptor is closed with its owner");
        }
    }
}
