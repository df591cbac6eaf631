using System.Threading;
using System.Threading.Tasks;

namespace SupervisorIpc;

/// <summary>
/// Decides whether a child gets the access it asks for. The <see cref="SupervisorService"/> consults it only
/// after its own checks (replay, rate limit, identity), and on a grant opens the file itself.
/// </summary>
public interface IApprovalBackend
{
    /// <summary>A short name for audit records, e.g. "policy" or "prompt".</summary>
    string Name { get; }

    /// <summary>Decides on one request.</summary>
    /// <param name="request">The request and who sent it.</param>
    /// <param name="cancellationToken">Cancelled when the service stops.</param>
    /// <returns>Granted, Denied with a reason for the child, or Timeout.</returns>
    ValueTask<ApprovalDecision> DecideAsync(ApprovalRequest request, CancellationToken cancellationToken);
}
