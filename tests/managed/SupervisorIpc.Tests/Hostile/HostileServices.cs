using System;
using System.Text;
using System.Threading;

namespace SupervisorIpc.Tests.Hostile;

/// <summary>Supervisor services for the hostile tests, with a count of what they answered.</summary>
internal sealed class CountingService
{
    private int _answers;
    private int _backendCalls;

    /// <summary>
    /// A service whose backend denies everything with <paramref name="reason"/>. Its confinement is
    /// <see cref="HostileFiles.Directory"/>, so that requests for <see cref="HostileFiles.Hostile"/> or
    /// <see cref="HostileFiles.Good"/> resolve and reach the backend.
    /// </summary>
    public CountingService(double requestsPerSecond = 1e9, int burst = 1_000_000_000, string reason = "hostile test", Action<SupervisorServiceOptions>? configure = null)
    {
        var options = new SupervisorServiceOptions
        {
            ApprovalBackend = new CallbackApprovalBackend(_ =>
            {
                Interlocked.Increment(ref _backendCalls);
                return new ApprovalDecision.Denied(reason);
            }),
            Confinement = new PathPolicy([new PathRule(HostileFiles.Directory, AccessMode.Read)]),
            RequestsPerSecond = requestsPerSecond,
            RequestBurst = burst,
            Audit = _ => Interlocked.Increment(ref _answers),
        };
        configure?.Invoke(options);
        Service = new SupervisorService(options);
        // Its held root is a descriptor: kept alive, so that no finalizer closes it in the middle of another test's
        // descriptor count.
        KeptAlive.Add(Service);
    }

    private static readonly System.Collections.Concurrent.ConcurrentBag<SupervisorService> KeptAlive = new();

    public SupervisorService Service { get; }

    /// <summary>Messages the service answered (audit events reported).</summary>
    public int Answers => Volatile.Read(ref _answers);

    /// <summary>Times the approval backend was asked.</summary>
    public int BackendCalls => Volatile.Read(ref _backendCalls);

    /// <summary>A Request payload with the given id (child_pid 1, no reason), as a child would send it.</summary>
    public static byte[] RequestPayload(string requestId, string? path = null) =>
        SupervisorWireCodec.Encode(new SupervisorMessage.Request(new CapabilityRequest(requestId, path ?? HostileFiles.Hostile, AccessMode.Read, null, 1, "s")));

    public static string DecodeRequestIdOfAnswer(byte[] payload) => SupervisorWireCodec.DecodeResponse(payload) switch
    {
        SupervisorResponse.Decision decision => decision.RequestId,
        SupervisorResponse.UrlOpened opened => opened.RequestId,
        _ => throw new InvalidOperationException("unknown response"),
    };

    public static string Utf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}

/// <summary>Files the hostile suites ask for: one directory per test process, removed at the end of the run (TempDirectories).</summary>
internal static class HostileFiles
{
    private static readonly Lazy<string> Root = new(Create);

    /// <summary>The directory, the confinement root of <see cref="CountingService"/>.</summary>
    public static string Directory => Root.Value;

    /// <summary>A regular file the hostile children ask for.</summary>
    public static string Hostile => System.IO.Path.Combine(Directory, "hostile");

    /// <summary>A regular file a well-behaved child asks for.</summary>
    public static string Good => System.IO.Path.Combine(Directory, "good");

    private static string Create()
    {
        string directory = Transport.SocketTestSupport.CreateShortTempDirectory();
        System.IO.File.WriteAllText(System.IO.Path.Combine(directory, "hostile"), "hostile\n");
        System.IO.File.WriteAllText(System.IO.Path.Combine(directory, "good"), "good\n");
        return directory;
    }
}
