using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Weights;

/// <summary>
/// A safetensors file opened read-only through a memory map. Spans handed out point into the map (no copy) and are
/// valid until <see cref="Dispose"/>; <see cref="ToTensor"/> copies into libtorch. The header is validated on open.
/// Typed spans may be unaligned when another writer did not order tensors by alignment; x64 and arm64 read those.
/// </summary>
public sealed unsafe class SafetensorsFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;
    private bool _disposed;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, long length)
    {
        Path = path;
        _map = map;
        _view = view;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + view.PointerOffset;
        try
        {
            var first8 = new ReadOnlySpan<byte>(_base, (int)Math.Min(8, length));
            var n = SafetensorsHeader.ReadLength(path, first8, length);
            Header = SafetensorsHeader.Parse(path, new ReadOnlySpan<byte>(_base + 8, (int)n), length);
        }
        catch
        {
            Release();
            throw;
        }
    }

    /// <summary>The path the file was opened with.</summary>
    public string Path { get; }

    /// <summary>The validated header.</summary>
    public SafetensorsHeader Header { get; }

    /// <summary>The tensors in data order.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors => Header.Tensors;

    /// <summary>The <c>__metadata__</c> entries.</summary>
    public IReadOnlyDictionary<string, string> Metadata => Header.Metadata;

    /// <summary>Opens and validates <paramref name="path"/>; every failure is a <see cref="ModelException"/>.</summary>
    public static SafetensorsFile Open(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelException(path, null, $"cannot open: {e.Message}", e);
        }
        var length = stream.Length;
        if (length < 8)
        {
            stream.Dispose();
            throw new ModelException(path, null, $"truncated: {length} bytes, too short for the 8-byte header length");
        }
        var map = MemoryMappedFile.CreateFromFile(
            stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: false);
        MemoryMappedViewAccessor view;
        try
        {
            view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        }
        catch
        {
            map.Dispose();
            throw;
        }
        return new SafetensorsFile(path, map, view, length);
    }

    /// <summary>True when the file holds a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => Header.TryGet(name, out _);

    /// <summary>The header entry of <paramref name="name"/>; unknown: a <see cref="ModelException"/>.</summary>
    public SafetensorsTensorInfo Info(string name)
    {
        if (!Header.TryGet(name, out var info))
        {
            throw new ModelException(Path, name, "no such tensor in the file");
        }
        return info;
    }

    /// <summary>The raw little-endian bytes of <paramref name="name"/>, straight from the map.</summary>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var info = Info(name);
        if (info.ByteLength > int.MaxValue)
        {
            throw new ModelException(Path, name, $"{info.ByteLength} bytes exceed what one span can address");
        }
        return new ReadOnlySpan<byte>(_base + Header.DataStart + info.Begin, (int)info.ByteLength);
    }

    /// <summary>The elements of <paramref name="name"/> as <typeparamref name="T"/> (bf16: ushort), no copy.</summary>
    public ReadOnlySpan<T> GetSpan<T>(string name)
        where T : unmanaged
    {
        var info = Info(name);
        if (!SafetensorsDTypeInfo.Matches<T>(info.DType))
        {
            throw new ModelException(Path, name, $"dtype {info.DType} cannot be read as {typeof(T).Name}");
        }
        return MemoryMarshal.Cast<byte, T>(GetBytes(name));
    }

    /// <summary>A fresh libtorch tensor holding a copy of <paramref name="name"/>.</summary>
    public Tensor ToTensor(string name)
    {
        var info = Info(name);
        var dtype = info.DType.ToTorch()
            ?? throw new ModelException(Path, name, $"dtype {info.DType} has no libtorch equivalent in our binding");
        return Tensor.From(GetBytes(name), dtype, info.Shape);
    }

    /// <summary>Unmaps the file; spans obtained earlier become invalid.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            Release();
        }
    }

    private void Release()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
