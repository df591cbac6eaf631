using System;
using System.Threading;
using System.Threading.Tasks;

namespace SupervisorIpc;

/// <summary>
/// Asks a delegate, e.g. one that prompts the user. Grants still open files only inside
/// <see cref="SupervisorServiceOptions.Confinement"/>; without confinement roots the service denies every grant.
/// </summary>
public sealed class CallbackApprovalBackend : IApprovalBackend
{
    private readonly Func<ApprovalRequest, CancellationToken, ValueTask<ApprovalDecision>> _decide;

    /// <summary>Creates a backend around an asynchronous delegate.</summary>
    /// <param name="decide">Decides on a request.</param>
    /// <param name="name">The name shown in audit records.</param>
    public CallbackApprovalBackend(Func<ApprovalRequest, CancellationToken, ValueTask<ApprovalDecision>> decide, string name = "callback")
    {
        _decide = decide ?? throw new ArgumentNullException(nameof(decide));
        ArgumentException.ThrowIfNullOrEmpty(name);
        Name = name;
    }

    /// <summary>Creates a backend around a synchronous delegate.</summary>
    /// <param name="decide">Decides on a request.</param>
    /// <param name="name">The name shown in audit records.</param>
    public CallbackApprovalBackend(Func<ApprovalRequest, ApprovalDecision> decide, string name = "callback")
        : this(WrapSynchronous(decide), name)
    {
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public async ValueTask<ApprovalDecision> DecideAsync(ApprovalRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ApprovalDecision? decision = await _decide(request, cancellationToken).ConfigureAwait(false);
        return decision ?? throw new InvalidOperationException($"The approval callback '{Name}' returned null.");
    }

    private static Func<ApprovalRequest, CancellationToken, ValueTask<ApprovalDecision>> WrapSynchronous(Func<ApprovalRequest, ApprovalDecision> decide)
    {
        ArgumentNullException.ThrowIfNull(decide);
        return (request, _) => new ValueTask<ApprovalDecision>(decide(request));
    }
}
