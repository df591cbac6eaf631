using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;

namespace SupervisorIpc.BindingGenerator;

/// <summary>
/// The libclang from NuGet ships without clang's builtin headers, so the generator borrows the include
/// search list of the system C compiler (<c>$CC</c> or <c>cc</c>), which is what the library is built with anyway.
/// </summary>
internal static class SystemIncludes
{
    public static IReadOnlyList<string> FromCompiler()
    {
        string compiler = Environment.GetEnvironmentVariable("CC") is { Length: > 0 } cc ? cc : "cc";
        var start = new ProcessStartInfo(compiler)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "-E", "-v", "-x", "c", "-" })
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException($"could not start '{compiler}'.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"the C compiler '{compiler}' is needed to find system headers (apt-get install -y build-essential), or pass --include-dir.", e);
        }

        using (process)
        {
            process.StandardInput.Close();
            var stdout = process.StandardOutput.ReadToEndAsync();
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            _ = stdout.Result;
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"'{compiler} -E -v' failed:\n{stderr}");
            }

            return Parse(stderr, compiler);
        }
    }

    private static List<string> Parse(string verboseOutput, string compiler)
    {
        var directories = new List<string>();
        bool inList = false;
        foreach (string line in verboseOutput.Split('\n'))
        {
            if (line.StartsWith("#include <...> search starts here:", StringComparison.Ordinal))
            {
                inList = true;
            }
            else if (line.StartsWith("End of search list.", StringComparison.Ordinal))
            {
                break;
            }
            else if (inList && line.StartsWith(' '))
            {
                string directory = line.Trim();
                if (Directory.Exists(directory))
                {
                    directories.Add(directory);
                }
            }
        }

        return directories.Count > 0
            ? directories
            : throw new InvalidOperationException($"'{compiler} -E -v' listed no include directories.");
    }
}
