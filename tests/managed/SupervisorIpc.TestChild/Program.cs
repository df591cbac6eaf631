using System;
using System.IO;
using System.Text;
using Microsoft.Win32.SafeHandles;
using SupervisorIpc;

// usage: SupervisorIpc.TestChild grant <socket-path> <file-path> <request-id>
//        SupervisorIpc.TestChild grant-inherited <file-path> <report-path>
//        SupervisorIpc.TestChild sandboxed <file-path>
// grant-inherited asks through the socket inherited from a SupervisedChild start (SUPERVISOR_IPC_FD) with
// SupervisorClient, and writes "pid=", then "content=" or "denied=" lines to <report-path>.
// grant connects to a supervisor bound at <socket-path>, asks for read access to <file-path>, takes the
// descriptor and the decision in whichever order they arrive, reads the file through the descriptor,
// and prints one "key=value" line per fact (the runtime it ran on included) for the test to check. Exit code 0 when the flow completed.
if (args.Length == 3 && args[0] == "grant-inherited")
{
    using SupervisorClient client = SupervisorClient.FromEnvironment();
    using var report = new StreamWriter(args[2]);
    report.WriteLine($"pid={Environment.ProcessId}");
    try
    {
        using SafeFileHandle granted = client.RequestAccess(args[1], AccessMode.Read, "test child");
        using var stream = new FileStream(granted, FileAccess.Read);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        report.WriteLine($"content={reader.ReadToEnd()}");
    }
    catch (AccessDeniedException denied)
    {
        report.WriteLine($"denied={denied.Reason}");
    }

    return 0;
}

// sandboxed <file-path>: started inside a sandbox; opens <file-path> itself (which the kernel should refuse), then
// opens it for writing, then reads the descriptor the supervisor sends over the inherited socket, and answers with
// one frame "direct=<ok|EACCES|error>;write=<ok|EACCES|error>;granted=<content>".
if (args.Length == 2 && args[0] == "sandboxed")
{
    string direct = TryOpen(args[1], FileAccess.Read);
    string write = TryOpen(args[1], FileAccess.Write);

    using SupervisorSocket inherited = SupervisorChannel.OpenFromEnvironment();
    inherited.ReadTimeout = TimeSpan.FromSeconds(30);
    using SafeFileHandle grantedFile = inherited.ReceiveFileDescriptor();
    using var grantedStream = new FileStream(grantedFile, FileAccess.Read);
    using var grantedReader = new StreamReader(grantedStream, Encoding.UTF8);
    inherited.SendFrame(Encoding.UTF8.GetBytes($"direct={direct};write={write};granted={grantedReader.ReadToEnd()}"));
    return 0;

    static string TryOpen(string path, FileAccess access)
    {
        try
        {
            using var opened = new FileStream(path, FileMode.Open, access);
            return "ok";
        }
        catch (UnauthorizedAccessException)
        {
            return "EACCES";
        }
        catch (IOException error)
        {
            return error.GetType().Name;
        }
    }
}

if (args.Length != 4 || args[0] != "grant")
{
    Console.Error.WriteLine("usage: SupervisorIpc.TestChild grant <socket-path> <file-path> <request-id>");
    return 2;
}

string socketPath = args[1];
string filePath = args[2];
string requestId = args[3];

using SupervisorSocket socket = SupervisorSocket.Connect(socketPath);
socket.ReadTimeout = TimeSpan.FromSeconds(30);
socket.SendMessage(new SupervisorMessage.Request(new CapabilityRequest(
    requestId, filePath, AccessMode.Read, "test child", (uint)Environment.ProcessId, "test-session")));

SafeFileHandle? descriptor = null;
SupervisorResponse? response = null;
var order = new StringBuilder();
try
{
    while (response is null || (descriptor is null && response is SupervisorResponse.Decision { Outcome: ApprovalDecision.Granted }))
    {
        if (descriptor is null && socket.TryReceiveFileDescriptor(out SafeFileHandle? received))
        {
            descriptor = received;
            order.Append(order.Length == 0 ? "fd" : ",fd");
        }
        else if (response is null)
        {
            response = socket.ReceiveResponse();
            order.Append(order.Length == 0 ? "decision" : ",decision");
        }
        else
        {
            throw new InvalidOperationException("granted, but the supervisor sent a frame where the descriptor should be");
        }
    }

    Console.WriteLine($"pid={Environment.ProcessId}");
    // The runtime this child runs on: each build of the suite starts the child built for its own framework.
    Console.WriteLine($"runtime={Environment.Version}");
    Console.WriteLine($"order={order}");
    Console.WriteLine($"response={response}");
    if (descriptor is not null)
    {
        using var stream = new FileStream(descriptor, FileAccess.Read);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        Console.WriteLine($"content={reader.ReadToEnd()}");
    }

    return 0;
}
finally
{
    descriptor?.Dispose();
}
