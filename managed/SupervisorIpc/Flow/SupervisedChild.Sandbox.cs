using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using SupervisorIpc.Interop;

namespace SupervisorIpc;

/// <summary>The sandboxed start (native <c>svipc_spawn_sandboxed</c>) and what it enforces.</summary>
public sealed partial class SupervisedChild
{
    /// <summary>
    /// What the kernel enforces on the child when it was started with <see cref="SupervisedChildStartInfo.Sandbox"/>;
    /// null for a child started without a sandbox.
    /// </summary>
    public SandboxStatus? Sandbox { get; private init; }

    /// <summary>Marshals <paramref name="options"/> and starts the child in it; <paramref name="status"/> is set when the kernel was asked.</summary>
    private static unsafe SvipcStatus SpawnSandboxed(
        SupervisedChildStartInfo startInfo,
        SandboxOptions options,
        byte** argv,
        byte** envp,
        out SvipcSocketHandle supervisorEnd,
        int* pid,
        out SandboxStatus? status)
    {
        var paths = new List<string>(options.Paths.Count);
        foreach (SandboxPathRule rule in options.Paths)
        {
            ArgumentNullException.ThrowIfNull(rule, nameof(startInfo));
            paths.Add(rule.Path);
        }

        using var nativePaths = new NativeStringArray(paths, nameof(startInfo));
        var rules = new SvipcSandboxPathRule[paths.Count];
        for (int i = 0; i < rules.Length; i++)
        {
            rules[i] = new SvipcSandboxPathRule { Path = nativePaths.Pointer[i], Access = (uint)options.Paths[i].Access };
        }

        ushort[] bindPorts = options.TcpBindPorts is { } bind ? [.. bind] : [];
        ushort[] connectPorts = options.TcpConnectPorts is { } connect ? [.. connect] : [];
        uint flags = (options.BestEffort ? (uint)NativeMethods.SandboxBestEffort : 0)
            | (options.AllowProgram ? (uint)NativeMethods.SandboxAllowProgram : 0)
            | (options.TcpBindPorts is not null ? (uint)NativeMethods.SandboxRestrictTcpBind : 0)
            | (options.TcpConnectPorts is not null ? (uint)NativeMethods.SandboxRestrictTcpConnect : 0);

        fixed (SvipcSandboxPathRule* rulePointer = rules)
        fixed (ushort* bindPointer = bindPorts)
        fixed (ushort* connectPointer = connectPorts)
        {
            var sandbox = new SvipcSandbox
            {
                PathRules = rulePointer,
                PathRuleCount = (uint)rules.Length,
                Scopes = (uint)options.Scopes,
                Flags = flags,
                TcpBindPorts = bindPointer,
                TcpBindPortCount = (uint)bindPorts.Length,
                TcpConnectPorts = connectPointer,
                TcpConnectPortCount = (uint)connectPorts.Length,
            };
            SvipcSandboxReport report = default;
            SvipcStatus result = NativeMethods.SpawnSandboxed(
                &sandbox,
                startInfo.Program,
                argv,
                envp,
                startInfo.ChildFileDescriptor,
                startInfo.FileDescriptorVariable,
                out supervisorEnd,
                pid,
                &report);
            status = result is SvipcStatus.Ok or SvipcStatus.Unsupported ? ToStatus(report) : null;
            return result;
        }
    }

    /// <summary>The refusal of a sandbox the kernel cannot enforce, or null when the start failed for another reason.</summary>
    private static SandboxUnavailableException? SandboxRefusal(SvipcStatus status, string program, SandboxStatus? sandbox)
    {
        // Unsupported with a report on Linux: the kernel cannot enforce the sandbox. Elsewhere there is no sandbox at all.
        return status == SvipcStatus.Unsupported && sandbox is not null && OperatingSystem.IsLinux()
            ? new SandboxUnavailableException(program, sandbox)
            : null;
    }

    private static unsafe SandboxStatus ToStatus(in SvipcSandboxReport report) => new(
        report.Abi,
        report.HandledAccessFs,
        report.HandledAccessNet,
        (SandboxScopes)(uint)report.Scoped,
        (SandboxAccess)report.UnrestrictedAccess,
        (SandboxScopes)report.UnenforcedScopes,
        (report.UnenforcedFlags & NativeMethods.SandboxRestrictTcpBind) != 0,
        (report.UnenforcedFlags & NativeMethods.SandboxRestrictTcpConnect) != 0);
}
