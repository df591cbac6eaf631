using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.CompilerServices;
using System.Text;

namespace SupervisorIpc.Tests.Messages;

/// <summary>One reference frame: whether it is a message or a response, its name, and the exact payload.</summary>
public sealed record WireVector(string Kind, string Name, byte[] Payload)
{
    public bool IsMessage => Kind == "message";

    public override string ToString() => Name;
}

/// <summary>
/// Loads the reference frames the reference implementation produced, kept in the repository
/// (tests/conformance/wire-vectors.tsv, shared with the C codec's tests).
/// </summary>
public static class WireVectors
{
    private const string SolutionFile = "SupervisorIpc.slnx";

    public static string RepoRoot { get; } = FindRepoRoot();

    public static string InRepoPath => Path.Combine(RepoRoot, "tests", "conformance", "wire-vectors.tsv");

    public static IReadOnlyList<WireVector> All { get; } = Load(InRepoPath);

    public static IEnumerable<WireVector> Messages()
    {
        foreach (WireVector vector in All)
        {
            if (vector.IsMessage)
            {
                yield return vector;
            }
        }
    }

    public static IEnumerable<WireVector> Responses()
    {
        foreach (WireVector vector in All)
        {
            if (!vector.IsMessage)
            {
                yield return vector;
            }
        }
    }

    public static WireVector Named(string name)
    {
        foreach (WireVector vector in All)
        {
            if (vector.Name == name)
            {
                return vector;
            }
        }

        throw new KeyNotFoundException($"No wire vector named {name}.");
    }

    /// <summary>Parses the TSV: one frame per line, kind, name and payload separated by tabs, no header.</summary>
    public static IReadOnlyList<WireVector> Load(string path)
    {
        var vectors = new List<WireVector>();
        string[] lines = File.ReadAllLines(path, new UTF8Encoding(false, true));
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            string[] columns = lines[i].Split('\t');
            if (columns.Length != 3 || (columns[0] != "message" && columns[0] != "response"))
            {
                throw new InvalidDataException($"{path}:{i + 1} is not 'kind<TAB>name<TAB>json'.");
            }

            vectors.Add(new WireVector(columns[0], columns[1], Encoding.UTF8.GetBytes(columns[2])));
        }

        return vectors;
    }

    private static string FindRepoRoot([CallerFilePath] string sourceFile = "")
    {
        // The test assembly normally lives under artifacts/ inside the repository; the source path is the fallback
        // for builds placed elsewhere.
        foreach (string start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(sourceFile) ?? "" })
        {
            for (DirectoryInfo? dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException($"No directory above {AppContext.BaseDirectory} contains {SolutionFile}.");
    }
}
