using System.Text.Json;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Weights;

/// <summary>
/// The tensors of an HF checkpoint: one <c>.safetensors</c> file, or a sharded folder whose
/// <c>model.safetensors.index.json</c> maps each tensor name to its shard (<c>{"weight_map": {name: file}}</c>).
/// All shards stay memory-mapped until <see cref="Dispose"/>; lookups go to the owning shard.
/// </summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    /// <summary>File name of the shard index that transformers writes.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    /// <summary>File name of an unsharded checkpoint.</summary>
    public const string SingleFileName = "model.safetensors";

    private readonly List<SafetensorsFile> _shards;
    private readonly Dictionary<string, SafetensorsFile> _owner;

    private SafetensorsCheckpoint(
        string source, List<SafetensorsFile> shards, Dictionary<string, SafetensorsFile> owner)
    {
        Source = source;
        _shards = shards;
        _owner = owner;
        Names = owner.Keys.Order(StringComparer.Ordinal).ToList();
    }

    /// <summary>The file or index the checkpoint was opened from.</summary>
    public string Source { get; }

    /// <summary>The open shards (one for an unsharded checkpoint).</summary>
    public IReadOnlyList<SafetensorsFile> Shards => _shards;

    /// <summary>Every tensor name, sorted ordinally.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>
    /// Opens a checkpoint: a folder (its index if present, else <c>model.safetensors</c>), an index <c>.json</c>, or
    /// a single <c>.safetensors</c> file. Every failure is a <see cref="ModelException"/>.
    /// </summary>
    public static SafetensorsCheckpoint Open(string path)
    {
        if (Directory.Exists(path))
        {
            var index = System.IO.Path.Combine(path, IndexFileName);
            var single = System.IO.Path.Combine(path, SingleFileName);
            if (File.Exists(index))
            {
                return OpenIndex(index);
            }
            if (File.Exists(single))
            {
                return OpenSingle(single);
            }
            throw new ModelException(path, null, $"folder holds neither {IndexFileName} nor {SingleFileName}");
        }
        return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? OpenIndex(path) : OpenSingle(path);
    }

    /// <summary>True when the checkpoint holds <paramref name="name"/>.</summary>
    public bool Contains(string name) => _owner.ContainsKey(name);

    /// <summary>The header entry of <paramref name="name"/>.</summary>
    public SafetensorsTensorInfo Info(string name) => Owner(name).Info(name);

    /// <summary>The raw bytes of <paramref name="name"/>, no copy.</summary>
    public ReadOnlySpan<byte> GetBytes(string name) => Owner(name).GetBytes(name);

    /// <summary>The elements of <paramref name="name"/> as <typeparamref name="T"/>, no copy.</summary>
    public ReadOnlySpan<T> GetSpan<T>(string name)
        where T : unmanaged => Owner(name).GetSpan<T>(name);

    /// <summary>A fresh libtorch tensor holding a copy of <paramref name="name"/>.</summary>
    public Tensor ToTensor(string name) => Owner(name).ToTensor(name);

    /// <summary>Unmaps every shard.</summary>
    public void Dispose()
    {
        foreach (var shard in _shards)
        {
            shard.Dispose();
        }
    }

    private SafetensorsFile Owner(string name) =>
        _owner.TryGetValue(name, out var file)
            ? file
            : throw new ModelException(Source, name, "no such tensor in the checkpoint");

    private static SafetensorsCheckpoint OpenSingle(string path)
    {
        var file = SafetensorsFile.Open(path);
        var owner = file.Tensors.ToDictionary(t => t.Name, _ => file, StringComparer.Ordinal);
        return new SafetensorsCheckpoint(path, [file], owner);
    }

    private static SafetensorsCheckpoint OpenIndex(string indexPath)
    {
        var weightMap = ReadWeightMap(indexPath);
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(indexPath))!;
        var shards = new List<SafetensorsFile>();
        var byFile = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        var owner = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, shardName) in weightMap)
            {
                if (!byFile.TryGetValue(shardName, out var shard))
                {
                    var shardPath = System.IO.Path.Combine(folder, shardName);
                    if (!File.Exists(shardPath))
                    {
                        throw new ModelException(indexPath, name, $"shard '{shardName}' does not exist");
                    }
                    shard = SafetensorsFile.Open(shardPath);
                    shards.Add(shard);
                    byFile.Add(shardName, shard);
                }
                if (!shard.Contains(name))
                {
                    throw new ModelException(indexPath, name, $"weight_map names shard '{shardName}' but it lacks it");
                }
                owner.Add(name, shard);
            }
            foreach (var shard in shards)
            {
                foreach (var tensor in shard.Tensors)
                {
                    if (!owner.TryGetValue(tensor.Name, out var mapped) || mapped != shard)
                    {
                        throw new ModelException(
                            indexPath, tensor.Name, $"is in shard '{shard.Path}' but weight_map does not map it there");
                    }
                }
            }
        }
        catch
        {
            foreach (var shard in shards)
            {
                shard.Dispose();
            }
            throw;
        }
        return new SafetensorsCheckpoint(indexPath, shards, owner);
    }

    private static List<(string Name, string Shard)> ReadWeightMap(string indexPath)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(indexPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ModelException(indexPath, null, $"cannot read: {e.Message}", e);
        }
        using (var document = JsonObjectFile.ParseObject(bytes, indexPath))
        {
            if (!document.RootElement.TryGetProperty("weight_map", out var map)
                || map.ValueKind != JsonValueKind.Object)
            {
                throw new ModelException(indexPath, "weight_map", "missing or not an object of name → shard file");
            }
            var result = new List<(string, string)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                var shard = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString()! : "";
                if (shard.Length == 0 || shard != System.IO.Path.GetFileName(shard) || shard is "." or "..")
                {
                    throw new ModelException(
                        indexPath, entry.Name, "weight_map value must be a file name in the folder");
                }
                if (!seen.Add(entry.Name))
                {
                    throw new ModelException(indexPath, entry.Name, "appears twice in weight_map");
                }
                result.Add((entry.Name, shard));
            }
            return result;
        }
    }
}
