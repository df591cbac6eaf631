// The SupervisorIpc demo: a supervisor in C# starts two children with their end of a socket inherited, one
// written in C against the native library, one in C#, each inside a sandbox (Linux: Landlock) where no file of
// the demo is reachable by path. Each first opens the allowed file itself (the kernel refuses), then asks for it
// (it arrives as a descriptor), asks for one the policy does not allow, and for a URL to be opened; the
// supervisor answers through SupervisorService and prints the audit log.
// Usage: SupervisorIpc.Demo.Supervisor [--c-child PATH] [--cs-child PATH-TO-DLL]
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using SupervisorIpc;
using SupervisorIpc.Demo;

string? cChild = OptionValue(args, "--c-child") ?? DemoPaths.FindCChild();
string? csChild = OptionValue(args, "--cs-child") ?? DemoPaths.FindCSharpChild();
if (cChild is null || csChild is null)
{
    Console.Error.WriteLine("demo: cannot find the children; build first (./build.sh build) or pass --c-child and --cs-child.");
    return 2;
}

using var files = DemoFiles.Create();
var opener = new RecordingUrlOpener();
var audit = new ConcurrentQueue<AuditEvent>();
using var service = new SupervisorService(new SupervisorServiceOptions
{
    ApprovalBackend = new PolicyApprovalBackend(new PathRule(files.AllowedDirectory, AccessMode.Read)),
    UrlOpener = opener,
    AllowedUrlOrigins = ["https://example.com"],
    Audit = audit.Enqueue,
});

Console.WriteLine($"[supervisor] policy: Read under {files.AllowedDirectory}; URLs from https://example.com");
int failures = 0;
// The C child loads the library through its RUNPATH (the build's lib/), the C# child runs on the dotnet host.
SandboxOptions cSandbox = DemoSandbox.ForCChild(cChild);
SandboxOptions csSandbox = DemoSandbox.ForCSharpChild(csChild);
failures += await RunChildAsync(service, "C child", cChild, [], cSandbox, files, "https://example.com/oauth/callback?code=demo-c");
failures += await RunChildAsync(service, "C# child", DotnetHost(), [csChild], csSandbox, files, "https://phishing.example.net/login");

AuditEvent[] events = audit.ToArray();
AuditTable.Print(events);
failures += Expect(events, files);
Console.WriteLine(failures == 0 ? "\ndemo: OK" : $"\ndemo: {failures} unexpected result(s)");
return failures == 0 ? 0 : 1;

static async Task<int> RunChildAsync(SupervisorService service, string label, string program, string[] leadingArguments, SandboxOptions sandbox, DemoFiles files, string url)
{
    var startInfo = new SupervisedChildStartInfo(program) { SessionId = $"demo-{label.Replace(' ', '-').ToLowerInvariant()}", Sandbox = sandbox };
    if (SandboxOptions.KernelLandlockAbi > 0)
    {
        // The child checks that its own open of the allowed file is refused, and fails the demo if it is not.
        startInfo.Environment[DemoSandbox.ExpectRefusalVariable] = "1";
    }
    foreach (string argument in leadingArguments.Concat([files.AllowedFile, files.SecretFile, url]))
    {
        startInfo.Arguments.Add(argument);
    }

    Console.WriteLine();
    Console.WriteLine($"[supervisor] starting the {label}: {Path.GetFileName(program)} (socket inherited as descriptor {startInfo.ChildFileDescriptor})");
    using SupervisedChild child = SupervisedChild.Start(startInfo);
    SandboxStatus enforced = child.Sandbox!;
    Console.WriteLine(enforced.Enforced
        ? $"[supervisor] the {label} runs in a Landlock domain (ABI {enforced.LandlockAbi}, scopes {enforced.EnforcedScopes}); not enforced: {enforced.Shortfall}"
        : $"[supervisor] the {label} runs unconfined: {enforced.Shortfall}");
    using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
    try
    {
        await service.ServeAsync(child, deadline.Token);
        ChildExitStatus exit = await child.WaitForExitAsync(deadline.Token);
        Console.WriteLine($"[supervisor] the {label} (pid {child.ProcessId}) ended: {exit}");
        return exit is { ExitedNormally: true, ExitCode: 0 } ? 0 : 1;
    }
    catch (Exception failure) when (failure is OperationCanceledException or SupervisorIpcException)
    {
        Console.WriteLine($"[supervisor] the {label} failed: {failure.Message}");
        child.Kill();
        await child.WaitForExitAsync(CancellationToken.None);
        return 1;
    }
}

// Each child must have had its allowed file granted with a descriptor and its secret denied.
static int Expect(IReadOnlyList<AuditEvent> events, DemoFiles files)
{
    int problems = 0;
    foreach (IGrouping<uint, AuditEvent> child in events.Where(e => e.Message is SupervisorMessage.Request)
                 .GroupBy(e => ((SupervisorMessage.Request)e.Message).Capability.ChildPid))
    {
        bool granted = child.Any(e => e.Subject.EndsWith(files.AllowedFile, StringComparison.Ordinal) && e.Outcome == AuditOutcome.Granted && e.DescriptorSent);
        bool denied = child.Any(e => e.Subject.EndsWith(files.SecretFile, StringComparison.Ordinal) && e.Outcome == AuditOutcome.Denied);
        problems += (granted ? 0 : 1) + (denied ? 0 : 1);
    }

    return events.Count(e => e.Message is SupervisorMessage.Request) == 4 ? problems : problems + 1;
}

static string DotnetHost()
{
    string? host = Environment.ProcessPath;
    return host is not null && Path.GetFileNameWithoutExtension(host) == "dotnet" ? host : "dotnet";
}

static string? OptionValue(string[] arguments, string name)
{
    int index = Array.IndexOf(arguments, name);
    return index >= 0 && index + 1 < arguments.Length ? arguments[index + 1] : null;
}
