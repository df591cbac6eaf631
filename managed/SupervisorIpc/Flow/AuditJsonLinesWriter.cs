using System;
using System.IO;

namespace SupervisorIpc;

/// <summary>
/// Writes audit events as JSON lines in the reference's <c>AuditEntry</c> shape, byte for byte as its
/// <c>serde_json</c> writes one, so that tooling built for the reference's audit log reads ours:
/// <c>{"timestamp":{"secs_since_epoch":…,"nanos_since_epoch":…},"request":{…},"decision":…,"backend":"…","duration_ms":…}</c>.
/// </summary>
/// <remarks>
/// <para><c>timestamp</c> is when the decision was sent (<see cref="AuditEvent.Timestamp"/> plus
/// <see cref="AuditEvent.Duration"/>) as serde writes a <c>SystemTime</c>; <c>request</c> follows
/// <see cref="RequestShape"/>; <c>decision</c> is the answer the child got; <c>backend</c> is
/// <see cref="AuditEvent.DeciderName"/> (the backend's name, or the service check that decided first);
/// <c>duration_ms</c> is the duration in whole milliseconds, truncated.</para>
/// <para>The reference has no audit entry for <c>OpenUrl</c>: such events are not written
/// (<see cref="Write"/> returns false). Each line is written and flushed with one call, under a lock, so the writer
/// can observe several services at once. Pass <see cref="Write"/> as <see cref="SupervisorServiceOptions.Audit"/>
/// or subscribe the writer to a service.</para>
/// </remarks>
public sealed class AuditJsonLinesWriter : IObserver<AuditEvent>, IDisposable
{
    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly object _lock = new();
    private bool _disposed;

    /// <summary>Creates a writer onto a stream, e.g. a <see cref="FileStream"/> opened for appending.</summary>
    /// <param name="stream">Where the lines go (UTF-8, each ending in '\n').</param>
    /// <param name="requestShape">How the request is written; the reference's 0.63 shape by default.</param>
    /// <param name="leaveOpen">Keep <paramref name="stream"/> open when the writer is disposed.</param>
    public AuditJsonLinesWriter(Stream stream, AuditRequestShape requestShape = AuditRequestShape.CapabilityRequest, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanWrite)
        {
            throw new ArgumentException("The stream must be writable.", nameof(stream));
        }

        if (requestShape is not (AuditRequestShape.CapabilityRequest or AuditRequestShape.ApprovalRequest))
        {
            throw new ArgumentOutOfRangeException(nameof(requestShape), requestShape, "Not an AuditRequestShape member.");
        }

        _stream = stream;
        RequestShape = requestShape;
        _leaveOpen = leaveOpen;
    }

    /// <summary>How the <c>request</c> of each entry is written.</summary>
    public AuditRequestShape RequestShape { get; }

    /// <summary>Writes one line for a file request's event.</summary>
    /// <param name="audit">The event.</param>
    /// <returns>True when a line was written; false for an <c>OpenUrl</c> event, which the reference does not audit.</returns>
    /// <exception cref="ObjectDisposedException">The writer is disposed.</exception>
    /// <exception cref="IOException">Writing to the stream failed.</exception>
    public bool Write(AuditEvent audit)
    {
        ArgumentNullException.ThrowIfNull(audit);
        if (audit.Message is not SupervisorMessage.Request)
        {
            return false;
        }

        byte[] line = Encode(audit, RequestShape, newline: true);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _stream.Write(line);
            _stream.Flush();
        }

        return true;
    }

    /// <summary>The entry of a file request's event as one JSON object, without a line end.</summary>
    /// <param name="audit">The event; its message must be a <see cref="SupervisorMessage.Request"/>.</param>
    /// <param name="requestShape">How the request is written.</param>
    /// <returns>The JSON text.</returns>
    /// <exception cref="ArgumentException">The event is not a file request's, or its time is before 1970.</exception>
    public static string Format(AuditEvent audit, AuditRequestShape requestShape = AuditRequestShape.CapabilityRequest)
    {
        ArgumentNullException.ThrowIfNull(audit);
        return System.Text.Encoding.UTF8.GetString(Encode(audit, requestShape, newline: false));
    }

    /// <inheritdoc />
    void IObserver<AuditEvent>.OnNext(AuditEvent value) => Write(value);

    /// <inheritdoc />
    void IObserver<AuditEvent>.OnError(Exception error)
    {
    }

    /// <inheritdoc />
    void IObserver<AuditEvent>.OnCompleted()
    {
    }

    /// <summary>Flushes and, unless the writer was made with <c>leaveOpen</c>, closes the stream.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            if (_leaveOpen)
            {
                _stream.Flush();
            }
            else
            {
                _stream.Dispose();
            }
        }
    }

    private static byte[] Encode(AuditEvent audit, AuditRequestShape shape, bool newline)
    {
        if (audit.Message is not SupervisorMessage.Request request || audit.Response is not SupervisorResponse.Decision decision)
        {
            throw new ArgumentException("Only a file request's event has an audit entry in the reference's shape.", nameof(audit));
        }

        long sinceEpoch = (audit.Timestamp + audit.Duration).UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        if (sinceEpoch < 0)
        {
            // serde refuses a SystemTime before the epoch too.
            throw new ArgumentException("The event's time is before 1970-01-01.", nameof(audit));
        }

        var entry = new Entry(request.Capability, decision.Outcome, audit.DeciderName, sinceEpoch, audit.Duration, shape, newline);
        var measure = new SerdeJsonWriter(Span<byte>.Empty);
        entry.WriteTo(ref measure);
        byte[] bytes = new byte[checked((int)measure.Length)];
        var writer = new SerdeJsonWriter(bytes);
        entry.WriteTo(ref writer);
        return bytes;
    }

    private readonly record struct Entry(
        CapabilityRequest Request, ApprovalDecision Decision, string Backend, long TicksSinceEpoch, TimeSpan Duration, AuditRequestShape Shape, bool Newline)
    {
        public void WriteTo(ref SerdeJsonWriter writer)
        {
            writer.WriteRaw("{\"timestamp\":{\"secs_since_epoch\":"u8);
            writer.WriteUInt64((ulong)(TicksSinceEpoch / TimeSpan.TicksPerSecond));
            writer.WriteRaw(",\"nanos_since_epoch\":"u8);
            writer.WriteUInt32((uint)(TicksSinceEpoch % TimeSpan.TicksPerSecond * 100));
            writer.WriteRaw("},\"request\":{"u8);
            if (Shape == AuditRequestShape.ApprovalRequest)
            {
                writer.WriteRaw("\"capability_type\":\"capability\","u8);
            }

            MessageEncoder.WriteCapabilityFields(ref writer, Request);
            writer.WriteRaw("},\"decision\":"u8);
            MessageEncoder.WriteDecision(ref writer, Decision);
            writer.WriteRaw(",\"backend\":"u8);
            writer.WriteString(Backend, "AuditEvent.DeciderName");
            writer.WriteRaw(",\"duration_ms\":"u8);
            writer.WriteUInt64((ulong)Math.Max(0, Duration.Ticks / TimeSpan.TicksPerMillisecond));
            writer.WriteRaw("}"u8);
            if (Newline)
            {
                writer.WriteByte((byte)'\n');
            }
        }
    }
}
