using System.IO;

namespace SupervisorIpc.Demo;

/// <summary>
/// The sandboxes the demo's children start in: the program and what it loads, /proc for the runtime and the
/// C child's descriptor listing, and nothing of the demo's files. Best effort, so that the demo still runs (and
/// says so) on a kernel without Landlock; where Landlock exists the children check the kernel's refusal themselves.
/// </summary>
internal static class DemoSandbox
{
    /// <summary>Set in a child's environment when its direct open must be refused by the kernel.</summary>
    public const string ExpectRefusalVariable = "SVIPC_DEMO_EXPECT_REFUSAL";

    private const SandboxScopes NoIpcOutside = SandboxScopes.AbstractUnixSockets | SandboxScopes.Signals;

    public static SandboxOptions ForCChild(string program)
    {
        var sandbox = new SandboxOptions { Scopes = NoIpcOutside, BestEffort = true }.Allow("/proc", SandboxAccess.Read);
        // c-child finds libsupervisor_ipc.so through its RUNPATH: the build's lib/ beside bin/.
        string library = Path.GetFullPath(Path.Combine(Path.GetDirectoryName(program)!, "..", "lib"));
        return Directory.Exists(library) ? sandbox.Allow(library, SandboxAccess.Read | SandboxAccess.Execute) : sandbox;
    }

    public static SandboxOptions ForCSharpChild(string assembly)
    {
        var sandbox = new SandboxOptions { Scopes = NoIpcOutside, BestEffort = true };
        return sandbox.AllowDotnetApplication(Path.GetDirectoryName(Path.GetFullPath(assembly))!);
    }
}
