using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Docs;

/// <summary>One fenced C# block of a page the users read.</summary>
/// <param name="Page">The page, relative to the repository root ('/' separators).</param>
/// <param name="Line">The line of the page where the code starts (after the fence).</param>
/// <param name="Code">The code between the fences.</param>
/// <param name="NotCompiledBecause">When the block is marked <c>&lt;!-- not compiled: why --&gt;</c>, why.</param>
public sealed record DocumentationSnippet(string Page, int Line, string Code, string? NotCompiledBecause)
{
    public override string ToString() => $"{Page}:{Line}";
}

/// <summary>
/// The pages users read (README.md, docs/*.md, the package's readme) and their fenced blocks. A C# block is compiled
/// unless the line before its fence is an HTML comment <c>&lt;!-- not compiled: reason --&gt;</c>.
/// </summary>
public static class DocumentationPages
{
    private static readonly Regex s_fence = new(@"^```(?<language>[A-Za-z#+-]*)\s*$", RegexOptions.CultureInvariant);
    private static readonly Regex s_notCompiled = new(@"^<!--\s*not compiled:\s*(?<why>.+?)\s*-->$", RegexOptions.CultureInvariant);

    /// <summary>The repository root (the directory holding SupervisorIpc.slnx).</summary>
    public static string RepoRoot => Flow.FlowTestSupport.RepoRoot;

    /// <summary>Every page, relative to the root.</summary>
    public static IReadOnlyList<string> Pages
    {
        get
        {
            var pages = new List<string> { "README.md", "managed/SupervisorIpc/PACKAGE.md" };
            pages.AddRange(Directory.GetFiles(Path.Combine(RepoRoot, "docs"), "*.md")
                .Select(path => "docs/" + Path.GetFileName(path))
                .OrderBy(page => page, StringComparer.Ordinal));
            return pages;
        }
    }

    /// <summary>Every C# block of every page, in page order.</summary>
    public static IReadOnlyList<DocumentationSnippet> CSharpSnippets =>
        Pages.SelectMany(page => Blocks(page).Where(block => block.Language is "csharp" or "cs" or "c#").Select(block => block.Snippet)).ToList();

    /// <summary>The fenced blocks of <paramref name="page"/> with their language.</summary>
    public static IEnumerable<(string Language, DocumentationSnippet Snippet)> Blocks(string page)
    {
        string[] lines = File.ReadAllLines(Path.Combine(RepoRoot, page));
        for (int i = 0; i < lines.Length; i++)
        {
            Match open = s_fence.Match(lines[i]);
            if (!open.Success)
            {
                continue;
            }

            int first = i + 1;
            int end = first;
            while (end < lines.Length && lines[end].TrimEnd() != "```")
            {
                end++;
            }

            if (end == lines.Length)
            {
                throw new InvalidDataException($"{page}:{i + 1}: a fenced block that is never closed");
            }

            string? why = null;
            if (i > 0)
            {
                Match marker = s_notCompiled.Match(lines[i - 1].Trim());
                if (marker.Success)
                {
                    why = marker.Groups["why"].Value;
                }
            }

            string code = string.Join("\n", lines, first, end - first) + "\n";
            yield return (open.Groups["language"].Value.ToLowerInvariant(), new DocumentationSnippet(page, first + 1, code, why));
            i = end;
        }
    }
}
