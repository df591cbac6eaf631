// The demo's C# child: opens the socket its supervisor left inherited (SUPERVISOR_IPC_FD), asks for a file it
// should get, one it should not, and for a URL to be opened, and prints what happened.
// When SVIPC_DEMO_EXPECT_REFUSAL is set (the demo starts it in a sandbox), it first opens the allowed file itself:
// the kernel must refuse (exit 3 if not).
// Usage: SupervisorIpc.Demo.Child <allowed-file> <denied-file> <url>
using System;
using System.IO;
using Microsoft.Win32.SafeHandles;
using SupervisorIpc;

if (args.Length != 3)
{
    Console.Error.WriteLine("usage: SupervisorIpc.Demo.Child <allowed-file> <denied-file> <url>");
    return 2;
}

string prefix = $"[c#-child {Environment.ProcessId}]";
if (Environment.GetEnvironmentVariable("SVIPC_DEMO_EXPECT_REFUSAL") is not null)
{
    try
    {
        File.OpenRead(args[0]).Dispose();
        Console.WriteLine($"{prefix} direct open of {args[0]}: succeeded, the sandbox does not hold");
        return 3;
    }
    catch (UnauthorizedAccessException refused)
    {
        Console.WriteLine($"{prefix} direct open of {args[0]}: refused by the kernel ({refused.Message})");
    }
}

using SupervisorClient client = SupervisorClient.FromEnvironment();
Console.WriteLine($"{prefix} connected through inherited descriptor {client.Socket.FileDescriptor}, session '{client.SessionId}'");

RequestFile(args[0], "show the demo file");
RequestFile(args[1], "read a secret");
try
{
    client.OpenUrl(args[2]);
    Console.WriteLine($"{prefix} URL opened: {args[2]}");
}
catch (UrlOpenFailedException failed)
{
    Console.WriteLine($"{prefix} URL not opened: {failed.Error}");
}

return 0;

void RequestFile(string path, string reason)
{
    try
    {
        using SafeFileHandle handle = client.RequestAccess(path, AccessMode.Read, reason);
        using var reader = new StreamReader(new FileStream(handle, FileAccess.Read));
        Console.WriteLine($"{prefix} granted {path}, first line: {reader.ReadLine()}");
    }
    catch (AccessDeniedException denied)
    {
        Console.WriteLine($"{prefix} denied {path}: {denied.Reason}");
    }
}
