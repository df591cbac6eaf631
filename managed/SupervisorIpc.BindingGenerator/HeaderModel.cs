using System.Collections.Generic;

namespace SupervisorIpc.BindingGenerator;

// What the generator understands of a C header, independent of libclang and of C#.

/// <summary>A C type as the bindings need it.</summary>
internal abstract record CType
{
    /// <summary>void.</summary>
    public sealed record Void : CType;

    /// <summary>A built-in integer or floating type, by its C# spelling.</summary>
    public sealed record Primitive(string CSharpName) : CType;

    /// <summary>An enum declared in the header.</summary>
    public sealed record Enum(string CName) : CType;

    /// <summary>A struct defined in the header.</summary>
    public sealed record Struct(string CName) : CType;

    /// <summary>A struct only declared in the header (an opaque object reached through pointers).</summary>
    public sealed record Opaque(string CName) : CType;

    /// <summary>A pointer; <paramref name="PointeeIsConst"/> for <c>const T*</c>.</summary>
    public sealed record Pointer(CType Pointee, bool PointeeIsConst) : CType;

    /// <summary>char (plain), kept apart so that <c>const char*</c> can become a string.</summary>
    public sealed record Char : CType;
}

/// <summary>An integer <c>#define</c>.</summary>
internal sealed record ConstantDecl(string CName, long Value, string? Doc);

/// <summary>One enumerator.</summary>
internal sealed record EnumMemberDecl(string CName, long Value, string? Doc);

/// <summary>An enum with its underlying integer type.</summary>
internal sealed record EnumDecl(string CName, string UnderlyingCSharpType, IReadOnlyList<EnumMemberDecl> Members, string? Doc);

/// <summary>One struct field.</summary>
internal sealed record FieldDecl(string CName, CType Type, string? Doc);

/// <summary>A struct (or, with <paramref name="IsUnion"/>, a union) with its fields and its size as the C compiler lays it out.</summary>
internal sealed record StructDecl(string CName, IReadOnlyList<FieldDecl> Fields, long Size, string? Doc, bool IsUnion = false);

/// <summary>One function parameter.</summary>
internal sealed record ParameterDecl(string CName, CType Type);

/// <summary>A function.</summary>
internal sealed record FunctionDecl(string CName, CType ReturnType, IReadOnlyList<ParameterDecl> Parameters, string? Doc);

/// <summary>Everything the header declares, in source order within each kind.</summary>
internal sealed record HeaderModel(
    IReadOnlyList<ConstantDecl> Constants,
    IReadOnlyList<EnumDecl> Enums,
    IReadOnlyList<StructDecl> Structs,
    IReadOnlyList<string> OpaqueTypes,
    IReadOnlyList<FunctionDecl> Functions);
