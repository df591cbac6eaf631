using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using SupervisorIpc.BindingGenerator.Clang;

namespace SupervisorIpc.BindingGenerator;

/// <summary>Parses one C header with libclang into a <see cref="HeaderModel"/>.</summary>
internal sealed unsafe class HeaderParser : IDisposable
{
    private readonly nint _index;
    private readonly nint _unit;
    private readonly string _headerDirectory;
    private readonly Dictionary<string, string[]> _sourceLines = new(StringComparer.Ordinal);

    private HeaderParser(nint index, nint unit, string headerPath)
    {
        _index = index;
        _unit = unit;
        _headerDirectory = Path.GetDirectoryName(Path.GetFullPath(headerPath))!;
    }

    /// <summary>Parses <paramref name="headerPath"/> as C11; throws on any diagnostic of severity error or worse.</summary>
    public static HeaderParser Open(string headerPath, IReadOnlyList<string> includeDirectories)
    {
        var arguments = new List<string> { "-x", "c", "-std=c11", "-Wall", "-Wextra" };
        foreach (string directory in includeDirectories)
        {
            arguments.Add("-isystem");
            arguments.Add(directory);
        }

        nint index = LibClang.CreateIndex(0, 0);
        nint unit = 0;
        int error;
        using (var marshalled = new Utf8Strings(arguments.Prepend(headerPath).ToList()))
        {
            error = LibClang.ParseTranslationUnit2(
                index, marshalled.Pointers[0], marshalled.Pointers + 1, arguments.Count, 0, 0,
                CXTranslationUnitFlags.DetailedPreprocessingRecord | CXTranslationUnitFlags.SkipFunctionBodies, &unit);
        }

        if (error != 0 || unit == 0)
        {
            LibClang.DisposeIndex(index);
            throw new InvalidOperationException($"libclang could not parse '{headerPath}' (CXErrorCode {error}).");
        }

        var parser = new HeaderParser(index, unit, headerPath);
        try
        {
            parser.ThrowOnErrors(headerPath);
        }
        catch
        {
            parser.Dispose();
            throw;
        }

        return parser;
    }

    public void Dispose()
    {
        LibClang.DisposeTranslationUnit(_unit);
        LibClang.DisposeIndex(_index);
    }

    private void ThrowOnErrors(string headerPath)
    {
        var errors = new List<string>();
        uint count = LibClang.GetNumDiagnostics(_unit);
        for (uint i = 0; i < count; i++)
        {
            nint diagnostic = LibClang.GetDiagnostic(_unit, i);
            try
            {
                // Warnings matter too: a header that only parses with warnings is not a clean contract.
                if (LibClang.GetDiagnosticSeverity(diagnostic) >= CXDiagnosticSeverity.Warning)
                {
                    errors.Add(LibClang.Consume(LibClang.FormatDiagnostic(diagnostic, LibClang.DefaultDiagnosticDisplayOptions())));
                }
            }
            finally
            {
                LibClang.DisposeDiagnostic(diagnostic);
            }
        }

        if (errors.Count > 0)
        {
            throw new InvalidOperationException(
                $"parsing '{headerPath}' produced diagnostics:\n  " + string.Join("\n  ", errors));
        }
    }

    /// <summary>
    /// Reads every declaration that the header and the project's other headers it includes (those in its own
    /// directory, such as supervisor_ipc_messages.h) make; system headers are left out.
    /// </summary>
    public HeaderModel Read()
    {
        var constants = new List<ConstantDecl>();
        var enums = new List<EnumDecl>();
        var structs = new List<StructDecl>();
        var opaque = new List<string>();
        var functions = new List<FunctionDecl>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        foreach (CXCursor cursor in Children(LibClang.GetTranslationUnitCursor(_unit)))
        {
            if (!IsFromProjectHeader(cursor))
            {
                continue;
            }

            string name = LibClang.Consume(LibClang.GetCursorSpelling(cursor));
            switch (cursor.Kind)
            {
                case CXCursorKind.MacroDefinition:
                    if (LibClang.CursorIsMacroFunctionLike(cursor) == 0 && TryReadIntegerMacro(cursor, out long value))
                    {
                        constants.Add(new ConstantDecl(name, value, TrailingComment(cursor) ?? DocBefore(cursor)));
                    }

                    break;
                case CXCursorKind.EnumDecl when LibClang.IsCursorDefinition(cursor) != 0 && seen.Add("enum " + name):
                    enums.Add(ReadEnum(cursor, name));
                    break;
                case CXCursorKind.StructDecl when seen.Add("struct " + name):
                    if (LibClang.IsCursorDefinition(cursor) != 0)
                    {
                        ReadStruct(cursor, name, structs);
                    }
                    else
                    {
                        opaque.Add(name);
                    }

                    break;
                case CXCursorKind.StructDecl when LibClang.IsCursorDefinition(cursor) != 0:
                    // Defined after an earlier forward declaration.
                    opaque.Remove(name);
                    ReadStruct(cursor, name, structs);
                    break;
                case CXCursorKind.FunctionDecl when seen.Add("function " + name):
                    functions.Add(ReadFunction(cursor, name));
                    break;
            }
        }

        return new HeaderModel(constants, enums, structs, opaque, functions);
    }

