using System.Runtime.InteropServices;
using SupervisorIpc.Interop;

namespace SupervisorIpc;

/// <summary>Builds the typed exception for a native status.</summary>
internal static unsafe class SocketErrors
{
    /// <summary>Creates the exception for <paramref name="status"/>; <paramref name="errno"/> is the captured last P/Invoke error.</summary>
    public static SupervisorSocketException Create(SvipcStatus status, int errno, string operation, string? path = null)
    {
        var error = (SupervisorIpcError)(int)status;
        // Only statuses that come from an OS call keep errno; others may see a stale value.
        int relevantErrno = status is SvipcStatus.SystemError or SvipcStatus.Timeout or SvipcStatus.AddressInUse
            or SvipcStatus.InvalidArgument or SvipcStatus.Unsupported or SvipcStatus.Truncated ? errno : 0;
        string message = Describe(status, relevantErrno, operation, path);
        return status switch
        {
            SvipcStatus.Timeout => new SupervisorTimeoutException(message, relevantErrno, operation, path),
            SvipcStatus.Closed or SvipcStatus.Truncated => new SupervisorConnectionClosedException(message, error, relevantErrno, operation),
            _ => new SupervisorSocketException(message, error, relevantErrno, operation, path),
        };
    }

    /// <summary>"bind '/tmp/x.sock' failed: address in use (errno 98: Address already in use)".</summary>
    public static string Describe(SvipcStatus status, int errno, string operation, string? path)
    {
        string subject = path is null ? operation : $"{operation} '{path}'";
        string text = $"{subject} failed: {StatusText(status)}";
        return errno != 0 ? $"{text} (errno {errno}: {Marshal.GetPInvokeErrorMessage(errno)})" : text;
    }

    private static string StatusText(SvipcStatus status)
    {
        byte* text = NativeMethods.StatusMessage(status);
        string message = text == null ? $"status {(int)status}" : Marshal.PtrToStringUTF8((nint)text) ?? $"status {(int)status}";
        return message.Length > 1 && char.IsUpper(message[0]) && !char.IsUpper(message[1])
            ? char.ToLowerInvariant(message[0]) + message[1..]
            : message;
    }
}
