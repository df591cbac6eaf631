using System;
using System.Text;
using System.Threading;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>Supervisor services for the hostile tests, with a count of what they answered.</summary>
internal sealed class CountingService
{
    private int _answers;
    private int _backendCalls;

    /// <summary>A service whose backend denies everything with <paramref name="reason"/>.</summary>
    public CountingService(double requestsPerSecond = 1e9, int burst = 1_000_000_000, string reason = "hostile test", Action<SupervisorServiceOptions>? configure = null)
    {
        var options = new SupervisorServiceOptions
        {
            ApprovalBackend = new CallbackApprovalBackend(_ =>
            {
                Interlocked.Increment(ref _backendCalls);
                return new ApprovalDecision.Denied(reason);
            }),
            RequestsPerSecond = requestsPerSecond,
            RequestBurst = burst,
            Audit = _ => Interlocked.Increment(ref _answers),
        };
        configure?.Invoke(options);
        Service = new SupervisorService(options);
    }

    public SupervisorService Service { get; }

    /// <summary>Messages the service answered (audit events reported).</summary>
    public int Answers => Volatile.Read(ref _answers);

    /// <summary>Times the approval backend was asked.</summary>
    public int BackendCalls => Volatile.Read(ref _backendCalls);

    /// <summary>A Request payload with the given id (child_pid 1, no reason), as a child would send it.</summary>
    public static byte[] RequestPayload(string requestId, string path = "/tmp/hostile") =>
        SupervisorWireCodec.Encode(new SupervisorMessage.Request(new CapabilityRequest(requestId, path, AccessMode.Read, null, 1, "s")));

    public static string DecodeRequestIdOfAnswer(byte[] payload) => SupervisorWireCodec.DecodeResponse(payload) switch
    {
        SupervisorResponse.Decision decision => decision.RequestId,
        SupervisorResponse.UrlOpened opened => opened.RequestId,
        _ => throw new InvalidOperationException("unknown response"),
    };

    public static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
