using System;
using System.Threading;
using System.Threading.Tasks;

namespace SupervisorIpc.Tests.Flow;

/// <summary>
/// A <see cref="SupervisorService"/> serving the supervisor end of an in-process pair; the test plays the child on
/// <see cref="Child"/> (raw messages) or through <see cref="Client"/>.
/// </summary>
internal sealed class ServiceHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();

    public ServiceHarness(SupervisorServiceOptions options, uint? expectedChildPid = null)
    {
        Audit = new AuditLog();
        Service = new SupervisorService(options);
        Service.Subscribe(Audit);
        (Supervisor, Child) = SupervisorSocket.CreatePair();
        Child.ReadTimeout = TimeSpan.FromSeconds(30);
        Client = new SupervisorClient(Child, "session-1", ownsSocket: false);
        Serving = Task.Run(() => Service.ServeAsync(Supervisor, expectedChildPid, _stop.Token));
    }

    public SupervisorService Service { get; }

    public AuditLog Audit { get; }

    public SupervisorSocket Supervisor { get; }

    public SupervisorSocket Child { get; }

    public SupervisorClient Client { get; }

    public Task Serving { get; }

    /// <summary>A request as a reference child would send it.</summary>
    public static SupervisorMessage Request(string id, string path, AccessMode access = AccessMode.Read, uint? pid = null) =>
        new SupervisorMessage.Request(new CapabilityRequest(id, path, access, "test", pid ?? (uint)Environment.ProcessId, "session-1"));

    /// <summary>Closes the child end, waits for the service to finish serving, and releases everything.</summary>
    public async Task FinishAsync()
    {
        Child.Dispose();
        await FlowTestSupport.Within(Serving).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Child.Dispose();
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Serving.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The test has already checked what it wanted from the serving task.
        }

        Supervisor.Dispose();
        Service.Dispose();
        _stop.Dispose();
    }
}
