using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Win32.SafeHandles;

namespace SupervisorIpc;

/// <summary>
/// The child's side of the grant flow: asks the supervisor for files and URLs over a <see cref="SupervisorSocket"/>.
/// Every request gets a fresh unique id and carries this process's pid and the session id; the answer is matched
/// by id, and a granted descriptor is taken correctly whichever order the supervisor sends it and the decision in.
/// </summary>
/// <remarks>
/// Requests are serialized (one exchange at a time). When a wait ends early (the socket's
/// <see cref="SupervisorSocket.ReadTimeout"/>), the late answer to that request is recognised and dropped, its
/// descriptor closed; the same holds for an asynchronous request whose token is cancelled while it waits for the
/// answer. After a transport error, or a cancel while a granted descriptor was being received, the client is unusable.
/// </remarks>
public sealed class SupervisorClient : IDisposable
{
    // Late answers of abandoned requests are recognised for this many requests back.
    private const int AbandonedMemory = 64;

    private readonly bool _ownsSocket;
    private readonly SemaphoreSlim _exchange = new(1, 1);
    private readonly Queue<string> _abandonedOrder = new();
    private readonly HashSet<string> _abandoned = new(StringComparer.Ordinal);
    private volatile bool _broken;
    private int _disposed;

    /// <summary>Creates a client over a connection to the supervisor.</summary>
    /// <param name="socket">The connection.</param>
    /// <param name="sessionId">The session id to put in every request; null sends an empty one.</param>
    /// <param name="ownsSocket">Whether disposing the client disposes <paramref name="socket"/>.</param>
    public SupervisorClient(SupervisorSocket socket, string? sessionId = null, bool ownsSocket = true)
    {
        Socket = socket ?? throw new ArgumentNullException(nameof(socket));
        SessionId = sessionId ?? string.Empty;
        _ownsSocket = ownsSocket;
    }

    /// <summary>The connection to the supervisor.</summary>
    public SupervisorSocket Socket { get; }

    /// <summary>The session id sent with every request.</summary>
    public string SessionId { get; }

    /// <summary>
    /// Opens the socket a supervisor left inherited (see <see cref="SupervisorChannel.OpenFromEnvironment"/>) and
    /// takes the session id from <see cref="SupervisorChannel.SessionVariable"/> when set.
    /// </summary>
    /// <param name="fileDescriptorVariable">The variable naming the descriptor; null for <c>SUPERVISOR_IPC_FD</c>.</param>
    /// <returns>A client owning the socket.</returns>
    /// <exception cref="SupervisorSocketException">No usable inherited socket.</exception>
    public static SupervisorClient FromEnvironment(string? fileDescriptorVariable = null)
    {
        SupervisorSocket socket = SupervisorChannel.OpenFromEnvironment(fileDescriptorVariable);
        return new SupervisorClient(socket, Environment.GetEnvironmentVariable(SupervisorChannel.SessionVariable));
    }

    /// <summary>Asks for access to a file and returns the descriptor the supervisor opened.</summary>
    /// <param name="path">The absolute path.</param>
    /// <param name="access">The access wanted; the descriptor is opened accordingly.</param>
    /// <param name="reason">Why, for whoever approves; may be null.</param>
    /// <returns>The descriptor (close-on-exec, owned by the caller).</returns>
    /// <exception cref="AccessDeniedException">The supervisor denied the request; <see cref="AccessDeniedException.Reason"/> says why.</exception>
    /// <exception cref="ApprovalTimeoutException">The supervisor answered that nobody decided in time.</exception>
    /// <exception cref="SupervisorTimeoutException">No answer within the socket's read timeout.</exception>
    /// <exception cref="SupervisorIpcException">A transport or protocol error.</exception>
    public SafeFileHandle RequestAccess(string path, AccessMode access, string? reason = null) =>
        // Runs to completion synchronously (useAsync: false never awaits anything pending): no sync-over-async.
        CompletedResult(RequestAccessCore(path, access, reason, useAsync: false, CancellationToken.None));

    /// <summary>Asks for access to a file without blocking the caller; see <see cref="RequestAccess"/>.</summary>
    /// <param name="path">The absolute path.</param>
    /// <param name="access">The access wanted.</param>
    /// <param name="reason">Why; may be null.</param>
    /// <param name="cancellationToken">Cancels the wait; the late answer is recognised and dropped.</param>
    /// <returns>The descriptor.</returns>
    /// <exception cref="AccessDeniedException">The supervisor denied the request.</exception>
    /// <exception cref="ApprovalTimeoutException">The supervisor answered <c>Timeout</c>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">A transport or protocol error.</exception>
    public Task<SafeFileHandle> RequestAccessAsync(string path, AccessMode access, string? reason = null, CancellationToken cancellationToken = default) =>
        RequestAccessCore(path, access, reason, useAsync: true, cancellationToken).AsTask();

    private async ValueTask<SafeFileHandle> RequestAccessCore(string path, AccessMode access, string? reason, bool useAsync, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string requestId = NewRequestId();
        var message = new SupervisorMessage.Request(new CapabilityRequest(requestId, path, access, reason, ProcessId, SessionId));
        await EnterAsync(useAsync, cancellationToken).ConfigureAwait(false);
        try
        {
            SupervisorResponse response = await ExchangeAsync(message, requestId, useAsync, cancellationToken).ConfigureAwait(false);
            if (response is not SupervisorResponse.Decision decision)
            {
                throw Broken($"the supervisor answered request '{requestId}' with a UrlOpened");
            }

            switch (decision.Outcome)
            {
                case ApprovalDecision.Granted:
                    try
                    {
                        // Returns the descriptor that arrived before the decision, or waits for the one that follows it.
                        return useAsync
                            ? await Socket.ReceiveFileDescriptorAsync(cancellationToken).ConfigureAwait(false)
                            : Socket.ReceiveFileDescriptor();
                    }
                    catch
                    {
                        // A descriptor that arrives later could be mistaken for another grant's.
                        _broken = true;
                        throw;
                    }

                case ApprovalDecision.Denied denied:
                    throw new AccessDeniedException(path, requestId, denied.Reason);
                default:
                    throw new ApprovalTimeoutException(path, requestId);
            }
        }
        finally
        {
            _exchange.Release();
        }
    }

