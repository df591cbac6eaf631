using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Flow;

/// <summary>The "SupervisorIpc" meter and activity source, seen as dotnet-counters or OpenTelemetry would see them.</summary>
[TestFixture]
[NonParallelizable] // the meter is process-wide: no other test may add to it meanwhile
public sealed class TelemetryTests
{
    private GrantTree _tree = null!;

    [SetUp]
    public void CreateTree() => _tree = new GrantTree();

    [TearDown]
    public void RemoveTree() => _tree.Dispose();

    private sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags)
    {
        public string? Tag(string name) => Tags.TryGetValue(name, out object? value) ? value?.ToString() : null;
    }

    private static MeterListener Listen(ConcurrentQueue<Measurement> into)
    {
        var listener = new MeterListener
        {
            // On .NET 8 Dispose only stops a listener's measurements when this is set (dotnet/runtime#102465, fixed
            // in 9); without it the disposed listener goes on recording, allocating in every later test's frames.
            MeasurementsCompleted = (_, _) => { },
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == SupervisorIpcTelemetry.MeterName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            var copy = new Dictionary<string, object?>();
            foreach (KeyValuePair<string, object?> tag in tags)
            {
                copy[tag.Key] = tag.Value;
            }

            into.Enqueue(new Measurement(instrument.Name, value, copy));
        }

        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        listener.Start();
        return listener;
    }

    [Test]
    public async Task RequestsDurationsConnectionsFramesAndViolationsAreMeasured()
    {
        var measurements = new ConcurrentQueue<Measurement>();
        var clock = new ManualTimeProvider();
        string file = Path.Combine(_tree.Allowed, "file.txt");
        SupervisorMessage grant = ServiceHarness.Request("m-1", file);
        SupervisorMessage outside = ServiceHarness.Request("m-2", Path.Combine(_tree.Outside, "secret.txt"));
        var options = new SupervisorServiceOptions
        {
            ApprovalBackend = new CallbackApprovalBackend(_ =>
            {
                clock.Advance(TimeSpan.FromMilliseconds(250));
                return ApprovalDecision.Granted.Instance;
            }, "prompt"),
            Confinement = new PathPolicy([new PathRule(_tree.Allowed, AccessMode.Read)]),
            TimeProvider = clock,
        };

        SupervisorResponse grantAnswer;
        SupervisorResponse outsideAnswer;
        Task serving;
        using (MeterListener listener = Listen(measurements))
        {
            await using var harness = new ServiceHarness(options);
            harness.Child.SendMessage(grant);
            Assert.That(harness.Child.TryReceiveFileDescriptor(out SafeFileHandle? descriptor), Is.True);
            descriptor!.Dispose();
            grantAnswer = harness.Child.ReceiveResponse();
            harness.Child.SendMessage(outside);
            outsideAnswer = harness.Child.ReceiveResponse();
            // A frame that is no message: the service refuses it and stops serving this connection.
            harness.Child.SendFrame("{\"Request\":{}}"u8);
            serving = harness.Serving;
            Assert.ThrowsAsync<SupervisorMessageFormatException>(async () => await FlowTestSupport.Within(serving));
        }

        ILookup<string, Measurement> by = measurements.ToLookup(m => m.Instrument);
        Assert.Multiple(() =>
        {
            Assert.That(by["supervisoripc.requests"].Select(m => (m.Value, m.Tag("supervisoripc.message.kind"), m.Tag("supervisoripc.outcome"), m.Tag("supervisoripc.decided_by"))),
                Is.EqualTo(new[] { (1.0, "request", "granted", "backend"), (1.0, "request", "denied", "confinement") }));
            Assert.That(by["supervisoripc.decision.duration"].Select(m => (m.Value, m.Tag("supervisoripc.outcome"))),
                Is.EqualTo(new[] { (0.25, "granted"), (0.0, "denied") }), "seconds on the service's clock; the denial never reached the backend");
            Assert.That(by["supervisoripc.connections.active"].Select(m => m.Value), Is.EqualTo(new[] { 1.0, -1.0 }));

            // Both ends live in this process: every frame is counted once sent and once received, except the bad
            // one, which is received (and counted) but refused.
            long payloads = SupervisorWireCodec.GetEncodedLength(grant) + SupervisorWireCodec.GetEncodedLength(outside)
                + SupervisorWireCodec.GetEncodedLength(grantAnswer) + SupervisorWireCodec.GetEncodedLength(outsideAnswer);
            int bad = "{\"Request\":{}}".Length;
            double Sum(string instrument, string direction) =>
                by[instrument].Where(m => m.Tag("supervisoripc.direction") == direction).Sum(m => m.Value);
            Assert.That(Sum("supervisoripc.frames", "sent"), Is.EqualTo(5));
            Assert.That(Sum("supervisoripc.frames", "received"), Is.EqualTo(5));
            Assert.That(Sum("supervisoripc.bytes", "sent"), Is.EqualTo(payloads + bad + (5 * 4)));
            Assert.That(Sum("supervisoripc.bytes", "received"), Is.EqualTo(payloads + bad + (5 * 4)));
            Assert.That(by["supervisoripc.protocol_violations"].Select(m => (m.Value, m.Tag("supervisoripc.violation"))),
                Is.EqualTo(new[] { (1.0, "malformed_message") }));
        });
    }

    [Test]
    public async Task AThrowingAuditObserverIsCounted()
    {
        var measurements = new ConcurrentQueue<Measurement>();
        using (MeterListener listener = Listen(measurements))
        {
            await using var harness = new ServiceHarness(new SupervisorServiceOptions
            {
                ApprovalBackend = new PolicyApprovalBackend(new PathRule(_tree.Allowed, AccessMode.Read)),
                Audit = _ => throw new IOException("disk full"),
            });
            harness.Client.RequestAccess(Path.Combine(_tree.Allowed, "file.txt"), AccessMode.Read).Dispose();
            await harness.FinishAsync();
        }

        Assert.That(measurements.Where(m => m.Instrument == "supervisoripc.audit.failures").Sum(m => m.Value), Is.EqualTo(1));
    }

    [Test]
    public async Task EveryAnsweredMessageIsOneSpan()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == SupervisorIpcTelemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using (var harness = new ServiceHarness(new SupervisorServiceOptions
        {
            ApprovalBackend = new PolicyApprovalBackend(new PathRule(_tree.Allowed, AccessMode.Read)),
            Audit = _ => throw new IOException("disk full"),
        }))
        {
            harness.Child.SendMessage(ServiceHarness.Request("span-1", Path.Combine(_tree.Allowed, "file.txt")));
            Assert.That(harness.Child.TryReceiveFileDescriptor(out SafeFileHandle? descriptor), Is.True);
            descriptor!.Dispose();
            _ = harness.Child.ReceiveResponse();
            Assert.Throws<UrlOpenFailedException>(() => harness.Client.OpenUrl("https://example.com/"));
            await harness.FinishAsync();
        }

        Activity[] ours = spans.Where(a => a.GetTagItem("supervisoripc.request_id") is "span-1" || a.DisplayName == "SupervisorIpc OpenUrl").ToArray();
        Assert.That(ours, Has.Length.EqualTo(2));
        Activity request = ours.Single(a => a.OperationName == "SupervisorIpc Request");
        Activity openUrl = ours.Single(a => a.OperationName == "SupervisorIpc OpenUrl");
        Assert.Multiple(() =>
        {
            Assert.That(request.Kind, Is.EqualTo(ActivityKind.Server));
            Assert.That(request.GetTagItem("supervisoripc.access"), Is.EqualTo("Read"));
            Assert.That(request.GetTagItem("supervisoripc.outcome"), Is.EqualTo("granted"));
            Assert.That(request.GetTagItem("supervisoripc.decider"), Is.EqualTo("policy"));
            Assert.That(request.GetTagItem("supervisoripc.descriptor_sent"), Is.EqualTo(true));
            Assert.That(request.Events.Select(e => e.Name), Is.EqualTo(new[] { "exception" }), "the throwing audit callback is recorded on the span");
            Assert.That(openUrl.GetTagItem("supervisoripc.outcome"), Is.EqualTo("failed"));
            Assert.That(openUrl.GetTagItem("supervisoripc.decided_by"), Is.EqualTo("url-origin"));
        });
    }
}
