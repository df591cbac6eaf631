using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NUnit.Framework;

namespace SupervisorIpc.Tests.Docs;

/// <summary>
/// The C# a user copies from README.md, docs/*.md or the package's readme compiles against this build of the library
/// as a console app would compile it (the SDK's implicit usings, nullable on), with no error and no warning. Each
/// block is a program of its own (top-level statements); a block that is deliberately not a program says so.
/// The C examples of docs/c-api.md are compiled and run by CTest (tests/messages/CMakeLists.txt).
/// </summary>
[TestFixture]
public sealed class DocumentationSnippetTests
{
    // What `dotnet new console` turns on (ImplicitUsings=enable): a user's program has these without writing them.
    private const string ConsoleAppImplicitUsings =
        "global using System;\n" +
        "global using System.Collections.Generic;\n" +
        "global using System.IO;\n" +
        "global using System.Linq;\n" +
        "global using System.Net.Http;\n" +
        "global using System.Threading;\n" +
        "global using System.Threading.Tasks;\n";

    private static readonly Lazy<ImmutableArray<MetadataReference>> s_references = new(LoadReferences);

    public static IEnumerable<TestCaseData> Snippets =>
        DocumentationPages.CSharpSnippets.Select(snippet => new TestCaseData(snippet).SetName($"Compiles({snippet})"));

    [Test]
    public void ThePagesHaveCSharpSnippets()
    {
        // Guards the extraction itself: a fence the parser stopped recognising would leave nothing to compile.
        Assert.That(DocumentationPages.CSharpSnippets.Count(snippet => snippet.Page == "README.md" && snippet.NotCompiledBecause is null), Is.GreaterThanOrEqualTo(3));
        Assert.That(DocumentationPages.CSharpSnippets.Count(snippet => snippet.Page.StartsWith("docs/", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(2));
    }

    [TestCaseSource(nameof(Snippets))]
    public void Compiles(DocumentationSnippet snippet)
    {
        if (snippet.NotCompiledBecause is not null)
        {
            Assert.Ignore($"marked not compiled: {snippet.NotCompiledBecause}");
        }

        IReadOnlyList<string> problems = Compile(snippet);
        Assert.That(problems, Is.Empty, $"{snippet} does not compile as a program:\n{string.Join("\n", problems)}\n--- code ---\n{snippet.Code}");
    }

    [Test]
    public void TheCompilerCheckCatchesABrokenSnippet()
    {
        // The check itself can fail: a missing using, a misspelt member and a nullable warning are each reported.
        var broken = new DocumentationSnippet("test", 1, "using SupervisorIpc;\nSafeFileHandle h = null!;\n", null);
        Assert.That(Compile(broken), Has.Some.Contains("CS0246"));
        var misspelt = new DocumentationSnippet("test", 1, "using SupervisorIpc;\nvar (a, b) = SupervisorSocket.CreatePairs();\n", null);
        Assert.That(Compile(misspelt), Has.Some.Contains("CS0117"));
        var nullable = new DocumentationSnippet("test", 1, "string? s = Environment.GetEnvironmentVariable(\"X\");\nConsole.WriteLine(s.Length);\n", null);
        Assert.That(Compile(nullable), Has.Some.Contains("CS8602"));
        Assert.That(Compile(new DocumentationSnippet("test", 1, "using SupervisorIpc;\nConsole.WriteLine(AccessMode.Read);\n", null)), Is.Empty);
    }

    [Test]
    public void RelativeLinksStayInsideTheRepository()
    {
        // A fresh clone is all a reader has: every relative link of the pages, and every relative path written in
        // their text, must stay inside the repository, and no page may name the repository's own location or
        // anything beside it on this machine by absolute path.
        var link = new Regex(@"\]\((?<target>[^)\s]+)\)", RegexOptions.CultureInvariant);
        var climbingPath = new Regex(@"(?:\.\./)+[\w.-]+", RegexOptions.CultureInvariant);
        string root = Path.GetFullPath(DocumentationPages.RepoRoot).TrimEnd('/') + "/";
        string[] outsideNames = Directory.GetFileSystemEntries(Path.GetDirectoryName(root.TrimEnd('/'))!)
            .Where(entry => entry + "/" != root)
            .Append(root)
            .ToArray();
        var broken = new List<string>();
        foreach (string page in DocumentationPages.Pages)
        {
            string text = File.ReadAllText(Path.Combine(root, page));
            string pageDirectory = Path.Combine(root, Path.GetDirectoryName(page)!);
            foreach (string outside in outsideNames.Where(name => text.Contains(name, StringComparison.Ordinal)))
            {
                broken.Add($"{page}: names {outside} by absolute path");
            }

            foreach (Match path in climbingPath.Matches(text))
            {
                if (!Path.GetFullPath(Path.Combine(pageDirectory, path.Value)).StartsWith(root, StringComparison.Ordinal))
                {
                    broken.Add($"{page}: {path.Value} leaves the repository");
                }
            }

            foreach (Match match in link.Matches(text))
            {
                string target = match.Groups["target"].Value;
                if (target.StartsWith('#') || target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }

                string file = target.Split('#')[0];
                string resolved = Path.GetFullPath(Path.Combine(root, Path.GetDirectoryName(page)!, file));
                if (!resolved.StartsWith(root, StringComparison.Ordinal) || (!File.Exists(resolved) && !Directory.Exists(resolved)))
                {
                    broken.Add($"{page}: ({target})");
                }
            }
        }

        Assert.That(broken, Is.Empty);
    }

    /// <summary>Compiles <paramref name="snippet"/> as a console program; returns its errors and warnings, located on the page.</summary>
    private static IReadOnlyList<string> Compile(DocumentationSnippet snippet)
    {
        SyntaxTree usings = CSharpSyntaxTree.ParseText(ConsoleAppImplicitUsings, path: "ImplicitUsings.g.cs");
        // #line maps diagnostics to the page's own line numbers.
        string source = $"#line {snippet.Line} \"{snippet.Page}\"\n{snippet.Code}";
        SyntaxTree code = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: snippet.Page);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Snippet",
            [usings, code],
            s_references.Value,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        using var output = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = compilation.Emit(output);
        return result.Diagnostics
            .Where(diagnostic => diagnostic.Severity >= DiagnosticSeverity.Warning)
            .Select(diagnostic => diagnostic.ToString())
            .ToList();
    }

    /// <summary>The running framework's assemblies (what the SDK's reference pack exposes, for the same version) and this build of SupervisorIpc.</summary>
    private static ImmutableArray<MetadataReference> LoadReferences()
    {
        string platform = (string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!;
        string frameworkDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        string library = typeof(SupervisorSocket).Assembly.Location;
        return platform.Split(Path.PathSeparator)
            .Where(path => Path.GetDirectoryName(path) == frameworkDirectory)
            .Append(library)
            .Distinct(StringComparer.Ordinal)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    }
}
