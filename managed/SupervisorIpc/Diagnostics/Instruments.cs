using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace SupervisorIpc;

/// <summary>
/// The process-wide meter and activity source, created once: instruments are cheap to hit when nobody listens
/// (each <c>Add</c> checks an enabled flag), so every socket and service reports through the same ones.
/// </summary>
internal static class Instruments
{
    private static readonly string? s_version = typeof(Instruments).Assembly.GetName().Version?.ToString();

    public static readonly Meter Meter = new(SupervisorIpcTelemetry.MeterName, s_version);

    public static readonly ActivitySource ActivitySource = new(SupervisorIpcTelemetry.ActivitySourceName, s_version);

    public static readonly Counter<long> Requests = Meter.CreateCounter<long>(
        "supervisoripc.requests", "{request}", "Messages a supervisor answered, by kind, outcome and decider.");

    public static readonly Histogram<double> DecisionDuration = Meter.CreateHistogram<double>(
        "supervisoripc.decision.duration", "s", "From receiving a message to having sent its answer.");

    public static readonly UpDownCounter<long> ActiveConnections = Meter.CreateUpDownCounter<long>(
        "supervisoripc.connections.active", "{connection}", "Connections a supervisor service is serving.");

    public static readonly Counter<long> Frames = Meter.CreateCounter<long>(
        "supervisoripc.frames", "{frame}", "Frames sent and received.");

    public static readonly Counter<long> Bytes = Meter.CreateCounter<long>(
        "supervisoripc.bytes", "By", "Frame bytes sent and received, the 4-byte length prefix included.");

    public static readonly Counter<long> ProtocolViolations = Meter.CreateCounter<long>(
        "supervisoripc.protocol_violations", "{violation}", "Received frames refused as malformed, too large or against the protocol.");

    public static readonly Counter<long> AuditFailures = Meter.CreateCounter<long>(
        "supervisoripc.audit.failures", "{failure}", "Audit callbacks or observers that threw (the service went on serving).");

    private static readonly KeyValuePair<string, object?> s_sent = new("supervisoripc.direction", "sent");
    private static readonly KeyValuePair<string, object?> s_received = new("supervisoripc.direction", "received");

    public static void FrameSent(int payloadLength)
    {
        Frames.Add(1, s_sent);
        Bytes.Add(payloadLength + 4L, s_sent);
    }

    public static void FrameReceived(int payloadLength)
    {
        Frames.Add(1, s_received);
        Bytes.Add(payloadLength + 4L, s_received);
    }

    /// <summary>Counts a receive that failed because of what the peer sent (not a timeout, close or local error).</summary>
    public static void ReceiveFailed(Exception failure)
    {
        string? violation = failure switch
        {
            SupervisorMessageFormatException => "malformed_message",
            SupervisorSocketException { Error: SupervisorIpcError.TooLarge } => "too_large",
            SupervisorSocketException { Error: SupervisorIpcError.ProtocolViolation } => "protocol_violation",
            SupervisorSocketException { Error: SupervisorIpcError.MalformedMessage } => "malformed_message",
            SupervisorConnectionClosedException { IsOrderly: false } => "truncated",
            _ => null,
        };
        if (violation is not null)
        {
            ProtocolViolations.Add(1, new KeyValuePair<string, object?>("supervisoripc.violation", violation));
        }
    }

    public static string Tag(AuditOutcome outcome) => outcome switch
    {
        AuditOutcome.Granted => "granted",
        AuditOutcome.Denied => "denied",
        AuditOutcome.Timeout => "timeout",
        AuditOutcome.Opened => "opened",
        _ => "failed",
    };

    public static string Kind(SupervisorMessage message) => message is SupervisorMessage.OpenUrl ? "open_url" : "request";
}
