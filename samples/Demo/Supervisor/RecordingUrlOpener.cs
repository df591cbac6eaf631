using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using SupervisorIpc;

namespace SupervisorIpc.Demo;

/// <summary>The demo's URL opener: records and prints the URL instead of starting a browser.</summary>
internal sealed class RecordingUrlOpener : IUrlOpener
{
    public ConcurrentQueue<Uri> Opened { get; } = new();

    public string Name => "demo-opener";

    public ValueTask OpenAsync(Uri url, CancellationToken cancellationToken)
    {
        Opened.Enqueue(url);
        Console.WriteLine($"[supervisor] would open in the browser: {url}");
        return ValueTask.CompletedTask;
    }
}
