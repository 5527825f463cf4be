using System.Text.Encodings.Web;
using System.Text.Json;

namespace PerceptionJudge.Model.Tokenizer;

/// <summary>
/// Reads and writes HF <c>tokenizer.json</c> for byte-level BPE. Accepted: <c>model</c> {type "BPE", vocab, merges
/// as "a b" strings or [a, b] pairs, unk_token, ignore_merges false}; <c>added_tokens</c> without lstrip, rstrip or
/// single_word; <c>normalizer</c> null or NFC; <c>pre_tokenizer</c> a ByteLevel step (add_prefix_space false) alone
/// or in a Sequence after one Split (regex or string, behavior Isolated). The split regex is the Split step's, or
/// GPT-2's for a ByteLevel step with use_regex. Anything else is a <see cref="ModelException"/> naming the file and
/// the JSON field.
/// </summary>
internal static class TokenizerJson
{
    public static BpeDefinition Read(string source, byte[] json)
    {
        using var document = JsonObjectFile.ParseObject(json, source);
        var root = document.RootElement;
        var reader = new FieldReader(source);
        var model = reader.Object(root, "model", "model");
        var (vocab, merges, unknown) = TokenizerModelJson.ReadModel(reader, model);
        var added = TokenizerModelJson.ReadAddedTokens(reader, root, vocab);
        var normalizer = ReadNormalizer(reader, root);
        var pattern = ReadPattern(reader, root);
        return new BpeDefinition(vocab, merges, added, pattern, unknown, normalizer, source);
    }

    public static string Write(BpeDefinition definition)
    {
        using var buffer = new MemoryStream();
        var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using (var w = new Utf8JsonWriter(buffer, options))
        {
            w.WriteStartObject();
            w.WriteString("version", "1.0");
            w.WriteNull("truncation");
            w.WriteNull("padding");
            w.WriteStartArray("added_tokens");
            foreach (var t in definition.AddedTokens.OrderBy(t => t.Id))
            {
                w.WriteStartObject();
                w.WriteNumber("id", t.Id);
                w.WriteString("content", t.Content);
                w.WriteBoolean("single_word", false);
                w.WriteBoolean("lstrip", false);
                w.WriteBoolean("rstrip", false);
                w.WriteBoolean("normalized", t.Normalized);
                w.WriteBoolean("special", t.Special);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            if (definition.Normalizer is null)
            {
                w.WriteNull("normalizer");
            }
            else
            {
                w.WriteStartObject("normalizer");
                w.WriteString("type", definition.Normalizer);
                w.WriteEndObject();
            }

            // Qwen2's layout: the Split step carries the regex, the ByteLevel step only maps bytes.
            w.WriteStartObject("pre_tokenizer");
            w.WriteString("type", "Sequence");
            w.WriteStartArray("pretokenizers");
            w.WriteStartObject();
            w.WriteString("type", "Split");
            w.WriteStartObject("pattern");
            w.WriteString("Regex", definition.Pattern);
            w.WriteEndObject();
            w.WriteString("behavior", "Isolated");
            w.WriteBoolean("invert", false);
            w.WriteEndObject();
            w.WriteStartObject();
            w.WriteString("type", "ByteLevel");
            w.WriteBoolean("add_prefix_space", false);
            w.WriteBoolean("trim_offsets", false);
            w.WriteBoolean("use_regex", false);
            w.WriteEndObject();
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteNull("post_processor");
            // HF requires all four ByteLevel fields; these are Qwen2's (decoding ignores them).
            w.WriteStartObject("decoder");
            w.WriteString("type", "ByteLevel");
            w.WriteBoolean("add_prefix_space", true);
            w.WriteBoolean("trim_offsets", true);
            w.WriteBoolean("use_regex", true);
            w.WriteEndObject();
            TokenizerModelJson.WriteModel(w, definition);
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string? ReadNormalizer(FieldReader reader, JsonElement root)
    {
        if (!root.TryGetProperty("normalizer", out var normalizer) || normalizer.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var type = reader.String(reader.Object(root, "normalizer", "normalizer"), "type", "normalizer.type");
        return type == "NFC"
            ? type
            : throw new ModelException(reader.Source, "normalizer.type", $"'{type}' is not supported (null or NFC)");
    }

    /// <summary>The one split regex of the pre_tokenizer, which must end in a ByteLevel step.</summary>
    private static string ReadPattern(FieldReader reader, JsonElement root)
    {
        var steps = new List<(string Kind, string? Pattern, string Path)>();
        ReadStep(reader, reader.Object(root, "pre_tokenizer", "pre_tokenizer"), "pre_tokenizer", steps);
        if (steps.Count == 0 || steps[^1].Kind != "ByteLevel")
        {
            throw new ModelException(
                reader.Source, "pre_tokenizer", "does not end in a ByteLevel step; only byte-level BPE is supported");
        }

        var patterns = steps.Where(s => s.Pattern is not null).ToList();
        if (patterns.Count != 1 || steps.Count(s => s.Kind == "ByteLevel") != 1)
        {
            throw new ModelException(reader.Source, "pre_tokenizer",
                $"has {patterns.Count} regex steps and {steps.Count(s => s.Kind == "ByteLevel")} ByteLevel steps; " +
                "supported: one Split then ByteLevel without use_regex, or ByteLevel with use_regex alone");
        }

        return patterns[0].Pattern!;
    }

    private static void ReadStep(
        FieldReader reader, JsonElement step, string path, List<(string, string?, string)> steps)
    {
        var type = reader.String(step, "type", $"{path}.type");
        switch (type)
        {
            case "Sequence":
                var list = reader.Array(step, "pretokenizers", $"{path}.pretokenizers");
                var i = 0;
                foreach (var inner in list.EnumerateArray())
                {
                    var innerPath = $"{path}.pretokenizers[{i++}]";
                    if (inner.ValueKind != JsonValueKind.Object)
                    {
                        throw new ModelException(reader.Source, innerPath, "must be an object");
                    }

                    ReadStep(reader, inner, innerPath, steps);
                }

                break;
            case "Split":
                var pattern = reader.Object(step, "pattern", $"{path}.pattern");
                var regex = pattern.TryGetProperty("Regex", out var r) && r.ValueKind == JsonValueKind.String
                    ? r.GetString()!
                    : System.Text.RegularExpressions.Regex.Escape(reader.String(pattern, "String", $"{path}.pattern"));
                var behavior = reader.String(step, "behavior", $"{path}.behavior");
                if (behavior != "Isolated" || reader.Bool(step, "invert", $"{path}.invert", false))
                {
                    throw new ModelException(
                        reader.Source, $"{path}.behavior", $"'{behavior}' (invert) unsupported; only Isolated");
                }

                steps.Add(("Split", regex, path));
                break;
            case "ByteLevel":
                if (reader.Bool(step, "add_prefix_space", $"{path}.add_prefix_space", true))
                {
                    throw new ModelException(reader.Source, $"{path}.add_prefix_space",
                        "must be false: Microsoft.ML.Tokenizers' BPE does not prepend a space");
                }

                var useRegex = reader.Bool(step, "use_regex", $"{path}.use_regex", true);
                steps.Add(("ByteLevel", useRegex ? BpeDefinition.Gpt2Pattern : null, path));
                break;
            default:
                throw new ModelException(
                    reader.Source, $"{path}.type", $"'{type}' is not supported (ByteLevel, Split, Sequence)");
        }
    }
}
