namespace SupervisorIpc;

/// <summary>
/// Names under which SupervisorIpc reports metrics (<see cref="System.Diagnostics.Metrics.Meter"/>) and traces
/// (<see cref="System.Diagnostics.ActivitySource"/>), for <c>dotnet-counters monitor --counters SupervisorIpc</c>,
/// OpenTelemetry's <c>AddMeter</c>/<c>AddSource</c>, or a <see cref="System.Diagnostics.Metrics.MeterListener"/>.
/// </summary>
/// <remarks>
/// Instruments of the meter: <c>supervisoripc.requests</c> (messages answered, by <c>supervisoripc.message.kind</c>,
/// <c>supervisoripc.outcome</c> and <c>supervisoripc.decided_by</c>), <c>supervisoripc.decision.duration</c>
/// (seconds from receiving a message to having sent its answer, by kind and outcome),
/// <c>supervisoripc.connections.active</c> (connections a <see cref="SupervisorService"/> is serving),
/// <c>supervisoripc.frames</c> and <c>supervisoripc.bytes</c> (frames and bytes, length prefix included, by
/// <c>supervisoripc.direction</c> <c>sent</c> or <c>received</c>), <c>supervisoripc.protocol_violations</c>
/// (received frames refused, by <c>supervisoripc.violation</c>) and <c>supervisoripc.audit.failures</c> (audit
/// observers that threw). The activity source starts one span per answered message, named after the message kind.
/// </remarks>
public static class SupervisorIpcTelemetry
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/>: "SupervisorIpc".</summary>
    public const string MeterName = "SupervisorIpc";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/>: "SupervisorIpc".</summary>
    public const string ActivitySourceName = "SupervisorIpc";
}
