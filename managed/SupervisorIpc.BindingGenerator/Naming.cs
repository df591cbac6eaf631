using System;
using System.Collections.Generic;
using System.Linq;

namespace SupervisorIpc.BindingGenerator;

/// <summary>C snake_case and SCREAMING_CASE names to .NET names.</summary>
internal static class Naming
{
    private static readonly HashSet<string> CSharpKeywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    };

    /// <summary><c>svipc_peer_credentials</c> → <c>SvipcPeerCredentials</c>.</summary>
    public static string Pascal(string name) =>
        string.Concat(name.Split('_', StringSplitOptions.RemoveEmptyEntries)
            .Select(part => char.ToUpperInvariant(part[0]) + part[1..].ToLowerInvariant()));

    /// <summary><c>timeout_ms</c> → <c>timeoutMs</c>, escaped when it is a C# keyword.</summary>
    public static string Camel(string name)
    {
        string pascal = Pascal(name);
        string camel = char.ToLowerInvariant(pascal[0]) + pascal[1..];
        return CSharpKeywords.Contains(camel) ? "@" + camel : camel;
    }

    /// <summary>Removes <paramref name="prefix"/> (case-insensitively, with its underscore) then applies <see cref="Pascal"/>.</summary>
    public static string PascalWithoutPrefix(string name, string prefix)
    {
        string withUnderscore = prefix + "_";
        string rest = name.StartsWith(withUnderscore, StringComparison.OrdinalIgnoreCase) ? name[withUnderscore.Length..] : name;
        if (rest.Length == 0 || char.IsDigit(rest[0]))
        {
            throw new InvalidOperationException($"'{name}' has no usable name once the prefix '{prefix}' is removed.");
        }

        return Pascal(rest);
    }
}
