using System.Text.Json;

namespace PerceptionJudge.Model.Tokenizer;

/// <summary>The <c>model</c> and <c>added_tokens</c> sections of tokenizer.json.</summary>
internal static class TokenizerModelJson
{
    public static BytePairModel ReadModel(FieldReader reader, JsonElement model)
    {
        // Fields are type-checked before GetString, which throws InvalidOperationException on another kind.
        var type = model.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
            ? t.GetString()
            : null;
        if (type != "BPE")
        {
            throw new ModelException(reader.Source, "model.type", $"'{type}' is not supported; only BPE");
        }
        foreach (var name in new[] { "continuing_subword_prefix", "end_of_word_suffix" })
        {
            if (model.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null
                && (v.ValueKind != JsonValueKind.String || v.GetString() != ""))
            {
                throw new ModelException(reader.Source, $"model.{name}", "must be null or empty for byte-level BPE");
            }
        }
        if (reader.Bool(model, "byte_fallback", "model.byte_fallback", false))
        {
            throw new ModelException(reader.Source, "model.byte_fallback", "byte fallback is not byte-level BPE");
        }
        var vocab = ReadVocab(reader, model);
        var merges = ReadMerges(reader, model, vocab);
        int? unknown = null;
        if (model.TryGetProperty("unk_token", out var unk) && unk.ValueKind != JsonValueKind.Null)
        {
            var token = unk.ValueKind == JsonValueKind.String ? unk.GetString()! : "";
            unknown = vocab.TryGetValue(token, out var id)
                ? id
                : throw new ModelException(reader.Source, "model.unk_token", $"'{token}' is not in model.vocab");
        }
        var ignoreMerges = reader.Bool(model, "ignore_merges", "model.ignore_merges", false);
        return new BytePairModel(vocab, merges, unknown, ignoreMerges);
    }

