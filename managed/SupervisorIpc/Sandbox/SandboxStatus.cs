namespace SupervisorIpc;

/// <summary>What the kernel enforces on a sandboxed child, for the audit (<see cref="SupervisedChild.Sandbox"/>).</summary>
/// <param name="LandlockAbi">The Landlock ABI version used; 0 when the kernel has none and nothing is enforced.</param>
/// <param name="HandledFileSystemAccess">The Landlock filesystem access bits denied outside the rules (kernel values).</param>
/// <param name="HandledNetworkAccess">The Landlock network access bits restricted to the listed ports (1: bind, 2: connect).</param>
/// <param name="EnforcedScopes">The scopes the kernel enforces.</param>
/// <param name="UnrestrictedAccess">Rights the kernel cannot withhold, which the child therefore has everywhere.</param>
/// <param name="UnenforcedScopes">Scopes asked for and not enforced.</param>
/// <param name="TcpBindUnenforced">True when a TCP bind restriction was asked for and not enforced.</param>
/// <param name="TcpConnectUnenforced">True when a TCP connect restriction was asked for and not enforced.</param>
public sealed record SandboxStatus(
    int LandlockAbi,
    ulong HandledFileSystemAccess,
    ulong HandledNetworkAccess,
    SandboxScopes EnforcedScopes,
    SandboxAccess UnrestrictedAccess,
    SandboxScopes UnenforcedScopes,
    bool TcpBindUnenforced,
    bool TcpConnectUnenforced)
{
    /// <summary>True when the child runs restricted by the kernel.</summary>
    public bool Enforced => LandlockAbi > 0;

    /// <summary>True when everything asked for is enforced.</summary>
    public bool IsComplete => Enforced && UnrestrictedAccess == SandboxAccess.None && UnenforcedScopes == SandboxScopes.None
        && !TcpBindUnenforced && !TcpConnectUnenforced;

    /// <summary>What is not enforced, in words ("nothing" when complete).</summary>
    public string Shortfall
    {
        get
        {
            if (!Enforced)
            {
                return "no Landlock in this kernel: nothing is enforced";
            }

            var parts = new System.Collections.Generic.List<string>();
            if (UnrestrictedAccess != SandboxAccess.None)
            {
                parts.Add($"rights not withheld: {UnrestrictedAccess}");
            }

            if (UnenforcedScopes != SandboxScopes.None)
            {
                parts.Add($"scopes not enforced: {UnenforcedScopes}");
            }

            if (TcpBindUnenforced || TcpConnectUnenforced)
            {
                parts.Add($"TCP {(TcpBindUnenforced ? TcpConnectUnenforced ? "bind and connect" : "bind" : "connect")} not restricted");
            }

            return parts.Count == 0 ? "nothing" : $"Landlock ABI {LandlockAbi}: {string.Join("; ", parts)}";
        }
    }
}
