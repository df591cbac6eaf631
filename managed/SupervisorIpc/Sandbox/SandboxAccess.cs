using System;

namespace SupervisorIpc;

/// <summary>Rights a <see cref="SandboxPathRule"/> grants beneath its path. Outside its rules a sandboxed child has none of them.</summary>
[Flags]
public enum SandboxAccess
{
    /// <summary>No right.</summary>
    None = 0,

    /// <summary>Read files and list directories.</summary>
    Read = 0x1,

    /// <summary>Write to files, and truncate them (truncation is withheld from Landlock ABI 3).</summary>
    Write = 0x2,

    /// <summary>Execute files (a program, its loader and its libraries need it).</summary>
    Execute = 0x4,

    /// <summary>Make files, directories, symbolic links, sockets and FIFOs; link or move files in (Landlock ABI 2).</summary>
    Create = 0x8,

    /// <summary>Remove files and directories, and move them out.</summary>
    Remove = 0x10,

    /// <summary>ioctl on device files (withheld from Landlock ABI 5).</summary>
    DeviceIoctl = 0x20,
}
