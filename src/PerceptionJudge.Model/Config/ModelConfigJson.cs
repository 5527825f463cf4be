using System.Text;
using System.Text.Json;

namespace PerceptionJudge.Model.Config;

/// <summary>
/// Reads and writes <see cref="ModelConfig"/> as HF <c>config.json</c> (Qwen2 field names, plus <c>vision_config</c>
/// and <c>image_token_id</c>). Unknown fields are ignored, as transformers does; a missing required field, a mistyped
/// one, an unsupported feature (rope_scaling, sliding window) or shapes that do not fit are a
/// <see cref="ModelException"/> naming the file and the field.
/// </summary>
public static class ModelConfigJson
{
    /// <summary>Reads <paramref name="path"/> (a config.json, or a folder holding one) and validates it.</summary>
    public static ModelConfig Load(string path)
    {
        var (file, json) = JsonObjectFile.ReadText(path, "config.json");
        return Parse(json, file);
    }

    /// <summary>Parses config.json text; <paramref name="source"/> names it in errors.</summary>
    public static ModelConfig Parse(string json, string source = "config.json")
    {
        using (var document = JsonObjectFile.ParseObject(json, source))
        {
            var root = document.RootElement;
            var f = new Fields(source, root, "");
            var modelType = f.OptionalString("model_type");
            if (modelType is not null and not "qwen2")
            {
                throw new ModelException(source, "model_type", $"'{modelType}' is not supported; only qwen2");
            }
            if (root.TryGetProperty("rope_scaling", out var scaling) && scaling.ValueKind != JsonValueKind.Null)
            {
                throw new ModelException(source, "rope_scaling", "RoPE scaling is not supported; use null");
            }
            if (f.OptionalBool("use_sliding_window") == true)
            {
                throw new ModelException(source, "use_sliding_window", "sliding-window attention is not supported");
            }
            var heads = f.Int("num_attention_heads");
            var config = new ModelConfig
            {
                HiddenSize = f.Int("hidden_size"),
                IntermediateSize = f.Int("intermediate_size"),
                NumHiddenLayers = f.Int("num_hidden_layers"),
                NumAttentionHeads = heads,
                NumKeyValueHeads = f.OptionalInt("num_key_value_heads") ?? heads,
                RmsNormEps = f.OptionalDouble("rms_norm_eps") ?? 1e-6,
                RopeTheta = f.OptionalDouble("rope_theta") ?? 10000.0,
                VocabSize = f.Int("vocab_size"),
                TieWordEmbeddings = f.OptionalBool("tie_word_embeddings") ?? false,
                MaxPositionEmbeddings = f.OptionalInt("max_position_embeddings") ?? 32768,
                HiddenAct = f.OptionalString("hidden_act") ?? "silu",
                ImageTokenId = f.OptionalInt("image_token_id"),
                Vision = ReadVision(source, root),
            };
            if (f.OptionalInt("head_dim") is int headDim && headDim != config.HeadDim)
            {
                throw new ModelException(
                    source, "head_dim", $"{headDim} differs from hidden_size / num_attention_heads");
            }
            config.Validate(source);
            return config;
        }
    }

