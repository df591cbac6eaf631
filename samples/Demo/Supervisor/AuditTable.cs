using System;
using System.Collections.Generic;
using System.Linq;
using SupervisorIpc;

namespace SupervisorIpc.Demo;

/// <summary>Prints audit events as a fixed-width table.</summary>
internal static class AuditTable
{
    public static void Print(IReadOnlyList<AuditEvent> events)
    {
        string[] headers = ["#", "child", "request", "outcome", "decided by", "fd", "ms", "reason", "detail"];
        var rows = events.Select((e, i) => new[]
        {
            (i + 1).ToString(),
            e.Message switch
            {
                SupervisorMessage.Request r => r.Capability.ChildPid.ToString(),
                SupervisorMessage.OpenUrl o => o.UrlRequest.ChildPid.ToString(),
                _ => "?",
            },
            // The child wrote the path: escaped, so that it cannot draw lines of its own into the table.
            Shorten(AuditText.Escape(e.Subject), 60),
            e.Outcome.ToString(),
            AuditText.Escape(e.DeciderName),
            e.DescriptorSent ? "yes" : "-",
            e.Duration.TotalMilliseconds.ToString("0.0"),
            AuditText.Escape(e.Reason),
            AuditText.Escape(e.Detail),
        }).ToList();

        int[] widths = headers.Select((h, column) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[column].Length))).ToArray();
        string Line(IReadOnlyList<string> cells) => string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();

        Console.WriteLine();
        Console.WriteLine("Audit log");
        Console.WriteLine(Line(headers));
        Console.WriteLine(string.Join("-+-", widths.Select(w => new string('-', w))));
        foreach (string[] row in rows)
        {
            Console.WriteLine(Line(row));
        }
    }

    private static string Shorten(string text, int max) => text.Length <= max ? text : "…" + text[^(max - 1)..];
}