    private EnumDecl ReadEnum(CXCursor cursor, string name)
    {
        var members = new List<EnumMemberDecl>();
        foreach (CXCursor child in Children(cursor))
        {
            if (child.Kind == CXCursorKind.EnumConstantDecl)
            {
                members.Add(new EnumMemberDecl(
                    LibClang.Consume(LibClang.GetCursorSpelling(child)),
                    LibClang.GetEnumConstantDeclValue(child),
                    Doc(child)));
            }
        }

        CType underlying = Resolve(LibClang.GetEnumDeclIntegerType(cursor));
        if (underlying is not CType.Primitive primitive)
        {
            throw new InvalidOperationException($"enum {name} has an unsupported underlying type.");
        }

        return new EnumDecl(name, primitive.CSharpName, members, Doc(cursor) ?? DocBefore(cursor));
    }

    /// <summary>
    /// Adds the struct to <paramref name="structs"/>, preceded by the anonymous unions among its fields: each becomes
    /// a type of its own named after the struct and the field (svipc_message's union <c>as</c> is svipc_message_as).
    /// </summary>
    private void ReadStruct(CXCursor cursor, string name, List<StructDecl> structs, bool isUnion = false)
    {
        var fields = new List<FieldDecl>();
        foreach (CXCursor child in Children(cursor))
        {
            if (child.Kind != CXCursorKind.FieldDecl)
            {
                continue;
            }

            string fieldName = LibClang.Consume(LibClang.GetCursorSpelling(child));
            CXType fieldType = LibClang.GetCursorType(child);
            CXCursor declaration = LibClang.GetTypeDeclaration(LibClang.GetCanonicalType(fieldType));
            CType type;
            if (declaration.Kind is CXCursorKind.UnionDecl or CXCursorKind.StructDecl && LibClang.CursorIsAnonymous(declaration) != 0)
            {
                string nestedName = name + "_" + fieldName;
                ReadStruct(declaration, nestedName, structs, declaration.Kind == CXCursorKind.UnionDecl);
                type = new CType.Struct(nestedName);
            }
            else if (declaration.Kind == CXCursorKind.UnionDecl)
            {
                throw new InvalidOperationException($"field {name}.{fieldName}: only anonymous unions are supported.");
            }
            else
            {
                type = Resolve(fieldType);
            }

            fields.Add(new FieldDecl(fieldName, type, Doc(child)));
        }

        long size = LibClang.TypeGetSizeOf(LibClang.GetCursorType(cursor));
        string? doc = isUnion ? $"The variants of {name[..name.LastIndexOf('_')]}, one per kind." : Doc(cursor) ?? DocBefore(cursor);
        structs.Add(new StructDecl(name, fields, size, doc, isUnion));
    }

    private FunctionDecl ReadFunction(CXCursor cursor, string name)
    {
        if (LibClang.CursorIsVariadic(cursor) != 0)
        {
            throw new InvalidOperationException($"function {name} is variadic, which the bindings cannot express.");
        }

        int count = LibClang.CursorGetNumArguments(cursor);
        var parameters = new List<ParameterDecl>(count);
        for (uint i = 0; i < count; i++)
        {
            CXCursor argument = LibClang.CursorGetArgument(cursor, i);
            string parameterName = LibClang.Consume(LibClang.GetCursorSpelling(argument));
            if (parameterName.Length == 0)
            {
                throw new InvalidOperationException($"parameter {i} of {name} has no name; name every parameter in the header.");
            }

            parameters.Add(new ParameterDecl(parameterName, Resolve(LibClang.GetCursorType(argument))));
        }

        return new FunctionDecl(name, Resolve(LibClang.GetCursorResultType(cursor)), parameters, Doc(cursor));
    }

