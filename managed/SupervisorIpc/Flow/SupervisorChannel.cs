using System;
using System.Runtime.InteropServices;
using SupervisorIpc.Interop;

namespace SupervisorIpc;

/// <summary>
/// The child side of a supervised start: opens the socket end that <see cref="SupervisedChild.Start(SupervisedChildStartInfo)"/>
/// (or <c>svipc_spawn</c>) left inherited, as named by an environment variable.
/// </summary>
public static class SupervisorChannel
{
    /// <summary>The variable naming the inherited descriptor unless the supervisor chose another: <c>SUPERVISOR_IPC_FD</c>.</summary>
    public const string DefaultFileDescriptorVariable = "SUPERVISOR_IPC_FD";

    /// <summary>The variable carrying the child's session id when the supervisor sets one: <c>SUPERVISOR_IPC_SESSION</c>.</summary>
    public const string SessionVariable = "SUPERVISOR_IPC_SESSION";

    /// <summary>The descriptor number the child's end gets unless the supervisor chose another.</summary>
    public const int DefaultFileDescriptor = NativeMethods.DefaultChildFd;

    /// <summary>
    /// Opens the inherited socket whose descriptor number the environment variable <paramref name="variable"/>
    /// holds. The descriptor becomes close-on-exec and owned by the returned socket.
    /// </summary>
    /// <param name="variable">The variable name; null means <see cref="DefaultFileDescriptorVariable"/>.</param>
    /// <returns>The connection to the supervisor.</returns>
    /// <exception cref="SupervisorSocketException">
    /// The variable is missing, is not a plain decimal descriptor number, or names something that is not a Unix
    /// stream socket (<see cref="SupervisorIpcError.InvalidArgument"/>).
    /// </exception>
    public static SupervisorSocket OpenFromEnvironment(string? variable = null)
    {
        string name = variable ?? DefaultFileDescriptorVariable;
        // .NET keeps its own copy of the environment; read the value there and hand the number to the native check.
        string? value = Environment.GetEnvironmentVariable(name);
        if (value is null)
        {
            throw new SupervisorSocketException(
                $"open inherited socket failed: the environment variable {name} is not set (was this process started by a supervisor?)",
                SupervisorIpcError.InvalidArgument, 0, "open inherited socket", null);
        }

        if (!TryParseDescriptor(value, out int fd))
        {
            throw new SupervisorSocketException(
                $"open inherited socket failed: {name}='{value}' is not a descriptor number",
                SupervisorIpcError.InvalidArgument, 0, "open inherited socket", null);
        }

        return FromInheritedDescriptor(fd, name);
    }

    /// <summary>Opens an inherited socket given by its descriptor number, taking ownership of it.</summary>
    /// <param name="fileDescriptor">The inherited descriptor.</param>
    /// <returns>The connection to the supervisor.</returns>
    /// <exception cref="SupervisorSocketException">The descriptor is not a connected Unix stream socket.</exception>
    public static SupervisorSocket FromInheritedDescriptor(int fileDescriptor) => FromInheritedDescriptor(fileDescriptor, null);

    private static SupervisorSocket FromInheritedDescriptor(int fileDescriptor, string? variable)
    {
        SvipcStatus status = NativeMethods.FromFd(fileDescriptor, out SvipcSocketHandle handle);
        if (status != SvipcStatus.Ok)
        {
            int errno = Marshal.GetLastPInvokeError();
            handle.Dispose();
            string operation = variable is null
                ? $"open inherited descriptor {fileDescriptor}"
                : $"open inherited descriptor {fileDescriptor} (from {variable})";
            throw SocketErrors.Create(status, errno, operation);
        }

        return SupervisorSocket.FromAcceptedHandle(handle);
    }

    /// <summary>Digits only, no sign or spaces, within int: the same rule as the native <c>svipc_open_from_env</c>.</summary>
    internal static bool TryParseDescriptor(string text, out int fd)
    {
        fd = -1;
        if (text.Length == 0 || text.Length > 10)
        {
            return false;
        }

        long value = 0;
        foreach (char c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        if (value > int.MaxValue)
        {
            return false;
        }

        fd = (int)value;
        return true;
    }
}
