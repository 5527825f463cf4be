using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Weights;

/// <summary>
/// Builds a safetensors file with the bytes HF's serializer writes (safetensors <c>prepare</c>): tensors are laid out
/// by dtype, last <see cref="SafetensorsDType"/> member first (the enum ascends in alignment, so every tensor starts
/// aligned to its element size), then by name (ordinal); the header lists them in that order after
/// <c>__metadata__</c> (keys sorted) and is padded with spaces to a multiple of 8 bytes.
/// <see cref="Save"/> is atomic: it writes a temporary file in the target folder and renames it over the target.
/// Data is read from the sources only when written, so large tensors are not copied first.
/// </summary>
public sealed class SafetensorsWriter
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, string> _metadata = new(StringComparer.Ordinal);

    private delegate ReadOnlySpan<byte> ByteSource();

    /// <summary>Number of tensors added.</summary>
    public int Count => _entries.Count;

    /// <summary>Adds a <c>__metadata__</c> entry (e.g. <c>format</c> = <c>pt</c>).</summary>
    public SafetensorsWriter AddMetadata(string key, string value)
    {
        _metadata[key] = value;
        return this;
    }

    /// <summary>Adds raw little-endian bytes of <paramref name="dtype"/> with <paramref name="shape"/>.</summary>
    public SafetensorsWriter Add(string name, SafetensorsDType dtype, long[] shape, ReadOnlyMemory<byte> data) =>
        Add(name, dtype, shape, data.Length, () => data.Span);

    /// <summary>Adds <paramref name="data"/> as <typeparamref name="T"/>'s natural dtype (not ushort).</summary>
    public SafetensorsWriter Add<T>(string name, T[] data, params long[] shape)
        where T : unmanaged => Add(name, SafetensorsDTypeInfo.Of<T>(), data, shape);

    /// <summary>Adds <paramref name="data"/> as <paramref name="dtype"/> (bf16 bits as ushort).</summary>
    public unsafe SafetensorsWriter Add<T>(string name, SafetensorsDType dtype, T[] data, params long[] shape)
        where T : unmanaged
    {
        if (!SafetensorsDTypeInfo.Matches<T>(dtype))
        {
            throw new ArgumentException($"{typeof(T).Name} cannot hold {dtype}", nameof(data));
        }
        return Add(name, dtype, shape, (long)data.Length * sizeof(T), () => MemoryMarshal.AsBytes(data.AsSpan()));
    }

    /// <summary>Adds a libtorch tensor (any device or layout); its bytes are read when the file is written.</summary>
    public SafetensorsWriter Add(string name, Tensor tensor)
    {
        CheckName(name);
        var dtype = SafetensorsDTypeInfo.FromTorch(tensor.Dtype);
        if (!_entries.TryAdd(name, new Entry(name, dtype, tensor.Shape, null, tensor)))
        {
            throw new ArgumentException($"tensor '{name}' added twice", nameof(name));
        }
        return this;
    }

    /// <summary>Writes the file atomically (temporary file in the same folder, then rename over the target).</summary>
    public void Save(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var folder = System.IO.Path.GetDirectoryName(full)!;
        var temp = System.IO.Path.Combine(folder, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                WriteTo(stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new ModelException(path, null, $"cannot write: {e.Message}", e);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The whole file as bytes (small files and tests).</summary>
    public byte[] ToArray()
    {
        using var stream = new MemoryStream();
        WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>Writes the file's bytes to <paramref name="stream"/>.</summary>
    public void WriteTo(Stream stream)
    {
        var ordered = _entries.Values
            .OrderByDescending(e => (int)e.DType)
            .ThenBy(e => e.Name, StringComparer.Ordinal)
            .ToList();
        var header = BuildHeader(ordered);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
        stream.Write(length);
        stream.Write(header);
        foreach (var entry in ordered)
        {
            if (entry.Source is not null)
            {
                stream.Write(entry.Source());
            }
            else
            {
                WriteTensor(stream, entry.Tensor!);
            }
        }
    }

    private SafetensorsWriter Add(string name, SafetensorsDType dtype, long[] shape, long byteLength, ByteSource source)
    {
        CheckName(name);
        var expected = SafetensorsHeader.NumelOf(shape) * dtype.ItemSize();
        if (shape.Any(s => s < 0) || expected != byteLength)
        {
            throw new ArgumentException(
                $"tensor '{name}': {byteLength} bytes do not fill {dtype} [{string.Join(", ", shape)}]", nameof(shape));
        }
        if (!_entries.TryAdd(name, new Entry(name, dtype, (long[])shape.Clone(), source, null)))
        {
            throw new ArgumentException($"tensor '{name}' added twice", nameof(name));
        }
        return this;
    }

    private static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name == SafetensorsHeader.MetadataKey)
        {
            throw new ArgumentException($"'{name}' is not a valid tensor name", nameof(name));
        }
    }

    private byte[] BuildHeader(List<Entry> ordered)
    {
        using var buffer = new MemoryStream();
        var options = new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var json = new Utf8JsonWriter(buffer, options))
        {
            json.WriteStartObject();
            if (_metadata.Count > 0)
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in _metadata)
                {
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var entry in ordered)
            {
                var end = offset + SafetensorsHeader.NumelOf(entry.Shape) * entry.DType.ItemSize();
                json.WriteStartObject(entry.Name);
                json.WriteString("dtype", entry.DType.HeaderName());
                json.WriteStartArray("shape");
                foreach (var size in entry.Shape)
                {
                    json.WriteNumberValue(size);
                }
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(end);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = end;
            }
            json.WriteEndObject();
        }
        // Pad with spaces so the data buffer starts 8-byte aligned (HF does the same).
        var padding = (int)((8 - buffer.Length % 8) % 8);
        for (var i = 0; i < padding; i++)
        {
            buffer.WriteByte((byte)' ');
        }
        return buffer.ToArray();
    }

    private static void WriteTensor(Stream stream, Tensor tensor)
    {
        if (tensor.Device == DeviceType.Cpu && tensor.IsContiguous)
        {
            stream.Write(TensorBytes(tensor));
            return;
        }
        using var host = tensor.To(DeviceType.Cpu);
        using var contiguous = host.Contiguous();
        stream.Write(TensorBytes(contiguous));
    }

    private static ReadOnlySpan<byte> TensorBytes(Tensor tensor) => tensor.Dtype switch
    {
        DType.Float32 => MemoryMarshal.AsBytes(tensor.AsSpan<float>()),
        DType.Float64 => MemoryMarshal.AsBytes(tensor.AsSpan<double>()),
        DType.BFloat16 or DType.Float16 => MemoryMarshal.AsBytes(tensor.AsSpan<ushort>()),
        DType.Int64 => MemoryMarshal.AsBytes(tensor.AsSpan<long>()),
        DType.Int32 => MemoryMarshal.AsBytes(tensor.AsSpan<int>()),
        DType.UInt8 or DType.Bool => tensor.AsSpan<byte>(),
        _ => throw new ArgumentException($"no safetensors dtype for {tensor.Dtype}", nameof(tensor)),
    };

    private sealed record Entry(string Name, SafetensorsDType DType, long[] Shape, ByteSource? Source, Tensor? Tensor);
}
