using System;
using System.Collections.Generic;
using SupervisorIpc.Interop;

namespace SupervisorIpc;

/// <summary>
/// The sandbox a <see cref="SupervisedChild"/> starts in (Linux: Landlock). The whole filesystem is closed to the
/// child except beneath <see cref="Paths"/>, so a file outside reaches it only as a descriptor the supervisor grants.
/// </summary>
/// <remarks>
/// By default a start is refused where the kernel cannot enforce all of this (no Landlock, or a feature asked for
/// needs a later ABI); with <see cref="BestEffort"/> the child starts anyway and
/// <see cref="SupervisedChild.Sandbox"/> says what was not enforced.
/// </remarks>
public sealed class SandboxOptions
{
    /// <summary>The Landlock ABI version this kernel offers; 0 without Landlock (or with it disabled) and on macOS.</summary>
    public static unsafe int KernelLandlockAbi
    {
        get
        {
            int abi = 0;
            return NativeMethods.SandboxAbi(&abi) == SvipcStatus.Ok ? abi : 0;
        }
    }

    /// <summary>The paths the child may use, with what it may do beneath each.</summary>
    public IList<SandboxPathRule> Paths { get; } = new List<SandboxPathRule>();

    /// <summary>
    /// Adds the rules the program needs to start: read and execute beneath its directory, its dynamic loader's
    /// and the system library directories, and read of <c>/etc/ld.so.cache</c>. True by default. A script's
    /// interpreter (<c>#!</c>), libraries found through RUNPATH or <c>LD_LIBRARY_PATH</c> elsewhere, and files the
    /// program reads at start need rules of their own.
    /// </summary>
    public bool AllowProgram { get; set; } = true;

    /// <summary>IPC the child may not direct outside the sandbox.</summary>
    public SandboxScopes Scopes { get; set; }

    /// <summary>The only TCP ports the child may bind; null (the default) leaves bind unrestricted, empty forbids it.</summary>
    public IList<ushort>? TcpBindPorts { get; set; }

    /// <summary>The only TCP ports the child may connect to; null (the default) leaves connect unrestricted, empty forbids it.</summary>
    public IList<ushort>? TcpConnectPorts { get; set; }

    /// <summary>Start even where the kernel cannot enforce everything asked for, and report what was not enforced.</summary>
    public bool BestEffort { get; set; }

    /// <summary>Adds a rule granting <paramref name="access"/> beneath <paramref name="path"/>.</summary>
    /// <param name="path">A file or directory that exists when the child starts.</param>
    /// <param name="access">What the child may do there.</param>
    /// <returns>These options, for chaining.</returns>
    public SandboxOptions Allow(string path, SandboxAccess access)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Paths.Add(new SandboxPathRule(path, access));
        return this;
    }

    /// <summary>
    /// Adds what a .NET program started through the <c>dotnet</c> host needs besides <see cref="AllowProgram"/>:
    /// read and execute beneath <paramref name="applicationDirectory"/>; read beneath <c>/proc</c> and <c>/sys</c>,
    /// which the runtime reads for the process's memory map, CPU and memory limits; and read of
    /// <c>/dev/urandom</c>, its source of random bytes (<see cref="Guid.NewGuid"/>).
    /// </summary>
    /// <param name="applicationDirectory">The directory of the application's assemblies.</param>
    /// <returns>These options, for chaining.</returns>
    public SandboxOptions AllowDotnetApplication(string applicationDirectory)
    {
        Allow(applicationDirectory, SandboxAccess.Read | SandboxAccess.Execute);
        Allow("/proc", SandboxAccess.Read);
        Allow("/sys", SandboxAccess.Read);
        return Allow("/dev/urandom", SandboxAccess.Read);
    }
}
