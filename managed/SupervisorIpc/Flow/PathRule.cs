using System;

namespace SupervisorIpc;

/// <summary>
/// One entry of a <see cref="PathPolicy"/>: everything at or below <see cref="Root"/> may be opened with
/// <see cref="Access"/> (<see cref="AccessMode.ReadWrite"/> also covers <see cref="AccessMode.Read"/> and
/// <see cref="AccessMode.Write"/> alone).
/// </summary>
public sealed record PathRule
{
    /// <summary>Creates a rule.</summary>
    /// <param name="root">An absolute directory or file path; normalized ("." and ".." resolved, duplicate and trailing '/' removed).</param>
    /// <param name="access">The access the rule allows.</param>
    /// <exception cref="ArgumentException"><paramref name="root"/> is not absolute or contains NUL.</exception>
    public PathRule(string root, AccessMode access)
    {
        Root = PathPolicy.Normalize(root) ?? throw new ArgumentException($"'{root}' is not an absolute path.", nameof(root));
        Access = access;
    }

    /// <summary>The normalized absolute root.</summary>
    public string Root { get; }

    /// <summary>The access the rule allows.</summary>
    public AccessMode Access { get; }

    /// <summary>True when this rule's access includes <paramref name="requested"/>.</summary>
    /// <param name="requested">The access asked for.</param>
    /// <returns>Whether the rule covers it.</returns>
    public bool Covers(AccessMode requested) => Access == AccessMode.ReadWrite || Access == requested;
}
