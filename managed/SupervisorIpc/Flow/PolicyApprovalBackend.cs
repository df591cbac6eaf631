using System;
using System.Threading;
using System.Threading.Tasks;

namespace SupervisorIpc;

/// <summary>
/// Grants exactly what a <see cref="PathPolicy"/> allows. Its policy also serves as the service's confinement
/// roots unless <see cref="SupervisorServiceOptions.Confinement"/> names others.
/// </summary>
public sealed class PolicyApprovalBackend : IApprovalBackend
{
    /// <summary>Creates a backend from a policy.</summary>
    /// <param name="policy">The allowed roots and access modes.</param>
    public PolicyApprovalBackend(PathPolicy policy)
    {
        Policy = policy ?? throw new ArgumentNullException(nameof(policy));
    }

    /// <summary>Creates a backend from rules.</summary>
    /// <param name="rules">The allowed roots and access modes.</param>
    public PolicyApprovalBackend(params PathRule[] rules)
        : this(new PathPolicy(rules))
    {
    }

    /// <summary>The policy.</summary>
    public PathPolicy Policy { get; }

    /// <inheritdoc />
    public string Name => "policy";

    /// <inheritdoc />
    public ValueTask<ApprovalDecision> DecideAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        CapabilityRequest capability = request.Request;
        if (PathPolicy.Normalize(capability.Path) is null)
        {
            return new ValueTask<ApprovalDecision>(new ApprovalDecision.Denied("the path must be absolute"));
        }

        if (Policy.TryFindRule(capability.Path, capability.Access, out _))
        {
            return new ValueTask<ApprovalDecision>(ApprovalDecision.Granted.Instance);
        }

        string reason = Policy.IsUnderAnyRoot(capability.Path)
            ? $"{capability.Access} access is not allowed for this path"
            : "the path is outside the allowed roots";
        return new ValueTask<ApprovalDecision>(new ApprovalDecision.Denied(reason));
    }
}
