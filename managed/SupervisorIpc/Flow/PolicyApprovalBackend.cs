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
    /// <param name="policy">The allowed roots and access modes; at least one rule.</param>
    /// <exception cref="ArgumentException">The policy has no rule (it would deny every request).</exception>
    public PolicyApprovalBackend(PathPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (policy.Rules.Count == 0)
        {
            throw new ArgumentException(
                "A PolicyApprovalBackend needs at least one PathRule: with none it would deny every request. A supervisor that only opens URLs can pass a CallbackApprovalBackend that denies.",
                nameof(policy));
        }

        Policy = policy;
    }

    /// <summary>Creates a backend from rules.</summary>
    /// <param name="rules">The allowed roots and access modes; at least one.</param>
    /// <exception cref="ArgumentException">No rule was given (the backend would deny every request).</exception>
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
        CapabilityRequest capability = request.Capability;
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
