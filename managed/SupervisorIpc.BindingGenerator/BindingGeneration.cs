using System;
using System.Collections.Generic;
using System.IO;

namespace SupervisorIpc.BindingGenerator;

/// <summary>Entry points shared by the command line and the drift test.</summary>
public static class BindingGeneration
{
    /// <summary>Repository-relative path of the C header the bindings come from.</summary>
    public const string HeaderRelativePath = "native/include/supervisor_ipc.h";

    /// <summary>Repository-relative path of the generated file.</summary>
    public const string OutputRelativePath = "managed/SupervisorIpc/Interop/NativeMethods.g.cs";

    /// <summary>Generates the bindings of the repository at <paramref name="repositoryRoot"/> and returns the file text.</summary>
    /// <param name="repositoryRoot">Directory holding SupervisorIpc.slnx.</param>
    /// <param name="includeDirectories">System include directories; null asks the C compiler.</param>
    public static string Generate(string repositoryRoot, IReadOnlyList<string>? includeDirectories = null)
    {
        string header = Path.Combine(repositoryRoot, HeaderRelativePath);
        if (!File.Exists(header))
        {
            throw new FileNotFoundException($"the C header '{header}' does not exist.", header);
        }

        var options = new BindingOptions(
            HeaderPath: header,
            HeaderDisplayName: HeaderRelativePath,
            LibraryName: "supervisor_ipc",
            Prefix: "svipc",
            Namespace: "SupervisorIpc.Interop",
            StatusEnum: "svipc_status",
            Handles: new[]
            {
                new HandleMapping("svipc_socket", "SvipcSocketHandle", "svipc_close"),
                new HandleMapping("svipc_listener", "SvipcListenerHandle", "svipc_listener_close"),
                new HandleMapping("svipc_confinement", "SvipcConfinementHandle", "svipc_confinement_free"),
                new HandleMapping("svipc_resolved_file", "SvipcResolvedFileHandle", "svipc_resolved_file_free"),
            },
            IncludeDirectories: includeDirectories ?? SystemIncludes.FromCompiler(),
            RawHandleOverloads: new[]
            {
                "svipc_send_frame", "svipc_recv_frame", "svipc_recv_frame_borrowed", "svipc_send_fd", "svipc_recv_fd",
                "svipc_last_send_errno", "svipc_last_receive_errno", "svipc_has_buffered_input", "svipc_flush", "svipc_has_pending_output",
            });

        using HeaderParser parser = HeaderParser.Open(options.HeaderPath, options.IncludeDirectories);
        return CSharpEmitter.Emit(options, parser.Read());
    }

    /// <summary>Finds the repository root: the nearest directory upwards holding SupervisorIpc.slnx.</summary>
    public static string FindRepositoryRoot(string startDirectory)
    {
        for (DirectoryInfo? directory = new(startDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "SupervisorIpc.slnx")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"no SupervisorIpc.slnx above '{startDirectory}'; pass --repo-root.");
    }
}
