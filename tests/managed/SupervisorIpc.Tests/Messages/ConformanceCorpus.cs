using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace SupervisorIpc.Tests.Messages;

/// <summary>One case of tests/conformance/decode-cases.tsv: a payload, its direction, serde_json's verdict and, if accepted, its re-encoding.</summary>
public sealed record ConformanceCase(bool IsMessage, bool Accepted, string Name, byte[] Payload, byte[]? Encoding)
{
    public override string ToString() => Name;
}

/// <summary>
/// Loads the conformance corpus that the C codec's tests (tests/messages/test_conformance.c) run too. Columns are
/// separated by tabs; payload columns are percent-encoded (%XX for each byte outside printable ASCII and for '%').
/// </summary>
public static class ConformanceCorpus
{
    public static string CasesPath => Path.Combine(WireVectors.RepoRoot, "tests", "conformance", "decode-cases.tsv");

    public static IReadOnlyList<ConformanceCase> All { get; } = Load(CasesPath);

    public static IReadOnlyList<ConformanceCase> Load(string path)
    {
        var cases = new List<ConformanceCase>();
        string[] lines = File.ReadAllLines(path, new UTF8Encoding(false, true));
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            string[] columns = lines[i].Split('\t');
            if (columns.Length != 5 || (columns[0] != "message" && columns[0] != "response") || (columns[1] != "accept" && columns[1] != "reject"))
            {
                throw new InvalidDataException($"{path}:{i + 1} is not 'direction<TAB>verdict<TAB>name<TAB>payload<TAB>encoding'.");
            }

            bool accepted = columns[1] == "accept";
            cases.Add(new ConformanceCase(
                columns[0] == "message", accepted, columns[2], Unescape(columns[3]), accepted ? Unescape(columns[4]) : null));
        }

        return cases;
    }

    public static byte[] Unescape(string column)
    {
        var bytes = new List<byte>(column.Length);
        for (int i = 0; i < column.Length; i++)
        {
            if (column[i] == '%')
            {
                bytes.Add(byte.Parse(column.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                i += 2;
            }
            else
            {
                bytes.Add(checked((byte)column[i]));
            }
        }

        return bytes.ToArray();
    }
}