    private static CType Resolve(CXType type)
    {
        CXType canonical = LibClang.GetCanonicalType(type);
        switch (canonical.Kind)
        {
            case CXTypeKind.Void:
                return new CType.Void();
            case CXTypeKind.Pointer:
                CXType pointee = LibClang.GetPointeeType(canonical);
                return new CType.Pointer(Resolve(pointee), LibClang.IsConstQualifiedType(pointee) != 0);
            case CXTypeKind.Enum:
                return new CType.Enum(DeclarationName(canonical));
            case CXTypeKind.Record:
                return LibClang.TypeGetSizeOf(canonical) < 0
                    ? new CType.Opaque(DeclarationName(canonical))
                    : new CType.Struct(DeclarationName(canonical));
            case CXTypeKind.CharS:
            case CXTypeKind.CharU:
                return new CType.Char();
        }

        long size = LibClang.TypeGetSizeOf(canonical);
        string? primitive = (canonical.Kind, size) switch
        {
            (CXTypeKind.Bool, 1) => "byte",
            (CXTypeKind.SChar, 1) => "sbyte",
            (CXTypeKind.UChar, 1) => "byte",
            (CXTypeKind.Short, 2) => "short",
            (CXTypeKind.UShort, 2) => "ushort",
            (CXTypeKind.Int, 4) => "int",
            (CXTypeKind.UInt, 4) => "uint",
            (CXTypeKind.Long, 8) => "nint",
            (CXTypeKind.ULong, 8) => "nuint",
            (CXTypeKind.LongLong, 8) => "long",
            (CXTypeKind.ULongLong, 8) => "ulong",
            (CXTypeKind.Float, 4) => "float",
            (CXTypeKind.Double, 8) => "double",
            _ => null,
        };

        return primitive is null
            ? throw new InvalidOperationException(
                $"type '{LibClang.Consume(LibClang.GetTypeSpelling(type))}' has no blittable C# counterpart in the generator.")
            : new CType.Primitive(primitive);
    }

    private static string DeclarationName(CXType type) =>
        LibClang.Consume(LibClang.GetCursorSpelling(LibClang.GetTypeDeclaration(type)));

    private bool TryReadIntegerMacro(CXCursor cursor, out long value)
    {
        value = 0;
        CXToken* tokens = null;
        uint count = 0;
        LibClang.Tokenize(_unit, LibClang.GetCursorExtent(cursor), &tokens, &count);
        try
        {
            // tokens[0] is the macro name; accept "N", "-N", "(N)", "(-N)" with an optional integer suffix.
            var body = new List<string>();
            for (uint i = 1; i < count; i++)
            {
                body.Add(LibClang.Consume(LibClang.GetTokenSpelling(_unit, tokens[i])));
            }

            if (body.Count >= 2 && body[0] == "(" && body[^1] == ")")
            {
                body = body.GetRange(1, body.Count - 2);
            }

            bool negative = body.Count == 2 && body[0] == "-";
            if (negative)
            {
                body.RemoveAt(0);
            }

            if (body.Count != 1 || !TryParseIntegerLiteral(body[0], out ulong magnitude) || magnitude > long.MaxValue)
            {
                return false;
            }

            value = negative ? -(long)magnitude : (long)magnitude;
            return true;
        }
        finally
        {
            LibClang.DisposeTokens(_unit, tokens, count);
        }
    }

