using System;
using System.IO;
using System.Linq;
using System.Threading;
using SupervisorIpc.Readiness;

namespace SupervisorIpc.Tests;

/// <summary>
/// Counts this process's open descriptors for leak checks, without the noise the runtime adds on its own:
/// handles that earlier tests dropped are finalized first (their closing must not show up as this test's change),
/// and files the runtime opens lazily while a test runs (assemblies it loads, the socket engine's epoll and
/// eventfd) are left out; the library's readiness loop is created before counting. Sockets, pipes and regular files — everything the library creates or receives — count.
/// </summary>
internal static class DescriptorCount
{
    public static int Open()
    {
        Settle();
        // A descriptor an earlier test's code is still closing on another thread (a handle released when the call
        // that held it returns) must not count here and be gone there: count until two counts 10 ms apart agree.
        int count = CountNow();
        for (int i = 0; i < 50; i++)
        {
            Thread.Sleep(10);
            int next = CountNow();
            if (next == count)
            {
                break;
            }

            count = next;
        }

        return count;
    }

    private static int CountNow() => Directory.GetFiles("/proc/self/fd").Count(entry => !IsRuntimeOwned(Target(entry)));

    private static void Settle()
    {
        // The readiness loop's ports and their wake-up pairs exist once per process: created here, they are in every
        // count, whichever test first goes asynchronous. Completions and disposals still queued on the loop (an
        // earlier test's) finish before counting.
        ReadinessLoop loop = ReadinessLoop.Shared;
        for (int i = 0; i < 200 && !loop.IsIdle; i++)
        {
            Thread.Sleep(5);
        }

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
