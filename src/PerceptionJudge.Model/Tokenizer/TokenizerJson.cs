using System.Text.Encodings.Web;
using System.Text.Json;

namespace PerceptionJudge.Model.Tokenizer;

/// <summary>
/// Reads and writes HF <c>tokenizer.json</c> for byte-level BPE. Accepted: <c>model</c> {type "BPE", vocab, merges
/// as "a b" strings or [a, b] pairs, unk_token, ignore_merges}; <c>added_tokens</c>; <c>normalizer</c> null or NFC;
/// <c>pre_tokenizer</c> ByteLevel, Split (regex or string, behavior Isolated) or a Sequence of them, with a ByteLevel
/// step required. Anything else is a <see cref="ModelException"/> naming the file and the JSON field.
/// </summary>
internal static class TokenizerJson
{
    public static Tokenizer Read(string source, byte[] json)
    {
        using (var document = JsonObjectFile.ParseObject(json, source))
        {
            var root = document.RootElement;
            var reader = new FieldReader(source);
            var model = reader.Object(root, "model", "model");
            var bpe = TokenizerModelJson.ReadModel(reader, model);
            var added = TokenizerModelJson.ReadAddedTokens(reader, root, bpe);
            var normalizer = ReadNormalizer(reader, root);
            var pre = ReadPreTokenizer(reader, root);
            return new Tokenizer(bpe, pre, added, normalizer, source);
        }
    }

    public static string Write(Tokenizer tokenizer)
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
            foreach (var t in tokenizer.AddedTokens.OrderBy(t => t.Id))
            {
                w.WriteStartObject();
                w.WriteNumber("id", t.Id);
                w.WriteString("content", t.Content);
                w.WriteBoolean("single_word", t.SingleWord);
                w.WriteBoolean("lstrip", t.LStrip);
                w.WriteBoolean("rstrip", t.RStrip);
                w.WriteBoolean("normalized", t.Normalized);
                w.WriteBoolean("special", t.Special);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (tokenizer.Normalizer is null)
            {
                w.WriteNull("normalizer");
            }
            else
            {
                w.WriteStartObject("normalizer");
                w.WriteString("type", tokenizer.Normalizer);
                w.WriteEndObject();
            }
            w.WriteStartObject("pre_tokenizer");
            w.WriteString("type", "Sequence");
            w.WriteStartArray("pretokenizers");
            foreach (var step in tokenizer.PreTokenizer.Steps)
            {
                WriteStep(w, step);
            }
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
            TokenizerModelJson.WriteModel(w, tokenizer.Model);
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteStep(Utf8JsonWriter w, PreTokenizerStep step)
    {
        w.WriteStartObject();
        w.WriteString("type", step.Kind);
        if (step.Kind == "Split")
        {
            w.WriteStartObject("pattern");
            w.WriteString("Regex", step.Pattern);
            w.WriteEndObject();
            w.WriteString("behavior", "Isolated");
            w.WriteBoolean("invert", false);
        }
        else
        {
            w.WriteBoolean("add_prefix_space", step.AddPrefixSpace);
            w.WriteBoolean("trim_offsets", false);
            w.WriteBoolean("use_regex", step.Pattern is not null);
        }
        w.WriteEndObject();
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

    private static PreTokenizer ReadPreTokenizer(FieldReader reader, JsonElement root)
    {
        var steps = new List<PreTokenizerStep>();
        ReadStep(reader, reader.Object(root, "pre_tokenizer", "pre_tokenizer"), "pre_tokenizer", steps);
        if (!steps.Any(s => s.Kind == "ByteLevel"))
        {
            throw new ModelException(
                reader.Source, "pre_tokenizer", "has no ByteLevel step; only byte-level BPE is supported");
        }
        try
        {
            return new PreTokenizer(steps);
        }
        catch (ArgumentException e)
        {
            throw new ModelException(reader.Source, "pre_tokenizer", $"bad regex: {e.Message}", e);
        }
    }

    private static void ReadStep(FieldReader reader, JsonElement step, string path, List<PreTokenizerStep> steps)
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
                steps.Add(new PreTokenizerStep("Split", regex));
                break;
            case "ByteLevel":
                var prefix = reader.Bool(step, "add_prefix_space", $"{path}.add_prefix_space", true);
                var useRegex = reader.Bool(step, "use_regex", $"{path}.use_regex", true);
                steps.Add(new PreTokenizerStep("ByteLevel", useRegex ? PreTokenizer.Gpt2Pattern : null, prefix));
                break;
            default:
                throw new ModelException(
                    reader.Source, $"{path}.type", $"'{type}' is not supported (ByteLevel, Split, Sequence)");
        }
    }
}
