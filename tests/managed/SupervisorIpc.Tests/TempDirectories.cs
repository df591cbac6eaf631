using System;
using System.Collections.Concurrent;
using System.IO;
using NUnit.Framework;

namespace SupervisorIpc.Tests;

/// <summary>
/// Every temporary folder a test makes is registered here and removed, with what is inside it, once the whole run is
/// over, whether or not its test removed it (tests that stop at a failed assertion skip their own clean-up).
/// ./build.sh test fails a run that leaves any svipc-* folder behind.
/// </summary>
[SetUpFixture]
public sealed class TempDirectories
{
    private static readonly ConcurrentBag<string> s_made = new();

    /// <summary>Creates <paramref name="path"/> and schedules its removal at the end of the run.</summary>
    internal static string Make(string path)
    {
        Directory.CreateDirectory(path);
        s_made.Add(path);
        return path;
    }

    [OneTimeTearDown]
    public void RemoveAll()
    {
        var failures = new System.Collections.Generic.List<string>();
        foreach (string path in s_made)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failures.Add($"{path}: {e.Message}");
            }
        }

        Assert.That(failures, Is.Empty, "temporary folders that could not be removed");
    }
}
