using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;

namespace SupervisorIpc;

/// <summary>
/// A null-terminated array of NUL-terminated UTF-8 strings in native memory (argv, envp, root lists), freed on
/// dispose. Strings with an embedded NUL are refused: C would silently cut them.
/// </summary>
internal sealed unsafe class NativeStringArray : IDisposable
{
    private byte** _items;
    private readonly int _count;

    public NativeStringArray(IReadOnlyList<string> values, string parameterName)
    {
        foreach (string value in values)
        {
            if (value is null || value.Contains('\0', StringComparison.Ordinal))
            {
                throw new ArgumentException("Strings passed to the native library cannot be null or contain NUL.", parameterName);
            }
        }

        _count = values.Count;
        _items = (byte**)NativeMemory.AllocZeroed((nuint)(_count + 1), (nuint)sizeof(byte*));
        for (int i = 0; i < _count; i++)
        {
            int length = Encoding.UTF8.GetByteCount(values[i]);
            byte* text = (byte*)NativeMemory.Alloc((nuint)(length + 1));
            int written = Encoding.UTF8.GetBytes(values[i], new Span<byte>(text, length));
            text[written] = 0;
            _items[i] = text;
        }
    }

    /// <summary>The array, valid until dispose.</summary>
    public byte** Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(_items == null, this);
            return _items;
        }
    }

    public int Count => _count;

    public void Dispose()
    {
        if (_items == null)
        {
            return;
        }

        for (int i = 0; i < _count; i++)
        {
            NativeMemory.Free(_items[i]);
        }

        NativeMemory.Free(_items);
        _items = null;
    }
}
