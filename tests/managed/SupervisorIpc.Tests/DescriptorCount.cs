using System;
using System.IO;
using System.Linq;

namespace SupervisorIpc.Tests;

/// <summary>
/// Counts this process's open descriptors for leak checks, without the noise the runtime adds on its own:
/// handles that earlier tests dropped are finalized first (their closing must not show up as this test's change),
/// and files the runtime opens lazily while a test runs (assemblies it loads, the socket engine's epoll and
/// eventfd) are left out. Sockets, pipes and regular files — everything the library creates or receives — count.
/// </summary>
internal static class DescriptorCount
{
    public static int Open()
    {
        Settle();
        return Directory.GetFiles("/proc/self/fd").Count(entry => !IsRuntimeOwned(Target(entry)));
    }

    private static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    private static string Target(string entry)
    {
        try
        {
            return new FileInfo(entry).LinkTarget ?? "?";
        }
        catch (IOException)
        {
            return "?"; // closed while listing, e.g. the enumeration's own descriptor
        }
    }

    private static bool IsRuntimeOwned(string target) =>
        target.EndsWith(".dll", StringComparison.Ordinal)
        || target == "anon_inode:[eventpoll]"
        || target == "anon_inode:[eventfd]";
}
