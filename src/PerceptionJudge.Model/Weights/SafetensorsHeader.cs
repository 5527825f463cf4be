using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Unicode;

namespace PerceptionJudge.Model.Weights;

/// <summary>
/// One tensor's entry in a safetensors header: dtype, shape and its [Begin, End) byte range within the data buffer
/// (the bytes after the header).
/// </summary>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, long[] Shape, long Begin, long End)
{
    /// <summary>Number of elements (1 for a scalar, 0 when any dimension is 0).</summary>
    public long Numel => SafetensorsHeader.NumelOf(Shape);

    /// <summary>Bytes of data: End − Begin = Numel · item size.</summary>
    public long ByteLength => End - Begin;
}

/// <summary>
/// A parsed and validated safetensors header (HF format: 8-byte little-endian length N, N bytes of UTF-8 JSON
/// <c>{name: {dtype, shape, data_offsets}, "__metadata__": {str: str}}</c>, then the data buffer). Validation follows
/// the spec strictly: every tensor's byte range lies in the buffer and has numel · itemsize bytes, and the ranges tile
/// the buffer with no overlap and no gap.
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>Largest header accepted, as the reference implementation (100 MB).</summary>
    public const long MaxHeaderLength = 100_000_000;

    /// <summary>Key of the optional string-to-string metadata object.</summary>
    public const string MetadataKey = "__metadata__";

    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;

    private SafetensorsHeader(
        long headerLength, long dataLength, List<SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata)
    {
        HeaderLength = headerLength;
        DataLength = dataLength;
        Tensors = tensors;
        Metadata = metadata;
        _byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    /// <summary>N, the JSON header's length in bytes (padding included).</summary>
    public long HeaderLength { get; }

    /// <summary>Offset of the data buffer within the file: 8 + N.</summary>
    public long DataStart => 8 + HeaderLength;

    /// <summary>Length of the data buffer in bytes.</summary>
    public long DataLength { get; }

    /// <summary>The tensors in data order (ascending offsets).</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> entries (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Looks a tensor up by name.</summary>
    public bool TryGet(string name, out SafetensorsTensorInfo info) => _byName.TryGetValue(name, out info!);

    /// <summary>
    /// Reads the header length from the first 8 bytes of a file of <paramref name="fileLength"/> bytes and checks that
    /// the header fits; returns N.
    /// </summary>
    public static long ReadLength(string file, ReadOnlySpan<byte> first8, long fileLength)
    {
        if (fileLength < 8 || first8.Length < 8)
        {
            throw new ModelException(
                file, null, $"truncated: {fileLength} bytes, too short for the 8-byte header length");
        }
        var n = BinaryPrimitives.ReadUInt64LittleEndian(first8);
        if (n > (ulong)(fileLength - 8))
        {
            throw new ModelException(file, null, $"header length {n} exceeds the {fileLength - 8} bytes after it");
        }
        if (n > MaxHeaderLength)
        {
            throw new ModelException(file, null, $"header length {n} exceeds the limit of {MaxHeaderLength} bytes");
        }
        if (n < 2)
        {
            throw new ModelException(file, null, $"header length {n} is too short for a JSON object");
        }
        return (long)n;
    }

    /// <summary>
    /// Parses and validates the JSON <paramref name="header"/> (N bytes) of a file of <paramref name="fileLength"/>
    /// bytes. Every failure is a <see cref="ModelException"/> naming <paramref name="file"/> and the tensor.
    /// </summary>
    public static SafetensorsHeader Parse(string file, ReadOnlySpan<byte> header, long fileLength)
    {
        if (!Utf8.IsValid(header))
        {
            throw new ModelException(file, null, "header is not valid UTF-8");
        }
        if (header.Length == 0 || header[0] != (byte)'{')
        {
            throw new ModelException(file, null, "header does not start with '{'");
        }
        var dataLength = fileLength - 8 - header.Length;
        var tensors = new List<SafetensorsTensorInfo>();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header.ToArray());
        }
        catch (JsonException e)
        {
            throw new ModelException(file, null, $"header is not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ModelException(file, null, "header is not a JSON object");
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                {
                    throw new ModelException(file, property.Name, "appears twice in the header");
                }
                if (property.Name == MetadataKey)
                {
                    ReadMetadata(file, property.Value, metadata);
                }
                else
                {
                    tensors.Add(ReadTensor(file, property.Name, property.Value, dataLength));
                }
            }
        }
        CheckLayout(file, tensors, dataLength);
        return new SafetensorsHeader(header.Length, dataLength, tensors, metadata);
    }

    /// <summary>Product of the dimensions, checked for overflow.</summary>
    public static long NumelOf(ReadOnlySpan<long> shape)
    {
        long numel = 1;
        foreach (var size in shape)
        {
            numel = checked(numel * size);
        }
        return numel;
    }

    private static void ReadMetadata(string file, JsonElement value, Dictionary<string, string> metadata)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new ModelException(file, MetadataKey, "must be an object of strings");
        }
        foreach (var entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new ModelException(file, $"{MetadataKey}.{entry.Name}", "metadata values must be strings");
            }
            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
            {
                throw new ModelException(file, $"{MetadataKey}.{entry.Name}", "appears twice in the metadata");
            }
        }
    }

    private static SafetensorsTensorInfo ReadTensor(string file, string name, JsonElement value, long dataLength)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new ModelException(file, name, "tensor entry must be an object {dtype, shape, data_offsets}");
        }
        string? dtypeName = null;
        long[]? shape = null;
        long[]? offsets = null;
        foreach (var field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when field.Value.ValueKind == JsonValueKind.String && dtypeName is null:
                    dtypeName = field.Value.GetString()!;
                    break;
                case "shape" when shape is null:
                    shape = ReadIntegers(file, name, "shape", field.Value);
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadIntegers(file, name, "data_offsets", field.Value);
                    break;
                default:
                    throw new ModelException(file, name, $"unexpected, repeated or mistyped field '{field.Name}'");
            }
        }
        if (dtypeName is null || shape is null || offsets is null)
        {
            var missing = dtypeName is null ? "dtype" : shape is null ? "shape" : "data_offsets";
            throw new ModelException(file, name, $"missing field '{missing}'");
        }
        if (!SafetensorsDTypeInfo.TryParse(dtypeName, out var dtype))
        {
            var valid = string.Join(", ", Enum.GetNames<SafetensorsDType>());
            throw new ModelException(file, name, $"unknown dtype '{dtypeName}' (supported: {valid})");
        }
        if (offsets.Length != 2 || offsets[0] > offsets[1])
        {
            throw new ModelException(
                file, name, $"data_offsets [{string.Join(", ", offsets)}] must be [begin, end] with begin <= end");
        }
        if (offsets[1] > dataLength)
        {
            throw new ModelException(
                file, name, $"data_offsets [{offsets[0]}, {offsets[1]}] lie outside the {dataLength}-byte data buffer");
        }
        long expected;
        try
        {
            expected = checked(NumelOf(shape) * dtype.ItemSize());
        }
        catch (OverflowException e)
        {
            throw new ModelException(file, name, $"shape [{string.Join(", ", shape)}] overflows", e);
        }
        if (offsets[1] - offsets[0] != expected)
        {
            throw new ModelException(
                file, name,
                $"data_offsets [{offsets[0]}, {offsets[1]}] hold {offsets[1] - offsets[0]} bytes but {dtype} " +
                $"[{string.Join(", ", shape)}] needs {expected}");
        }
        return new SafetensorsTensorInfo(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadIntegers(string file, string name, string field, JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new ModelException(file, name, $"{field} must be an array of non-negative integers");
        }
        var result = new long[value.GetArrayLength()];
        var i = 0;
        foreach (var element in value.EnumerateArray())
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out var v) || v < 0)
            {
                throw new ModelException(file, name, $"{field} must be an array of non-negative integers");
            }
            result[i++] = v;
        }
        return result;
    }

    /// <summary>Sorts by offset and checks that the ranges tile [0, dataLength) exactly.</summary>
    private static void CheckLayout(string file, List<SafetensorsTensorInfo> tensors, long dataLength)
    {
        tensors.Sort((a, b) =>
        {
            var c = a.Begin.CompareTo(b.Begin);
            c = c != 0 ? c : a.End.CompareTo(b.End);
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });
        long next = 0;
        SafetensorsTensorInfo? previous = null;
        foreach (var t in tensors)
        {
            if (t.Begin < next)
            {
                throw new ModelException(
                    file, t.Name,
                    $"data_offsets [{t.Begin}, {t.End}] overlap tensor '{previous!.Name}' " +
                    $"[{previous.Begin}, {previous.End}]");
            }
            if (t.Begin > next)
            {
                throw new ModelException(
                    file, t.Name, $"bytes [{next}, {t.Begin}) before this tensor belong to no tensor (gap)");
            }
            next = t.End;
            previous = t;
        }
        if (next != dataLength)
        {
            throw new ModelException(
                file, previous?.Name,
                $"tensors cover {next} bytes but the data buffer holds {dataLength} (file size does not match)");
        }
    }
}
