using System;
using System.Runtime.InteropServices;

namespace SupervisorIpc.BindingGenerator.Clang;

// The subset of the libclang C API (clang-c/Index.h) the generator needs, with the layouts of its value types.

[StructLayout(LayoutKind.Sequential)]
internal struct CXString
{
    public nint Data;
    public uint PrivateFlags;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXCursor
{
    public CXCursorKind Kind;
    public int XData;
    public nint Data0;
    public nint Data1;
    public nint Data2;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXType
{
    public CXTypeKind Kind;
    public nint Data0;
    public nint Data1;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXSourceLocation
{
    public nint PtrData0;
    public nint PtrData1;
    public uint IntData;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXSourceRange
{
    public nint PtrData0;
    public nint PtrData1;
    public uint BeginIntData;
    public uint EndIntData;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXToken
{
    public uint IntData0;
    public uint IntData1;
    public uint IntData2;
    public uint IntData3;
    public nint PtrData;
}

internal enum CXCursorKind
{
    StructDecl = 2,
    UnionDecl = 3,
    EnumDecl = 5,
    FieldDecl = 6,
    EnumConstantDecl = 7,
    FunctionDecl = 8,
    ParmDecl = 10,
    TypedefDecl = 20,
    MacroDefinition = 501,
}

internal enum CXTypeKind
{
    Invalid = 0,
    Void = 2,
    Bool = 3,
    CharU = 4,
    UChar = 5,
    UShort = 8,
    UInt = 9,
    ULong = 10,
    ULongLong = 11,
    CharS = 13,
    SChar = 14,
    Short = 16,
    Int = 17,
    Long = 18,
    LongLong = 19,
    Float = 21,
    Double = 22,
    Pointer = 101,
    Record = 105,
    Enum = 106,
    Typedef = 107,
    FunctionProto = 111,
    Elaborated = 119,
}

internal enum CXTokenKind
{
    Punctuation = 0,
    Keyword = 1,
    Identifier = 2,
    Literal = 3,
    Comment = 4,
}

internal enum CXChildVisitResult
{
    Break = 0,
    Continue = 1,
    Recurse = 2,
}

internal enum CXDiagnosticSeverity
{
    Ignored = 0,
    Note = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}

[Flags]
internal enum CXTranslationUnitFlags
{
    None = 0,
    DetailedPreprocessingRecord = 0x01,
    SkipFunctionBodies = 0x40,
}

internal static unsafe partial class LibClang
{
    private const string Library = "libclang";

    [LibraryImport(Library, EntryPoint = "clang_createIndex")]
    public static partial nint CreateIndex(int excludeDeclarationsFromPch, int displayDiagnostics);

    [LibraryImport(Library, EntryPoint = "clang_disposeIndex")]
    public static partial void DisposeIndex(nint index);

    [LibraryImport(Library, EntryPoint = "clang_parseTranslationUnit2")]
    public static partial int ParseTranslationUnit2(
        nint index, byte* sourceFilename, byte** commandLineArgs, int numCommandLineArgs,
        nint unsavedFiles, uint numUnsavedFiles, CXTranslationUnitFlags options, nint* translationUnit);

    [LibraryImport(Library, EntryPoint = "clang_disposeTranslationUnit")]
    public static partial void DisposeTranslationUnit(nint translationUnit);

    [LibraryImport(Library, EntryPoint = "clang_getTranslationUnitCursor")]
    public static partial CXCursor GetTranslationUnitCursor(nint translationUnit);

    [LibraryImport(Library, EntryPoint = "clang_getNumDiagnostics")]
    public static partial uint GetNumDiagnostics(nint translationUnit);

    [LibraryImport(Library, EntryPoint = "clang_getDiagnostic")]
    public static partial nint GetDiagnostic(nint translationUnit, uint index);

    [LibraryImport(Library, EntryPoint = "clang_getDiagnosticSeverity")]
    public static partial CXDiagnosticSeverity GetDiagnosticSeverity(nint diagnostic);

    [LibraryImport(Library, EntryPoint = "clang_formatDiagnostic")]
    public static partial CXString FormatDiagnostic(nint diagnostic, uint options);

    [LibraryImport(Library, EntryPoint = "clang_defaultDiagnosticDisplayOptions")]
    public static partial uint DefaultDiagnosticDisplayOptions();

    [LibraryImport(Library, EntryPoint = "clang_disposeDiagnostic")]
    public static partial void DisposeDiagnostic(nint diagnostic);

    [LibraryImport(Library, EntryPoint = "clang_visitChildren")]
    public static partial uint VisitChildren(
        CXCursor parent, delegate* unmanaged[Cdecl]<CXCursor, CXCursor, nint, CXChildVisitResult> visitor, nint clientData);

    [LibraryImport(Library, EntryPoint = "clang_getCursorKind")]
    public static partial CXCursorKind GetCursorKind(CXCursor cursor);

    [LibraryImport(Library, EntryPoint = "clang_getCursorSpelling")]
    public static partial CXString GetCursorSpelling(CXCursor cursor);

    [LibraryImport(Library, EntryPoint = "clang_getCursorType")]
    public static partial CXType GetCursorType(CXCursor cursor);

    [LibraryImport(Library, EntryPoint = "clang_getCursorLocation")]
    public static partial CXSourceLocation GetCursorLocation(CXCursor cursor);

    [LibraryImport(Library, EntryPoint = "clang_getCursorExtent")]
    public static partial CXSourceRange GetCursorExtent(CXCursor cursor);

    [LibraryImport(Library, EntryPoint = "clang_Location_isFromMainFile")]
    public static partial int LocationIsFromMainFile(CXSourceLocation location);

    [LibraryImport(Library, EntryPoint = "clang_getSpellingLocation")]
    public static partial void GetSpellingLocation(CXSourceLocation location, nint* file, uint* line, uint* column, uint* offset);

    [LibraryImport(Library, EntryPoint = "clang_getFileName")]
    public static partial CXString GetFileName(nint file);

    [LibraryImport(Library, EntryPoint = "clang_Cursor_isAnonymous")]
    public static partial uint CursorIsAnonymous(CXCursor cursor);

    [LibraryImport(Library, EntryPoint = "clang_getTypedefDeclUnderlyingType")]
    public static partial CXType GetTypedefDeclUnderlyingType(CXCursor cursor);

    [LibraryImport(Library, EntryPoint = "clang_getEnumDeclIntegerType")]
    public static partial CXType GetEnumDeclIntegerType(CXCursor cursor);

    [LibraryImport(Library, EntryPoint = "clang_getEnumConstantDeclValue")]
    public static partial long GetEnumConstantDeclValue(CXCursor cursor);

    [LibraryImport(Library, EntryPoint = "clang_Cursor_getNumArguments")]
    public static partial int CursorGetNumArguments(CXCursor cursor);

    [LibraryImport(Library, EntryPoint = "clang_Cursor_getArgument")]
    public static partial CXCursor CursorGetArgument(CXCursor cursor, uint index);

    [LibraryImport(Library, EntryPoint = "clang_getCursorResultType")]
    public static partial CXType GetCursorResultType(CXCursor cursor);

    [LibraryImport(Library, EntryPoint = "clang_Cursor_isMacroFunctionLike")]
    public static partial uint CursorIsMacroFunctionLike(CXCursor cursor);

    [LibraryImport(Library, EntryPoint = "clang_Cursor_getRawCommentText")]
    public static partial CXString CursorGetRawCommentText(CXCursor cursor);

    [LibraryImport(Library, EntryPoint = "clang_isCursorDefinition")]
    public static partial uint IsCursorDefinition(CXCursor cursor);

    [LibraryImport(Library, EntryPoint = "clang_Cursor_isVariadic")]
    public static partial uint CursorIsVariadic(CXCursor cursor);

    [LibraryImport(Library, EntryPoint = "clang_getTypeSpelling")]
    public static partial CXString GetTypeSpelling(CXType type);

    [LibraryImport(Library, EntryPoint = "clang_getCanonicalType")]
    public static partial CXType GetCanonicalType(CXType type);

    [LibraryImport(Library, EntryPoint = "clang_getPointeeType")]
    public static partial CXType GetPointeeType(CXType type);

    [LibraryImport(Library, EntryPoint = "clang_getTypeDeclaration")]
    public static partial CXCursor GetTypeDeclaration(CXType type);

    [LibraryImport(Library, EntryPoint = "clang_isConstQualifiedType")]
    public static partial uint IsConstQualifiedType(CXType type);

    [LibraryImport(Library, EntryPoint = "clang_Type_getSizeOf")]
    public static partial long TypeGetSizeOf(CXType type);

    [LibraryImport(Library, EntryPoint = "clang_Type_getNamedType")]
    public static partial CXType TypeGetNamedType(CXType type);

    [LibraryImport(Library, EntryPoint = "clang_getTypedefName")]
    public static partial CXString GetTypedefName(CXType type);

    [LibraryImport(Library, EntryPoint = "clang_tokenize")]
    public static partial void Tokenize(nint translationUnit, CXSourceRange range, CXToken** tokens, uint* numTokens);

    [LibraryImport(Library, EntryPoint = "clang_disposeTokens")]
    public static partial void DisposeTokens(nint translationUnit, CXToken* tokens, uint numTokens);

    [LibraryImport(Library, EntryPoint = "clang_getTokenKind")]
    public static partial CXTokenKind GetTokenKind(CXToken token);

    [LibraryImport(Library, EntryPoint = "clang_getTokenSpelling")]
    public static partial CXString GetTokenSpelling(nint translationUnit, CXToken token);

    [LibraryImport(Library, EntryPoint = "clang_getCString")]
    public static partial byte* GetCString(CXString value);

    [LibraryImport(Library, EntryPoint = "clang_disposeString")]
    public static partial void DisposeString(CXString value);

    /// <summary>Copies a libclang string into a managed one and releases it.</summary>
    public static string Consume(CXString value)
    {
        try
        {
            byte* text = GetCString(value);
            return text == null ? string.Empty : Marshal.PtrToStringUTF8((nint)text) ?? string.Empty;
        }
        finally
        {
            DisposeString(value);
        }
    }
}
