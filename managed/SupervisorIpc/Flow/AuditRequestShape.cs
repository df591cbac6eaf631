namespace SupervisorIpc;

/// <summary>How <see cref="AuditJsonLinesWriter"/> writes the <c>request</c> of an audit entry.</summary>
public enum AuditRequestShape
{
    /// <summary>
    /// The reference's 0.63 shape: the <c>CapabilityRequest</c> as it travels,
    /// <c>{"request_id":…,"path":…,"access":…,"reason":…,"child_pid":…,"session_id":…}</c>.
    /// </summary>
    CapabilityRequest,

    /// <summary>
    /// The reference's shape from 0.65 on: an <c>ApprovalRequest</c> tagged by its variant,
    /// <c>{"capability_type":"capability","request_id":…,…}</c>, the same fields after the tag.
    /// </summary>
    ApprovalRequest,
}
