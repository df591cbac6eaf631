using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Threading;
using System.Threading.Tasks;
using SupervisorIpc.Interop;

namespace SupervisorIpc;

/// <summary>
/// A child process started with its end of a connected socket pair inherited at a chosen descriptor number, and
/// an environment variable naming that number. .NET's <see cref="Process"/> cannot do this (every descriptor .NET
/// opens is close-on-exec), so the start goes through the native <c>svipc_spawn</c>: in the child only
/// descriptors 0, 1, 2 and the socket are open, and the supervisor's end is never inherited.
/// </summary>
/// <remarks>
/// The supervisor's end is <see cref="Socket"/>. Its peer credentials name this process, not the child (the kernel
/// records them when the pair is made); compare requests' <c>child_pid</c> with <see cref="ProcessId"/> instead.
/// This object reaps the child when it is waited for; disposing it closes <see cref="Socket"/> but does not end
/// the child (call <see cref="Kill"/> first if that is wanted).
/// </remarks>
public sealed partial class SupervisedChild : IDisposable
{
    private readonly object _exitLock = new();
    private ChildExitStatus? _exitStatus;

    private SupervisedChild(int processId, SupervisorSocket socket)
    {
        ProcessId = (uint)processId;
        Socket = socket;
        _pidfd = OpenPidfd(processId, out _pollsForExit);
    }

    /// <summary>The child's process id, typed as messages' <c>child_pid</c> and every other pid of this library.</summary>
    public uint ProcessId { get; }

    /// <summary>The pid as the operating system's calls take it (pid_t).</summary>
    private int NativePid => (int)ProcessId;

    /// <summary>The supervisor's end of the connection to the child.</summary>
    public SupervisorSocket Socket { get; }

    /// <summary>How the child ended, once a wait has observed it; null while it runs (or before anyone waited).</summary>
    public ChildExitStatus? ExitStatus
    {
        get
        {
            lock (_exitLock)
            {
                return _exitStatus;
            }
        }
    }

    /// <summary>Starts <paramref name="program"/> with <paramref name="arguments"/> and the default descriptor and variable.</summary>
    /// <param name="program">A path, or a name searched in <c>PATH</c>.</param>
    /// <param name="arguments">The arguments after the program name.</param>
    /// <returns>The running child.</returns>
    /// <exception cref="SupervisedChildStartException">The program could not be started (errno tells why, e.g. ENOENT).</exception>
    public static SupervisedChild Start(string program, params string[] arguments)
    {
        var startInfo = new SupervisedChildStartInfo(program);
        foreach (string argument in arguments)
        {
            startInfo.Arguments.Add(argument);
        }

        return Start(startInfo);
    }

    /// <summary>Starts a child as <paramref name="startInfo"/> describes.</summary>
    /// <param name="startInfo">Program, arguments, environment, descriptor number and variable name.</param>
    /// <returns>The running child.</returns>
    /// <exception cref="ArgumentException">A string contains NUL, an environment name is empty or contains '=', or the descriptor number or variable name is invalid.</exception>
    /// <exception cref="SupervisedChildStartException">The program could not be started (errno tells why, e.g. ENOENT; EACCES when the sandbox's rules do not let it execute).</exception>
    /// <exception cref="SandboxUnavailableException">The kernel cannot enforce <see cref="SupervisedChildStartInfo.Sandbox"/> and best effort was not asked for.</exception>
    public static unsafe SupervisedChild Start(SupervisedChildStartInfo startInfo)
    {
        ArgumentNullException.ThrowIfNull(startInfo);
        Validate(startInfo);

        var argv = new List<string>(startInfo.Arguments.Count + 1) { startInfo.Program };
        argv.AddRange(startInfo.Arguments);
        var environment = new List<string>(startInfo.Environment.Count + 1);
        foreach (KeyValuePair<string, string> entry in startInfo.Environment)
        {
            bool replaced = string.Equals(entry.Key, startInfo.FileDescriptorVariable, StringComparison.Ordinal)
                || (startInfo.SessionId is not null && string.Equals(entry.Key, SupervisorChannel.SessionVariable, StringComparison.Ordinal));
            if (!replaced)
            {
                environment.Add($"{entry.Key}={entry.Value}");
            }
        }

        if (startInfo.SessionId is not null)
        {
            environment.Add($"{SupervisorChannel.SessionVariable}={startInfo.SessionId}");
        }

        using var nativeArgv = new NativeStringArray(argv, nameof(startInfo));
        using var nativeEnvironment = new NativeStringArray(environment, nameof(startInfo));
        int pid;
        SandboxStatus? sandbox = null;
        SvipcSocketHandle supervisorEnd;
        SvipcStatus status = startInfo.Sandbox is { } options
            ? SpawnSandboxed(startInfo, options, nativeArgv.Pointer, nativeEnvironment.Pointer, out supervisorEnd, &pid, out sandbox)
            : NativeMethods.Spawn(
                startInfo.Program,
                nativeArgv.Pointer,
                nativeEnvironment.Pointer,
                startInfo.ChildFileDescriptor,
                startInfo.FileDescriptorVariable,
                out supervisorEnd,
                &pid);
        if (status != SvipcStatus.Ok)
        {
            int errno = Marshal.GetLastPInvokeError();
            supervisorEnd.Dispose();
            if (startInfo.Sandbox is not null && SandboxRefusal(status, startInfo.Program, sandbox) is { } refused)
            {
                throw refused;
            }

            string operation = startInfo.Sandbox is null ? "start supervised child" : "start sandboxed child";
            SupervisorSocketException failure = SocketErrors.Create(status, errno, operation, startInfo.Program);
            throw new SupervisedChildStartException(failure.Message, failure.Error, failure.Errno, startInfo.Program);
        }

        return new SupervisedChild(pid, SupervisorSocket.FromAcceptedHandle(supervisorEnd)) { Sandbox = sandbox };
    }

