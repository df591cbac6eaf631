using System;
using System.Collections.Generic;
using System.Linq;

namespace SupervisorIpc;

/// <summary>
/// Which paths may be granted with which access: a set of <see cref="PathRule"/>s. Paths are compared component
/// by component after normalization, never as string prefixes: <c>/data/app</c> contains <c>/data/app/x</c> but
/// not <c>/data/application</c>.
/// </summary>
/// <remarks>
/// The decision is taken on the requested string; symlinks are not resolved here. The service checks what the
/// kernel actually opened against the same roots (see <see cref="SupervisorService"/>), so a symlink inside a
/// root that leads out of it is refused there.
/// </remarks>
public sealed class PathPolicy
{
    /// <summary>Creates a policy from rules.</summary>
    /// <param name="rules">The rules; an empty set allows nothing.</param>
    public PathPolicy(IEnumerable<PathRule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        Rules = rules.ToArray();
    }

    /// <summary>The rules.</summary>
    public IReadOnlyList<PathRule> Rules { get; }

    /// <summary>Finds the rule that allows <paramref name="path"/> with <paramref name="access"/>.</summary>
    /// <param name="path">The requested path; must be absolute.</param>
    /// <param name="access">The requested access.</param>
    /// <param name="rule">The first rule that allows it.</param>
    /// <returns>True when some rule allows it.</returns>
    public bool TryFindRule(string path, AccessMode access, out PathRule? rule)
    {
        rule = null;
        string? normalized = Normalize(path);
        if (normalized is null)
        {
            return false;
        }

        foreach (PathRule candidate in Rules)
        {
            if (candidate.Covers(access) && IsWithin(normalized, candidate.Root))
            {
                rule = candidate;
                return true;
            }
        }

        return false;
    }

    /// <summary>True when some rule's root contains <paramref name="path"/>, whatever the access.</summary>
    /// <param name="path">The requested path.</param>
    /// <returns>Whether the path lies under any root.</returns>
    public bool IsUnderAnyRoot(string path)
    {
        string? normalized = Normalize(path);
        return normalized is not null && Rules.Any(rule => IsWithin(normalized, rule.Root));
    }

    /// <summary>The roots of the rules that cover <paramref name="access"/>.</summary>
    /// <param name="access">The access.</param>
    /// <returns>The roots, normalized.</returns>
    public IReadOnlyList<string> RootsFor(AccessMode access) =>
        Rules.Where(rule => rule.Covers(access)).Select(rule => rule.Root).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// Normalizes an absolute path lexically: "." and ".." resolved, empty components dropped. Null when the path
    /// is not absolute or contains NUL.
    /// </summary>
    /// <param name="path">The path.</param>
    /// <returns>The normalized path, or null.</returns>
    public static string? Normalize(string? path)
    {
        if (string.IsNullOrEmpty(path) || path[0] != '/' || path.Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        var components = new List<string>();
        foreach (string component in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (component == ".")
            {
                continue;
            }

            if (component == "..")
            {
                if (components.Count > 0)
                {
                    components.RemoveAt(components.Count - 1);
                }

                continue;
            }

            components.Add(component);
        }

        return "/" + string.Join('/', components);
    }

    /// <summary>Component-wise containment of two normalized absolute paths.</summary>
    /// <param name="path">The normalized candidate.</param>
    /// <param name="root">The normalized root.</param>
    /// <returns>True when <paramref name="path"/> equals <paramref name="root"/> or lies below it.</returns>
    public static bool IsWithin(string path, string root)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(root);
        string[] rootParts = root.Split('/', StringSplitOptions.RemoveEmptyEntries);
        string[] pathParts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (pathParts.Length < rootParts.Length)
        {
            return false;
        }

        for (int i = 0; i < rootParts.Length; i++)
        {
            if (!string.Equals(rootParts[i], pathParts[i], StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
