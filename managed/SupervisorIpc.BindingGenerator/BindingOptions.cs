using System.Collections.Generic;

namespace SupervisorIpc.BindingGenerator;

/// <summary>
/// An opaque C type reached only through pointers, bound to a SafeHandle type so that every call holds a
/// reference on the handle (a concurrent Dispose cannot free the object under a running call). The release
/// function itself takes the raw pointer, because it runs from SafeHandle.ReleaseHandle.
/// </summary>
internal sealed record HandleMapping(string OpaqueCName, string SafeHandleType, string ReleaseFunction);

/// <summary>
/// How the generator names and shapes the bindings. <c>RawHandleOverloads</c> names the functions that also get an
/// overload taking each handle as a raw pointer (<c>nint</c>) and without SetLastError: the per-frame calls of a
/// caller that guarantees the object's lifetime by other means and reads errno from the library's per-direction
/// copy, so that they skip the SafeHandle reference count (two interlocked operations) and the errno bookkeeping
/// (about 15 ns) on every call.
/// </summary>
internal sealed record BindingOptions(
    string HeaderPath,
    string HeaderDisplayName,
    string LibraryName,
    string Prefix,
    string Namespace,
    string StatusEnum,
    IReadOnlyList<HandleMapping> Handles,
    IReadOnlyList<string> IncludeDirectories,
    IReadOnlyCollection<string> RawHandleOverloads);