    /// <summary>Reaps the child if it has ended, without waiting.</summary>
    /// <param name="exitStatus">How it ended, when it has.</param>
    /// <returns>True when the child has ended.</returns>
    /// <exception cref="SupervisorSocketException">Waiting failed (e.g. the child was reaped by someone else).</exception>
    public bool TryGetExitStatus(out ChildExitStatus exitStatus) => TryWait(0, out exitStatus);

    /// <summary>Waits for the child to end and reaps it.</summary>
    /// <param name="timeout">How long to wait; null waits without limit.</param>
    /// <returns>How the child ended.</returns>
    /// <exception cref="SupervisorTimeoutException">The child still runs after <paramref name="timeout"/>.</exception>
    /// <exception cref="SupervisorSocketException">Waiting failed.</exception>
    public ChildExitStatus WaitForExit(TimeSpan? timeout = null)
    {
        int milliseconds = SupervisorSocket.ToMilliseconds(timeout);
        if (TryWait(milliseconds, out ChildExitStatus exitStatus))
        {
            return exitStatus;
        }

        string operation = $"wait for supervised child {ProcessId}";
        throw new SupervisorTimeoutException($"{operation} failed: it still runs after {timeout}", 0, operation, path: null);
    }

    /// <summary>Closes the supervisor's end of the socket and reaps the child if it has already ended.</summary>
    public void Dispose()
    {
        Socket.Dispose();
        ReleaseExitWatch();
        try
        {
            _ = TryWait(0, out _);
        }
        catch (SupervisorSocketException)
        {
            // Reaped elsewhere: nothing left to release.
        }
    }

    private unsafe bool TryWait(int timeoutMilliseconds, out ChildExitStatus exitStatus)
    {
        lock (_exitLock)
        {
            if (_exitStatus is { } known)
            {
                exitStatus = known;
                return true;
            }

            SvipcChildExit native;
            SvipcStatus status = NativeMethods.WaitChild(NativePid, timeoutMilliseconds, &native);
            if (status == SvipcStatus.Timeout)
            {
                exitStatus = default;
                return false;
            }

            if (status != SvipcStatus.Ok)
            {
                throw SocketErrors.Create(status, Marshal.GetLastPInvokeError(), $"wait for supervised child {ProcessId}");
            }

            exitStatus = new ChildExitStatus(native.ExitCode, native.Signal);
            _exitStatus = exitStatus;
            return true;
        }
    }

    private static void Validate(SupervisedChildStartInfo startInfo)
    {
        if (startInfo.ChildFileDescriptor is < 3 or > NativeMethods.MaxChildFd)
        {
            throw new ArgumentException($"The child's descriptor number must be 3..{NativeMethods.MaxChildFd}.", nameof(startInfo));
        }

        if (!IsVariableName(startInfo.FileDescriptorVariable))
        {
            throw new ArgumentException("The descriptor variable must be a name of letters, digits and '_' not starting with a digit.", nameof(startInfo));
        }

        foreach (string key in startInfo.Environment.Keys)
        {
            if (key.Length == 0 || key.Contains('=', StringComparison.Ordinal))
            {
                throw new ArgumentException($"'{key}' is not a valid environment variable name.", nameof(startInfo));
            }
        }
    }

    private static bool IsVariableName(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > NativeMethods.MaxVariableName || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (char c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