    private static bool TryParseIntegerLiteral(string literal, out ulong value)
    {
        string digits = literal.TrimEnd('u', 'U', 'l', 'L');
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return ulong.TryParse(digits.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }

        if (digits.Length > 1 && digits[0] == '0')
        {
            value = 0;
            foreach (char c in digits)
            {
                if (c is < '0' or > '7')
                {
                    return false;
                }

                value = checked((value * 8) + (ulong)(c - '0'));
            }

            return true;
        }

        return ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static string? Doc(CXCursor cursor) => DocComment.Clean(LibClang.Consume(LibClang.CursorGetRawCommentText(cursor)));

    private static (string File, int Line) LocationOf(CXCursor cursor)
    {
        nint file = 0;
        uint line = 0;
        LibClang.GetSpellingLocation(LibClang.GetCursorLocation(cursor), &file, &line, null, null);
        return (file == 0 ? string.Empty : Path.GetFullPath(LibClang.Consume(LibClang.GetFileName(file))), (int)line);
    }

    private bool IsFromProjectHeader(CXCursor cursor)
    {
        string file = LocationOf(cursor).File;
        return file.Length > 0 && string.Equals(Path.GetDirectoryName(file), _headerDirectory, StringComparison.Ordinal);
    }

    private string[] SourceLines(string file)
    {
        if (!_sourceLines.TryGetValue(file, out string[]? lines))
        {
            lines = File.ReadAllLines(file);
            _sourceLines.Add(file, lines);
        }

        return lines;
    }

    /// <summary>A plain comment after a macro on its own line (<c>#define X 1 /* what X means */</c>).</summary>
    private string? TrailingComment(CXCursor cursor)
    {
        (string file, int line) = LocationOf(cursor);
        string text = SourceLines(file)[line - 1];
        int start = text.IndexOf("/*", StringComparison.Ordinal);
        return start < 0 || !text.TrimEnd().EndsWith("*/", StringComparison.Ordinal)
            ? null
            : DocComment.Clean("/**" + text[(start + 2)..]);
    }

    /// <summary>
    /// libclang attaches no comments to macros, and only sometimes to a typedef'd tag; read the
    /// doc comment that ends on the line right above the declaration straight from the source.
    /// Every line of it must be comment text: the trailing comment of a macro above is not this one's doc.
    /// </summary>
    private string? DocBefore(CXCursor cursor)
    {
        (string file, int line) = LocationOf(cursor);
        string[] source = SourceLines(file);
        int end = line - 2; // zero-based index of the line above
        if (end < 0 || !source[end].TrimEnd().EndsWith("*/", StringComparison.Ordinal))
        {
            return null;
        }

        for (int start = end; start >= 0; start--)
        {
            string trimmed = source[start].TrimStart();
            if (trimmed.StartsWith("/**", StringComparison.Ordinal))
            {
                return DocComment.Clean(string.Join("\n", source[start..(end + 1)]));
            }

            if (!trimmed.StartsWith('*') || trimmed.StartsWith("/*", StringComparison.Ordinal))
            {
                return null; // a plain comment, or code: not documentation
            }
        }

        return null;
    }

    private static List<CXCursor> Children(CXCursor parent)
    {
        var children = new List<CXCursor>();
        GCHandle handle = GCHandle.Alloc(children);
        try
        {
            LibClang.VisitChildren(parent, &CollectChild, GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }

        return children;
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static CXChildVisitResult CollectChild(CXCursor cursor, CXCursor parent, nint clientData)
    {
        ((List<CXCursor>)GCHandle.FromIntPtr(clientData).Target!).Add(cursor);
        return CXChildVisitResult.Continue;
    }

    /// <summary>NUL-terminated UTF-8 copies of strings for the lifetime of one native call.</summary>
    private sealed class Utf8Strings : IDisposable
    {
        private readonly List<nint> _allocations = new();

        public Utf8Strings(IReadOnlyList<string> values)
        {
            Pointers = (byte**)NativeMemory.Alloc((nuint)values.Count, (nuint)sizeof(byte*));
            for (int i = 0; i < values.Count; i++)
            {
                byte[] bytes = Encoding.UTF8.GetBytes(values[i] + "\0");
                byte* copy = (byte*)NativeMemory.Alloc((nuint)bytes.Length);
                bytes.CopyTo(new Span<byte>(copy, bytes.Length));
                _allocations.Add((nint)copy);
                Pointers[i] = copy;
            }
        }

        public byte** Pointers { get; }

        public void Dispose()
        {
            foreach (nint allocation in _allocations)
            {
                NativeMemory.Free((void*)allocation);
            }

            NativeMemory.Free(Pointers);
        }
    }
}
