// A release user's program: SupervisorIpc comes from its NuGet package, native library included.
// Both ends of a pair in one process: the child asks to read a file, the supervisor grants it by
// passing an open descriptor and a Decision, and the child reads the file through that descriptor.
using System.Reflection;
using System.Runtime.Versioning;
using System.Text;
using Microsoft.Win32.SafeHandles;
using SupervisorIpc;

const string Content = "read through a descriptor passed by the packaged native library\n";
string path = Path.Combine(Path.GetTempPath(), $"svipc-package-consumer-{Environment.ProcessId}.txt");
File.WriteAllText(path, Content);
try
{
    var (supervisorEnd, childEnd) = SupervisorSocket.CreatePair();
    using (supervisorEnd)
    using (childEnd)
    {
        var request = new CapabilityRequest("req-1", path, AccessMode.Read, "package consumer", (uint)Environment.ProcessId, "session-1");
        childEnd.SendMessage(new SupervisorMessage.Request(request));

        if (supervisorEnd.ReceiveMessage() is not SupervisorMessage.Request { Capability: var received } || received != request)
        {
            return Fail("the supervisor received a different request");
        }

        using (SafeFileHandle file = File.OpenHandle(received.Path, FileMode.Open, FileAccess.Read))
        {
            supervisorEnd.SendFileDescriptor(file);
        }

        supervisorEnd.SendResponse(new SupervisorResponse.Decision(received.RequestId, ApprovalDecision.Granted.Instance));

        using SafeFileHandle granted = childEnd.ReceiveFileDescriptor();
        if (childEnd.ReceiveResponse() is not SupervisorResponse.Decision { RequestId: "req-1", Outcome: ApprovalDecision.Granted })
        {
            return Fail("the child received a different decision");
        }

        // The file is gone by name; only the passed descriptor can still reach its content.
        File.Delete(path);
        byte[] buffer = new byte[4096];
        int count = RandomAccess.Read(granted, buffer, 0);
        if (Encoding.UTF8.GetString(buffer, 0, count) != Content)
        {
            return Fail("reading through the received descriptor did not give the file's content");
        }

        if (OperatingSystem.IsLinux() && !IsCloseOnExec(granted))
        {
            return Fail("the received descriptor is not close-on-exec");
        }
    }
}
finally
{
    File.Delete(path);
}

Console.WriteLine($"dotnet package consumer: native library {LoadedNativeLibrary()}");
// Which of the package's builds (lib/net8.0, lib/net10.0) ran, on which runtime: the test checks both.
Console.WriteLine($"dotnet package consumer: library {typeof(SupervisorSocket).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName}");
Console.WriteLine($"dotnet package consumer: runtime {Environment.Version}");
Console.WriteLine("dotnet package consumer: pair round trip with descriptor pass OK");
return 0;

static int Fail(string message)
{
    Console.Error.WriteLine($"dotnet package consumer: {message}");
    return 1;
}

// Linux reports each descriptor's open flags in octal; O_CLOEXEC is 02000000.
static bool IsCloseOnExec(SafeFileHandle handle)
{
    string info = File.ReadAllText($"/proc/self/fdinfo/{handle.DangerousGetHandle()}");
    string flags = info.Split('\n').First(line => line.StartsWith("flags:", StringComparison.Ordinal))["flags:".Length..].Trim();
    return (Convert.ToInt64(flags, 8) & 0x80000) != 0;
}

// Where the process loaded the native library from, so the test can check it is the package's asset.
static string LoadedNativeLibrary()
{
    if (!OperatingSystem.IsLinux())
    {
        return "(location not checked on this OS)";
    }

    return File.ReadLines("/proc/self/maps")
        .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        .Where(fields => fields.Length >= 6 && fields[5].EndsWith("/libsupervisor_ipc.so", StringComparison.Ordinal))
        .Select(fields => fields[5])
        .FirstOrDefault() ?? "(not mapped)";
}
