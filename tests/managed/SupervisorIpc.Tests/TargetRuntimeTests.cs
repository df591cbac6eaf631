using System;
using System.Reflection;
using System.Runtime.Versioning;
using NUnit.Framework;

namespace SupervisorIpc.Tests;

/// <summary>
/// The suite is built once for each target framework the package ships (lib/net8.0, lib/net10.0) and each build must
/// run on its own runtime, against the library's build for that framework: a net8.0 build rolled forward onto .NET 10,
/// or one that loaded the net10.0 library, would report the net8.0 code as tested when it was not.
/// </summary>
public sealed class TargetRuntimeTests
{
#if NET10_0
    private const int ExpectedMajor = 10;
    private const string ExpectedFramework = ".NETCoreApp,Version=v10.0";
#elif NET8_0
    private const int ExpectedMajor = 8;
    private const string ExpectedFramework = ".NETCoreApp,Version=v8.0";
#else
#error The suite targets net8.0 and net10.0, the frameworks the package ships; add the new one here.
#endif

    [Test]
    public void The_suite_runs_on_the_runtime_of_its_target_framework()
    {
        Assert.That(Environment.Version.Major, Is.EqualTo(ExpectedMajor), System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription);
    }

    [Test]
    public void The_library_under_test_is_its_build_for_the_same_framework()
    {
        string? framework = typeof(SupervisorSocket).Assembly.GetCustomAttribute<TargetFrameworkAttribute>()?.FrameworkName;
        Assert.That(framework, Is.EqualTo(ExpectedFramework), typeof(SupervisorSocket).Assembly.Location);
    }
}
