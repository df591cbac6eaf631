using System;

namespace SupervisorIpc.Bench.Harness;

/// <summary>
/// Both ends of one connection and what each does per step. The child side runs on the main thread, the
/// supervisor side on a second thread.
/// </summary>
internal interface IPeers : IDisposable
{
    /// <summary>Round trip, child side: send the request, receive the descriptor (when passed) and the decision.</summary>
    void ChildRoundTrip();

    /// <summary>Round trip, supervisor side: receive the request, send the descriptor (when passed) and the decision.</summary>
    void SupervisorRoundTrip();

    /// <summary>Throughput, child side: send one request.</summary>
    void ChildSend();

    /// <summary>Throughput, supervisor side: receive one request.</summary>
    void SupervisorReceive();
}

internal static class PeerFactory
{
    public static IPeers Create(HarnessOptions options) => options.Impl switch
    {
        "cs-typed" => new TypedPeers(options.WithFd),
        "cs-typed-poll" => new TypedPeers(options.WithFd, waitInPoll: true),
        "cs-raw" => new RawFramePeers(options.WithFd),
        "cs-pinvoke" => new PInvokePeers(options.WithFd),
        "cs-pinvoke-sh" => new SafeHandlePInvokePeers(options.WithFd),
        "cs-socket-stj" => new SocketJsonPeers(),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Impl, "unknown implementation"),
    };
}
