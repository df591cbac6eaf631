using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using SupervisorIpc.BindingGenerator;

// usage: SupervisorIpc.BindingGenerator [--repo-root DIR] [--output FILE] [--include-dir DIR]...
string? repositoryRoot = null;
string? output = null;
List<string>? includeDirectories = null;
for (int i = 0; i < args.Length; i++)
{
    string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--repo-root":
            repositoryRoot = Value();
            break;
        case "--output":
            output = Value();
            break;
        case "--include-dir":
            (includeDirectories ??= new List<string>()).Add(Value());
            break;
        default:
            Console.Error.WriteLine($"unknown argument '{args[i]}'\nusage: SupervisorIpc.BindingGenerator [--repo-root DIR] [--output FILE] [--include-dir DIR]...");
            return 2;
    }
}

try
{
    repositoryRoot ??= BindingGeneration.FindRepositoryRoot(Directory.GetCurrentDirectory());
    output ??= Path.Combine(repositoryRoot, BindingGeneration.OutputRelativePath);
    string text = BindingGeneration.Generate(repositoryRoot, includeDirectories);
    Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
    File.WriteAllText(output, text, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
    Console.WriteLine($"wrote {output}");
    return 0;
}
catch (Exception e) when (e is InvalidOperationException or IOException or ArgumentException)
{
    Console.Error.WriteLine($"binding generator: {e.Message}");
    return 1;
}
