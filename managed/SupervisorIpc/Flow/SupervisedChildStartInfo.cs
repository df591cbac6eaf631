using System;
using System.Collections;
using System.Collections.Generic;

namespace SupervisorIpc;

/// <summary>What <see cref="SupervisedChild.Start(SupervisedChildStartInfo)"/> starts and how the child finds its socket.</summary>
public sealed class SupervisedChildStartInfo
{
    /// <summary>Creates start information for <paramref name="program"/> with this process's environment.</summary>
    /// <param name="program">A path to the program, or a name searched in <c>PATH</c> when it has no '/'.</param>
    public SupervisedChildStartInfo(string program)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        Program = program;
        foreach (DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            Environment[(string)entry.Key] = (string?)entry.Value ?? string.Empty;
        }
    }

    /// <summary>The program to start.</summary>
    public string Program { get; }

    /// <summary>The arguments after the program name (the child's <c>argv[1..]</c>).</summary>
    public IList<string> Arguments { get; } = new List<string>();

    /// <summary>
    /// The child's environment, initially a copy of this process's. The variable named by
    /// <see cref="FileDescriptorVariable"/> (and <see cref="SupervisorChannel.SessionVariable"/> when
    /// <see cref="SessionId"/> is set) is replaced at start.
    /// </summary>
    public IDictionary<string, string> Environment { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The descriptor number of the socket in the child (3 to 1023); 3 by default.</summary>
    public int ChildFileDescriptor { get; set; } = SupervisorChannel.DefaultFileDescriptor;

    /// <summary>The environment variable that tells the child its descriptor number; <c>SUPERVISOR_IPC_FD</c> by default.</summary>
    public string FileDescriptorVariable { get; set; } = SupervisorChannel.DefaultFileDescriptorVariable;

    /// <summary>
    /// A session id for the child, passed as <see cref="SupervisorChannel.SessionVariable"/> so that
    /// <see cref="SupervisorClient.FromEnvironment"/> fills it into every request; null passes none.
    /// </summary>
    public string? SessionId { get; set; }

    /// <summary>
    /// The sandbox the child starts in (Linux: Landlock), or null (the default) for an ordinary child that can open
    /// any file its user can. On macOS a sandboxed start is not supported.
    /// </summary>
    public SandboxOptions? Sandbox { get; set; }
}