    /// <summary>The config as indented config.json text.</summary>
    public static string ToJson(ModelConfig config)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("architectures");
            w.WriteStringValue("Qwen2ForCausalLM");
            w.WriteEndArray();
            w.WriteString("model_type", "qwen2");
            w.WriteNumber("hidden_size", config.HiddenSize);
            w.WriteNumber("intermediate_size", config.IntermediateSize);
            w.WriteNumber("num_hidden_layers", config.NumHiddenLayers);
            w.WriteNumber("num_attention_heads", config.NumAttentionHeads);
            w.WriteNumber("num_key_value_heads", config.NumKeyValueHeads);
            w.WriteNumber("rms_norm_eps", config.RmsNormEps);
            w.WriteNumber("rope_theta", config.RopeTheta);
            w.WriteNumber("vocab_size", config.VocabSize);
            w.WriteBoolean("tie_word_embeddings", config.TieWordEmbeddings);
            w.WriteNumber("max_position_embeddings", config.MaxPositionEmbeddings);
            w.WriteString("hidden_act", config.HiddenAct);
            w.WriteNull("rope_scaling");
            w.WriteBoolean("use_sliding_window", false);
            if (config.ImageTokenId is int image)
            {
                w.WriteNumber("image_token_id", image);
            }
            if (config.Vision is { } v)
            {
                w.WriteStartObject("vision_config");
                w.WriteNumber("hidden_size", v.HiddenSize);
                w.WriteNumber("intermediate_size", v.IntermediateSize);
                w.WriteNumber("num_hidden_layers", v.NumHiddenLayers);
                w.WriteNumber("num_attention_heads", v.NumAttentionHeads);
                w.WriteNumber("patch_size", v.PatchSize);
                w.WriteNumber("image_size", v.ImageSize);
                w.WriteNumber("num_channels", v.NumChannels);
                w.WriteNumber("layer_norm_eps", v.LayerNormEps);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Validates, then writes config.json atomically (temporary file in the folder, then rename).</summary>
    public static void Save(ModelConfig config, string path)
    {
        config.Validate(path);
        var full = System.IO.Path.GetFullPath(path);
        var temp = System.IO.Path.Combine(
            System.IO.Path.GetDirectoryName(full)!, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllText(temp, ToJson(config), new UTF8Encoding(false));
            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new ModelException(path, null, $"cannot write: {e.Message}", e);
        }
    }

    /// <summary>Checks that the shapes fit; throws a <see cref="ModelException"/> naming the field.</summary>
    public static void Validate(ModelConfig c, string file)
    {
        Positive(file, "hidden_size", c.HiddenSize);
        Positive(file, "intermediate_size", c.IntermediateSize);
        Positive(file, "num_hidden_layers", c.NumHiddenLayers);
        Positive(file, "num_attention_heads", c.NumAttentionHeads);
        Positive(file, "num_key_value_heads", c.NumKeyValueHeads);
        Positive(file, "vocab_size", c.VocabSize);
        Positive(file, "max_position_embeddings", c.MaxPositionEmbeddings);
        Check(file, "num_attention_heads", c.HiddenSize % c.NumAttentionHeads == 0,
            $"{c.NumAttentionHeads} does not divide hidden_size {c.HiddenSize}");
        Check(file, "num_key_value_heads", c.NumAttentionHeads % c.NumKeyValueHeads == 0,
            $"{c.NumKeyValueHeads} does not divide num_attention_heads {c.NumAttentionHeads}");
        Check(file, "num_attention_heads", c.HeadDim % 2 == 0, $"head_dim {c.HeadDim} must be even for RoPE");
        Check(file, "rms_norm_eps", double.IsFinite(c.RmsNormEps) && c.RmsNormEps > 0, "must be finite and > 0");
        Check(file, "rope_theta", double.IsFinite(c.RopeTheta) && c.RopeTheta > 0, "must be finite and > 0");
        Check(file, "hidden_act", c.HiddenAct == "silu", $"'{c.HiddenAct}' is not supported; only silu");
        Check(file, "image_token_id", c.ImageTokenId is null || (c.ImageTokenId >= 0 && c.ImageTokenId < c.VocabSize),
            $"{c.ImageTokenId} is outside [0, vocab_size {c.VocabSize})");
        if (c.Vision is not { } v)
        {
            return;
        }
        Positive(file, "vision_config.hidden_size", v.HiddenSize);
        Positive(file, "vision_config.intermediate_size", v.IntermediateSize);
        Positive(file, "vision_config.num_hidden_layers", v.NumHiddenLayers);
        Positive(file, "vision_config.num_attention_heads", v.NumAttentionHeads);
        Positive(file, "vision_config.patch_size", v.PatchSize);
        Positive(file, "vision_config.image_size", v.ImageSize);
        Positive(file, "vision_config.num_channels", v.NumChannels);
        Check(file, "vision_config.num_attention_heads", v.HiddenSize % v.NumAttentionHeads == 0,
            $"{v.NumAttentionHeads} does not divide vision hidden_size {v.HiddenSize}");
        Check(file, "vision_config.image_size", v.ImageSize % v.PatchSize == 0,
            $"{v.ImageSize} is not a multiple of patch_size {v.PatchSize}");
        Check(file, "vision_config.layer_norm_eps", double.IsFinite(v.LayerNormEps) && v.LayerNormEps > 0,
            "must be finite and > 0");
        Check(file, "image_token_id", c.ImageTokenId is not null, "is required when vision_config is present");
    }

    private static VisionConfig? ReadVision(string source, JsonElement root)
    {
        if (!root.TryGetProperty("vision_config", out var vision) || vision.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (vision.ValueKind != JsonValueKind.Object)
        {
            throw new ModelException(source, "vision_config", "must be an object");
        }
        var f = new Fields(source, vision, "vision_config.");
        return new VisionConfig
        {
            HiddenSize = f.Int("hidden_size"),
            IntermediateSize = f.Int("intermediate_size"),
            NumHiddenLayers = f.Int("num_hidden_layers"),
            NumAttentionHeads = f.Int("num_attention_heads"),
            PatchSize = f.Int("patch_size"),
            ImageSize = f.Int("image_size"),
            NumChannels = f.OptionalInt("num_channels") ?? 3,
            LayerNormEps = f.OptionalDouble("layer_norm_eps") ?? 1e-6,
        };
    }

    private static void Positive(string file, string field, long value) =>
        Check(file, field, value > 0, $"{value} must be > 0");

    private static void Check(string file, string field, bool ok, string message)
    {
        if (!ok)
        {
            throw new ModelException(file, field, message);
        }
    }

    /// <summary>Typed reads of one object's fields; errors name <c>prefix + field</c>.</summary>
    private readonly struct Fields(string source, JsonElement obj, string prefix)
    {
        public int Int(string name) =>
            OptionalInt(name) ?? throw new ModelException(source, prefix + name, "is missing");

        public int? OptionalInt(string name) => Get(name) is { } v
            ? v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i)
                ? i
                : throw new ModelException(source, prefix + name, "must be an integer")
            : null;

        public double? OptionalDouble(string name) => Get(name) is { } v
            ? v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Bad(name, "a number")
            : null;

        public bool? OptionalBool(string name) => Get(name) is { } v
            ? v.ValueKind is JsonValueKind.True or JsonValueKind.False
                ? v.GetBoolean()
                : throw Bad(name, "true or false")
            : null;

        public string? OptionalString(string name) => Get(name) is { } v
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad(name, "a string")
            : null;

        private JsonElement? Get(string name) =>
            obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

        private ModelException Bad(string name, string what) => new(source, prefix + name, $"must be {what}");
    }
}
