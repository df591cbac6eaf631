using System;
using System.IO;

namespace SupervisorIpc.Demo;

/// <summary>Finds the demo's children in the build output when no paths are given.</summary>
internal static class DemoPaths
{
    // This program runs from artifacts/bin/SupervisorIpc.Demo.Supervisor/<configuration>/<framework>/.
    private static readonly DirectoryInfo Output = new(AppContext.BaseDirectory);

    public static string? FindCChild()
    {
        DirectoryInfo? artifacts = Output.Parent?.Parent?.Parent?.Parent;
        string? candidate = artifacts is null ? null : Path.Combine(artifacts.FullName, "native", "release", "bin", "c-child");
        return candidate is not null && File.Exists(candidate) ? candidate : null;
    }

    public static string? FindCSharpChild()
    {
        DirectoryInfo? bin = Output.Parent?.Parent?.Parent;
        if (bin is null || Output.Parent?.Parent is null)
        {
            return null;
        }

        string candidate = Path.Combine(bin.FullName, "SupervisorIpc.Demo.Child", Output.Parent.Name, Output.Name, "SupervisorIpc.Demo.Child.dll");
        return File.Exists(candidate) ? candidate : null;
    }
}