    public static List<AddedToken> ReadAddedTokens(FieldReader reader, JsonElement root, BytePairModel model)
    {
        var result = new List<AddedToken>();
        if (!root.TryGetProperty("added_tokens", out var list) || list.ValueKind == JsonValueKind.Null)
        {
            return result;
        }
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw new ModelException(reader.Source, "added_tokens", "must be an array");
        }
        var ids = new HashSet<int>();
        var contents = new HashSet<string>(StringComparer.Ordinal);
        var i = 0;
        foreach (var item in list.EnumerateArray())
        {
            var path = $"added_tokens[{i++}]";
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw new ModelException(reader.Source, path, "must be an object {id, content, ...}");
            }
            var id = reader.Id(item, "id", $"{path}.id");
            var content = reader.String(item, "content", $"{path}.content");
            if (content.Length == 0 || !contents.Add(content))
            {
                throw new ModelException(reader.Source, $"{path}.content", $"'{content}' is empty or repeated");
            }
            if (!ids.Add(id))
            {
                throw new ModelException(reader.Source, $"{path}.id", $"id {id} is used by two added tokens");
            }
            if (model.IdToToken(id) is string existing && existing != content)
            {
                throw new ModelException(
                    reader.Source, $"{path}.id", $"id {id} is '{existing}' in model.vocab, not '{content}'");
            }
            result.Add(new AddedToken(
                id, content, reader.Bool(item, "special", $"{path}.special", false),
                reader.Bool(item, "lstrip", $"{path}.lstrip", false),
                reader.Bool(item, "rstrip", $"{path}.rstrip", false),
                reader.Bool(item, "single_word", $"{path}.single_word", false),
                reader.Bool(item, "normalized", $"{path}.normalized", false)));
        }
        return result;
    }

    public static void WriteModel(Utf8JsonWriter w, BytePairModel model)
    {
        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        if (model.UnknownId is int unk)
        {
            w.WriteString("unk_token", model.IdToToken(unk));
        }
        else
        {
            w.WriteNull("unk_token");
        }
        w.WriteString("continuing_subword_prefix", "");
        w.WriteString("end_of_word_suffix", "");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteBoolean("ignore_merges", model.IgnoreMerges);
        w.WriteStartObject("vocab");
        foreach (var (token, id) in model.Vocab.OrderBy(kv => kv.Value))
        {
            w.WriteNumber(token, id);
        }
        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (left, right) in model.Merges)
        {
            w.WriteStartArray();
            w.WriteStringValue(left);
            w.WriteStringValue(right);
            w.WriteEndArray();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static Dictionary<string, int> ReadVocab(FieldReader reader, JsonElement model)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        var owner = new Dictionary<int, string>();
        foreach (var entry in reader.Object(model, "vocab", "model.vocab").EnumerateObject())
        {
            var id = reader.Id(entry.Value, null, "model.vocab");
            if (!vocab.TryAdd(entry.Name, id))
            {
                throw new ModelException(reader.Source, "model.vocab", $"token '{entry.Name}' appears twice");
            }
            if (!owner.TryAdd(id, entry.Name))
            {
                throw new ModelException(
                    reader.Source, "model.vocab", $"id {id} is used by both '{owner[id]}' and '{entry.Name}'");
            }
        }
        return vocab;
    }

    private static List<(string, string)> ReadMerges(
        FieldReader reader, JsonElement model, Dictionary<string, int> vocab)
    {
        var merges = new List<(string, string)>();
        var i = 0;
        foreach (var item in reader.Array(model, "merges", "model.merges").EnumerateArray())
        {
            var path = $"model.merges[{i++}]";
            string left, right;
            if (item.ValueKind == JsonValueKind.String)
            {
                var parts = item.GetString()!.Split(' ');
                if (parts.Length != 2)
                {
                    throw new ModelException(reader.Source, path, $"'{item.GetString()}' is not \"left right\"");
                }
                (left, right) = (parts[0], parts[1]);
            }
            else if (item.ValueKind == JsonValueKind.Array && item.GetArrayLength() == 2
                && item[0].ValueKind == JsonValueKind.String && item[1].ValueKind == JsonValueKind.String)
            {
                (left, right) = (item[0].GetString()!, item[1].GetString()!);
            }
            else
            {
                throw new ModelException(reader.Source, path, "must be \"left right\" or [left, right]");
            }
            foreach (var part in new[] { left, right, left + right })
            {
                if (!vocab.ContainsKey(part))
                {
                    throw new ModelException(
                        reader.Source, path, $"'{part}' of merge '{left} {right}' is not in vocab");
                }
            }
            merges.Add((left, right));
        }
        return merges;
    }
}

/// <summary>Typed JSON field access; a missing or mistyped field is a <see cref="ModelException"/> naming it.</summary>
internal sealed class FieldReader(string source)
{
    public string Source { get; } = source;

    public JsonElement Object(JsonElement parent, string name, string path) =>
        Get(parent, name, path, JsonValueKind.Object, "an object");

    public JsonElement Array(JsonElement parent, string name, string path) =>
        Get(parent, name, path, JsonValueKind.Array, "an array");

    public string String(JsonElement parent, string name, string path) =>
        Get(parent, name, path, JsonValueKind.String, "a string").GetString()!;

    public bool Bool(JsonElement parent, string name, string path, bool fallback)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return fallback;
        }
        return value.ValueKind is JsonValueKind.True or JsonValueKind.False
            ? value.GetBoolean()
            : throw new ModelException(Source, path, "must be true or false");
    }

    /// <summary>Largest token id accepted (2^24): ids index dense tables, and no real vocabulary comes near it.</summary>
    public const int MaxId = 1 << 24;

    /// <summary>A token id in [0, 2^24): field <paramref name="name"/> of parent, or parent itself when null.</summary>
    public int Id(JsonElement parent, string? name, string path)
    {
        var value = name is null ? parent : Get(parent, name, path, JsonValueKind.Number, "a number");
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var id) && id >= 0 && id < MaxId
            ? id
            : throw new ModelException(Source, path, $"id {value.GetRawText()} is not an integer in [0, {MaxId})");
    }

    private JsonElement Get(JsonElement parent, string name, string path, JsonValueKind kind, string what)
    {
        if (!parent.TryGetProperty(name, out var value))
        {
            throw new ModelException(Source, path, "is missing");
        }
        return value.ValueKind == kind ? value : throw new ModelException(Source, path, $"must be {what}");
    }
}
