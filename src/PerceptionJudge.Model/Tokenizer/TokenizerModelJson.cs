using System.Text.Json;

namespace PerceptionJudge.Model.Tokenizer;

/// <summary>The <c>model</c> and <c>added_tokens</c> sections of tokenizer.json.</summary>
internal static class TokenizerModelJson
{
    public static (Dictionary<string, int> Vocab, List<(string, string)> Merges, string? Unknown) ReadModel(
        FieldReader reader, JsonElement model)
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

        if (reader.Bool(model, "ignore_merges", "model.ignore_merges", false))
        {
            throw new ModelException(reader.Source, "model.ignore_merges",
                "must be false: Microsoft.ML.Tokenizers' BPE always merges (Llama 3 style whole-word lookup is absent)");
        }

        var vocab = ReadVocab(reader, model);
        var merges = ReadMerges(reader, model, vocab);
        string? unknown = null;
        if (model.TryGetProperty("unk_token", out var unk) && unk.ValueKind != JsonValueKind.Null)
        {
            unknown = unk.ValueKind == JsonValueKind.String ? unk.GetString()! : "";
            if (!vocab.ContainsKey(unknown))
            {
                throw new ModelException(reader.Source, "model.unk_token", $"'{unknown}' is not in model.vocab");
            }
        }

        return (vocab, merges, unknown);
    }

    public static List<AddedToken> ReadAddedTokens(FieldReader reader, JsonElement root, Dictionary<string, int> vocab)
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
            foreach (var flag in new[] { "lstrip", "rstrip", "single_word" })
            {
                if (reader.Bool(item, flag, $"{path}.{flag}", false))
                {
                    throw new ModelException(reader.Source, $"{path}.{flag}",
                        "must be false: added tokens are matched exactly (Microsoft.ML.Tokenizers' special tokens)");
                }
            }

            result.Add(new AddedToken(id, content, reader.Bool(item, "special", $"{path}.special", false),
                reader.Bool(item, "normalized", $"{path}.normalized", false)));
        }

        BpeDefinition.CheckAddedTokens(vocab, result, reader.Source, k => $"added_tokens[{k}]");
        return result;
    }

    public static void WriteModel(Utf8JsonWriter w, BpeDefinition definition)
    {
        w.WriteStartObject("model");
        w.WriteString("type", "BPE");
        w.WriteNull("dropout");
        if (definition.UnknownToken is string unk)
        {
            w.WriteString("unk_token", unk);
        }
        else
        {
            w.WriteNull("unk_token");
        }

        w.WriteString("continuing_subword_prefix", "");
        w.WriteString("end_of_word_suffix", "");
        w.WriteBoolean("fuse_unk", false);
        w.WriteBoolean("byte_fallback", false);
        w.WriteBoolean("ignore_merges", false);
        w.WriteStartObject("vocab");
        foreach (var (token, id) in definition.Vocab.OrderBy(kv => kv.Value))
        {
            w.WriteNumber(token, id);
        }

        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (left, right) in definition.Merges)
        {
            w.WriteStartArray();
            w.WriteStringValue(left);
            w.WriteStringValue(right);
            w.WriteEndArray();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static Dictionary<string, int> ReadVocab(FieldReader reader, JsonElement model) =>
        ReadVocab(reader, reader.Object(model, "vocab", "model.vocab"), "model.vocab");

    /// <summary>A {token: id} object (model.vocab, or a whole vocab.json): ids in range, tokens and ids unique.</summary>
    public static Dictionary<string, int> ReadVocab(FieldReader reader, JsonElement vocabObject, string path)
    {
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        var owner = new Dictionary<int, string>();
        foreach (var entry in vocabObject.EnumerateObject())
        {
            var id = reader.Id(entry.Value, null, path);
            if (!vocab.TryAdd(entry.Name, id))
            {
                throw new ModelException(reader.Source, path, $"token '{entry.Name}' appears twice");
            }
            if (!owner.TryAdd(id, entry.Name))
            {
                throw new ModelException(
                    reader.Source, path, $"id {id} is used by both '{owner[id]}' and '{entry.Name}'");
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
            BpeDefinition.CheckMerge(vocab, left, right, reader.Source, path);
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