    /// <summary>Asks the supervisor to open a URL outside the sandbox.</summary>
    /// <param name="url">The URL.</param>
    /// <exception cref="UrlOpenFailedException">The supervisor did not open it; <see cref="UrlOpenFailedException.Error"/> says why.</exception>
    /// <exception cref="SupervisorTimeoutException">No answer within the socket's read timeout.</exception>
    /// <exception cref="SupervisorIpcException">A transport or protocol error.</exception>
    public void OpenUrl(string url) => CompletedResult(OpenUrlCore(url, useAsync: false, CancellationToken.None));

    /// <summary>Asks the supervisor to open a URL without blocking the caller; see <see cref="OpenUrl"/>.</summary>
    /// <param name="url">The URL.</param>
    /// <param name="cancellationToken">Cancels the wait; the late answer is recognised and dropped.</param>
    /// <returns>Completes when the supervisor opened the URL.</returns>
    /// <exception cref="UrlOpenFailedException">The supervisor did not open it.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="SupervisorIpcException">A transport or protocol error.</exception>
    public Task OpenUrlAsync(string url, CancellationToken cancellationToken = default) =>
        OpenUrlCore(url, useAsync: true, cancellationToken).AsTask();

    private async ValueTask<bool> OpenUrlCore(string url, bool useAsync, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(url);
        string requestId = NewRequestId();
        var message = new SupervisorMessage.OpenUrl(new UrlOpenRequest(requestId, url, ProcessId, SessionId));
        await EnterAsync(useAsync, cancellationToken).ConfigureAwait(false);
        try
        {
            SupervisorResponse response = await ExchangeAsync(message, requestId, useAsync, cancellationToken).ConfigureAwait(false);
            if (response is not SupervisorResponse.UrlOpened opened)
            {
                throw Broken($"the supervisor answered URL request '{requestId}' with a Decision");
            }

            if (!opened.Success)
            {
                throw new UrlOpenFailedException(url, requestId, opened.Error);
            }

            return true;
        }
        finally
        {
            _exchange.Release();
        }
    }

    /// <summary>Disposes the socket if the client owns it.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_ownsSocket)
        {
            Socket.Dispose();
        }

        _exchange.Dispose();
    }

    private static uint ProcessId => (uint)Environment.ProcessId;

    private static string NewRequestId() => $"req-{Guid.NewGuid():N}";

    /// <summary>The result of a core call made with useAsync: false, which never awaits anything pending.</summary>
    private static T CompletedResult<T>(ValueTask<T> operation)
    {
        if (!operation.IsCompleted)
        {
            throw new InvalidOperationException("A synchronous request went asynchronous.");
        }

        return operation.GetAwaiter().GetResult();
    }

    private async ValueTask EnterAsync(bool useAsync, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (useAsync)
        {
            await _exchange.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _exchange.Wait(cancellationToken);
        }

        if (_broken)
        {
            _exchange.Release();
            throw new SupervisorIpcException("The connection to the supervisor is unusable after an earlier failure.");
        }
    }

    /// <summary>Sends the message and returns the answer carrying <paramref name="requestId"/>, dropping late answers to abandoned requests.</summary>
    private async ValueTask<SupervisorResponse> ExchangeAsync(SupervisorMessage message, string requestId, bool useAsync, CancellationToken cancellationToken)
    {
        try
        {
            if (useAsync)
            {
                await Socket.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                Socket.SendMessage(message);
            }

            while (true)
            {
                SupervisorResponse response = useAsync
                    ? await Socket.ReceiveResponseAsync(cancellationToken).ConfigureAwait(false)
                    : Socket.ReceiveResponse();
                string answered = response switch
                {
                    SupervisorResponse.Decision decision => decision.RequestId,
                    SupervisorResponse.UrlOpened opened => opened.RequestId,
                    _ => string.Empty,
                };
                if (string.Equals(answered, requestId, StringComparison.Ordinal))
                {
                    return response;
                }

                if (!_abandoned.Remove(answered))
                {
                    throw Broken($"the supervisor answered request '{answered}', which this client is not waiting for");
                }

                if (response is SupervisorResponse.Decision { Outcome: ApprovalDecision.Granted })
                {
                    // The late grant's descriptor: nobody wants it any more.
                    using SafeFileHandle stale = useAsync
                        ? await Socket.ReceiveFileDescriptorAsync(cancellationToken).ConfigureAwait(false)
                        : Socket.ReceiveFileDescriptor();
                }
            }
        }
        catch (Exception stopped) when (stopped is SupervisorTimeoutException || (stopped is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // The wait ended, the connection did not (a partial answer is kept by the socket): drop the late answer.
            Abandon(requestId);
            throw;
        }
        catch
        {
            // Transport errors and malformed answers.
            _broken = true;
            throw;
        }
    }

    private void Abandon(string requestId)
    {
        if (_abandoned.Add(requestId))
        {
            _abandonedOrder.Enqueue(requestId);
            if (_abandonedOrder.Count > AbandonedMemory)
            {
                _abandoned.Remove(_abandonedOrder.Dequeue());
            }
        }
    }

    private SupervisorIpcException Broken(string message)
    {
        _broken = true;
        return new SupervisorIpcException(message);
    }
}
