using System;
using System.Collections.Generic;
using System.Linq;

namespace SupervisorIpc.BindingGenerator;

/// <summary>Turns a C doc comment (<c>/** ... */</c> or <c>///</c>) into plain text lines.</summary>
internal static class DocComment
{
    public static string? Clean(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        string text = raw.Replace("\r\n", "\n", StringComparison.Ordinal).Trim();
        if (text.StartsWith("/**", StringComparison.Ordinal) || text.StartsWith("/*!", StringComparison.Ordinal))
        {
            text = text[3..];
        }
        else if (text.StartsWith("/*", StringComparison.Ordinal))
        {
            text = text[2..];
        }

        if (text.EndsWith("*/", StringComparison.Ordinal))
        {
            text = text[..^2];
        }

        var lines = new List<string>();
        foreach (string line in text.Split('\n'))
        {
            string trimmed = line.Trim();
            if (trimmed.StartsWith("///", StringComparison.Ordinal))
            {
                trimmed = trimmed[3..];
            }
            else if (trimmed.StartsWith('*'))
            {
                trimmed = trimmed[1..];
            }

            lines.Add(trimmed.TrimEnd());
        }

        // Keep the author's line structure but drop indentation and blank edges.
        while (lines.Count > 0 && lines[0].Length == 0)
        {
            lines.RemoveAt(0);
        }

        while (lines.Count > 0 && lines[^1].Length == 0)
        {
            lines.RemoveAt(lines.Count - 1);
        }

        return lines.Count == 0 ? null : string.Join("\n", lines.Select(l => l.StartsWith(' ') ? l[1..] : l));
    }
}
