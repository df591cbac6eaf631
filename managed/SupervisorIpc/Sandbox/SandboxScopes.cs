using System;

namespace SupervisorIpc;

/// <summary>IPC a sandboxed child may not direct outside its sandbox (Landlock ABI 6).</summary>
[Flags]
public enum SandboxScopes
{
    /// <summary>No scope: abstract Unix sockets and signals are not restricted.</summary>
    None = 0,

    /// <summary>No connect to an abstract Unix socket made outside the sandbox.</summary>
    AbstractUnixSockets = 0x1,

    /// <summary>No signal to a process outside the sandbox.</summary>
    Signals = 0x2,
}
