namespace SupervisorIpc;

/// <summary>
/// The supervisor's answer to a <see cref="CapabilityRequest"/>: the reference's enum <c>ApprovalDecision</c>.
/// On the wire the unit variants are bare strings (<c>"Granted"</c>, <c>"Timeout"</c>) and
/// <see cref="Denied"/> is <c>{"Denied":{"reason":…}}</c>.
/// </summary>
/// <remarks>
/// The variants are the nested sealed records <see cref="Granted"/>, <see cref="Denied"/> and <see cref="Timeout"/>;
/// no other subtype can be created. The unit variants have shared instances (<see cref="Granted.Instance"/>,
/// <see cref="Timeout.Instance"/>); being records without state, every instance of one equals every other.
/// </remarks>
public abstract record ApprovalDecision
{
    // Only the nested variants may derive: the wire has exactly these three.
    private ApprovalDecision()
    {
    }

    /// <summary>Access granted; in the grant flow the descriptor travels with it.</summary>
    public sealed record Granted : ApprovalDecision
    {
        /// <summary>The shared instance, which the decoder returns.</summary>
        public static Granted Instance { get; } = new();
    }

    /// <summary>Access refused.</summary>
    /// <param name="Reason">Why, for the child to report (<c>reason</c>, required on the wire).</param>
    public sealed record Denied(string Reason) : ApprovalDecision;

    /// <summary>Nobody decided in time.</summary>
    public sealed record Timeout : ApprovalDecision
    {
        /// <summary>The shared instance, which the decoder returns.</summary>
        public static Timeout Instance { get; } = new();
    }
}
