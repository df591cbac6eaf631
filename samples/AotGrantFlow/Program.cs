// The supervisor/child grant flow, compiled ahead of time. A child thread holds one end of a
// connected pair and asks for two files; the supervisor grants the one inside the directory it
// allows (descriptor first, then the Decision, as the reference supervisor does) and denies the
// other. The child reads the granted file through the descriptor it received.
using System;
using System.IO;
using System.Text;
using System.Threading;
using Microsoft.Win32.SafeHandles;
using SupervisorIpc;

string allowedRoot = Directory.CreateTempSubdirectory("svipc-aot-").FullName;
string grantedPath = Path.Combine(allowedRoot, "granted.txt");
const string GrantedContent = "bytes reached through a descriptor passed by a NativeAOT supervisor\n";
File.WriteAllText(grantedPath, GrantedContent);
string deniedPath = Path.Combine(Path.GetTempPath(), "outside-the-allowed-root.txt");

try
{
    var (supervisorEnd, childEnd) = SupervisorSocket.CreatePair();
    using (supervisorEnd)
    using (childEnd)
    {
        supervisorEnd.ReadTimeout = TimeSpan.FromSeconds(10);
        childEnd.ReadTimeout = TimeSpan.FromSeconds(10);

        string? childFailure = null;
        var child = new Thread(() => childFailure = RunChild(childEnd, grantedPath, deniedPath, GrantedContent)) { Name = "child" };
        child.Start();
        string? supervisorFailure = RunSupervisor(supervisorEnd, allowedRoot, requests: 2);
        child.Join();

        if (supervisorFailure is not null || childFailure is not null)
        {
            Console.Error.WriteLine($"AotGrantFlow: FAILED: {supervisorFailure ?? childFailure}");
            return 1;
        }
    }
}
finally
{
    Directory.Delete(allowedRoot, recursive: true);
}

Console.WriteLine("AotGrantFlow: grant and denial completed; the child read the granted file through the passed descriptor");
return 0;

static string? RunSupervisor(SupervisorSocket socket, string allowedRoot, int requests)
{
    try
    {
        return Supervise(socket, allowedRoot, requests);
    }
    catch (SupervisorIpcException error)
    {
        return $"supervisor: {error.Message}";
    }
}

static string? Supervise(SupervisorSocket socket, string allowedRoot, int requests)
{
    // On a pair the kernel records the creator's credentials: here, this very process.
    PeerCredentials peer = socket.PeerCredentials;
    if (peer.Pid != Environment.ProcessId)
    {
        return $"peer pid {peer.Pid} is not this process ({Environment.ProcessId})";
    }

    for (int i = 0; i < requests; i++)
    {
        if (socket.ReceiveMessage() is not SupervisorMessage.Request { Capability: var request })
        {
            return "expected a capability request";
        }

        string fullPath = Path.GetFullPath(request.Path);
        bool allowed = request.Access == AccessMode.Read
            && fullPath.StartsWith(allowedRoot + Path.DirectorySeparatorChar, StringComparison.Ordinal);
        if (!allowed)
        {
            socket.SendResponse(new SupervisorResponse.Decision(request.RequestId, new ApprovalDecision.Denied("outside the allowed directory")));
            Console.WriteLine($"supervisor: denied {request.Access} of {request.Path}");
            continue;
        }

        using (SafeFileHandle file = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read))
        {
            socket.SendFileDescriptor(file);
        }

        socket.SendResponse(new SupervisorResponse.Decision(request.RequestId, ApprovalDecision.Granted.Instance));
        Console.WriteLine($"supervisor: granted {request.Access} of {request.Path} (pid {request.ChildPid})");
    }

    return null;
}

static string? RunChild(SupervisorSocket socket, string grantedPath, string deniedPath, string expectedContent)
{
    try
    {
        uint pid = (uint)Environment.ProcessId;
        socket.SendMessage(new SupervisorMessage.Request(new CapabilityRequest("req-1", grantedPath, AccessMode.Read, "read the sample file", pid, "aot-session")));
        using (SafeFileHandle granted = socket.ReceiveFileDescriptor())
        {
            if (socket.ReceiveResponse() is not SupervisorResponse.Decision { RequestId: "req-1", Outcome: ApprovalDecision.Granted })
            {
                return "the first request was not granted";
            }

            byte[] buffer = new byte[4096];
            int count = RandomAccess.Read(granted, buffer, 0);
            string content = Encoding.UTF8.GetString(buffer, 0, count);
            if (content != expectedContent)
            {
                return $"read '{content}' through the descriptor, expected '{expectedContent}'";
            }

            Console.WriteLine($"child: read {count} bytes through the granted descriptor");
        }

        socket.SendMessage(new SupervisorMessage.Request(new CapabilityRequest("req-2", deniedPath, AccessMode.Read, null, pid, "aot-session")));
        if (socket.ReceiveResponse() is not SupervisorResponse.Decision { RequestId: "req-2", Outcome: ApprovalDecision.Denied denied })
        {
            return "the second request was not denied";
        }

        Console.WriteLine($"child: denied as expected ({denied.Reason})");
        return null;
    }
    catch (SupervisorIpcException error)
    {
        return $"child: {error.Message}";
    }
}
