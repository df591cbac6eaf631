using System.Globalization;
using System.Text;

namespace SupervisorIpc;

/// <summary>Makes strings a child chose safe to write into a log line or onto a terminal.</summary>
public static class AuditText
{
    /// <summary>
    /// Escapes backslash, every control character (C0, DEL, C1), the line and paragraph separators and the Unicode
    /// bidirectional formatting characters as <c>\u{XXXX}</c>; everything else is kept as it is.
    /// </summary>
    /// <param name="text">The text; null gives an empty string.</param>
    /// <returns>The escaped text, on one line.</returns>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return string.Empty;
        }

        int first = 0;
        while (first < text.Length && !NeedsEscape(text[first]))
        {
            first++;
        }

        if (first == text.Length)
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        escaped.Append(text, 0, first);
        for (int i = first; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\')
            {
                escaped.Append("\\\\");
            }
            else if (NeedsEscape(c))
            {
                escaped.Append("\\u{").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture)).Append('}');
            }
            else
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }

    private static bool NeedsEscape(char c) =>
        c < 0x20 || c == '\\' || (c >= 0x7F && c <= 0x9F) || c == '\u2028' || c == '\u2029' ||
        (c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069') || c == '\u200E' || c == '\u200F' || c == '\u061C';
}
