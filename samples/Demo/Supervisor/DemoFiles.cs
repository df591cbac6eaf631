using System;
using System.IO;

namespace SupervisorIpc.Demo;

/// <summary>A scratch directory with an allowed file and a secret one; removed on dispose.</summary>
internal sealed class DemoFiles : IDisposable
{
    private DemoFiles(string root)
    {
        Root = root;
        AllowedDirectory = Path.Combine(root, "allowed");
        AllowedFile = Path.Combine(AllowedDirectory, "welcome.txt");
        SecretFile = Path.Combine(root, "secret", "credentials.txt");
    }

    public string Root { get; }

    public string AllowedDirectory { get; }

    public string AllowedFile { get; }

    public string SecretFile { get; }

    public static DemoFiles Create()
    {
        var files = new DemoFiles(Directory.CreateTempSubdirectory("svipc-demo-").FullName);
        Directory.CreateDirectory(files.AllowedDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(files.SecretFile)!);
        File.WriteAllText(files.AllowedFile, "Hello from a file the supervisor opened for you.\nsecond line\n");
        File.WriteAllText(files.SecretFile, "api-key=do-not-share\n");
        return files;
    }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
