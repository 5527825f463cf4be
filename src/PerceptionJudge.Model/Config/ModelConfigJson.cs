using System.Text;
using System.Text.Json;

namespace PerceptionJudge.Model.Config;

/// <summary>
/// Reads and writes <see cref="ModelConfig"/> as HF <c>config.json</c> (Qwen2 field names, plus <c>vision_config</c>
/// and <c>image_token_id</c>; model types qwen2, qwen2_vl, qwen2_5_vl). Unknown fields are ignored, as transformers
/// does; a missing required field, a mistyped one, an unsupported feature (RoPE scaling other than M-RoPE, sliding
/// window) or shapes that do not fit are a <see cref="ModelException"/> naming the file and the field.
/// </summary>
public static class ModelConfigJson
{
    /// <summary>Reads <paramref name="path"/> (a config.json, or a folder holding one) and validates it.</summary>
    public static ModelConfig Load(string path)
    {
        var (file, json) = JsonObjectFile.ReadText(path, "config.json");
        return Parse(json, file);
    }

    /// <summary>
    /// Parses config.json text; <paramref name="source"/> names it in errors. For model types qwen2_vl and qwen2_5_vl
    /// the language fields are read from <c>text_config</c> where present (transformers ≥ 4.5x) and from the top level
    /// otherwise (older files), with Qwen2VLTextConfig's defaults (rms_norm_eps 1e-5, rope_theta 1e6, the token ids
    /// 151652/151653/151655/151656); <c>vision_config</c> is kept raw (<see cref="ModelConfig.RawVisionConfig"/>).
    /// </summary>
    public static ModelConfig Parse(string json, string source = "config.json")
    {
        using (var document = JsonObjectFile.ParseObject(json, source))
        {
            var root = document.RootElement;
            var top = new ConfigFields(source, root, "");
            var modelType = top.OptionalString("model_type") ?? "qwen2";
            if (modelType is not ("qwen2" or ModelConfig.Qwen2VLType or ModelConfig.Qwen25VLType))
            {
                throw new ModelException(
                    source, "model_type", $"'{modelType}' is not supported; only qwen2, qwen2_vl and qwen2_5_vl");
            }
            var isVl = modelType != "qwen2";
            var f = isVl ? new ConfigFields(source, root, "", TextConfig(source, root), "text_config.") : top;
            var rope = RopeScalingJson.Read(f, source);
            if (f.OptionalBool("use_sliding_window") == true)
            {
                throw new ModelException(
                    source, f.Where("use_sliding_window"), "sliding-window attention is not supported");
            }
            var heads = f.Int("num_attention_heads");
            var config = new ModelConfig
            {
                ModelType = modelType,
                HiddenSize = f.Int("hidden_size"),
                IntermediateSize = f.Int("intermediate_size"),
                NumHiddenLayers = f.Int("num_hidden_layers"),
                NumAttentionHeads = heads,
                NumKeyValueHeads = f.OptionalInt("num_key_value_heads") ?? heads,
                RmsNormEps = f.OptionalDouble("rms_norm_eps") ?? (isVl ? 1e-5 : 1e-6),
                RopeTheta = f.OptionalDouble("rope_theta") ?? rope.Theta ?? (isVl ? 1000000.0 : 10000.0),
                MropeSection = rope.MropeSection,
                VocabSize = f.Int("vocab_size"),
                TieWordEmbeddings = f.OptionalBool("tie_word_embeddings") ?? false,
                MaxPositionEmbeddings = f.OptionalInt("max_position_embeddings") ?? 32768,
                HiddenAct = f.OptionalString("hidden_act") ?? "silu",
                ImageTokenId = top.OptionalInt("image_token_id") ?? (isVl ? 151655 : null),
                VideoTokenId = isVl ? top.OptionalInt("video_token_id") ?? 151656 : null,
                VisionStartTokenId = isVl ? top.OptionalInt("vision_start_token_id") ?? 151652 : null,
                VisionEndTokenId = isVl ? top.OptionalInt("vision_end_token_id") ?? 151653 : null,
                Vision = isVl ? null : ReadVision(source, root),
                RawVisionConfig = isVl ? RawVision(source, root) : null,
            };
            if (f.OptionalInt("head_dim") is int headDim && headDim != config.HeadDim)
            {
                throw new ModelException(
                    source, f.Where("head_dim"), $"{headDim} differs from hidden_size / num_attention_heads");
            }
            config.Validate(source);
            return config;
        }
    }

    /// <summary>
    /// The config as indented config.json text in the layout of the hub checkpoints: qwen2 as Qwen2ForCausalLM; the
    /// Qwen2-VL family with the language fields at the top level (which every transformers version reads),
    /// rope_scaling {"type": "mrope", "mrope_section": [...]}, the vision token ids and the raw vision_config.
    /// </summary>
    public static string ToJson(ModelConfig config)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteStartArray("architectures");
            w.WriteStringValue(config.ModelType switch
            {
                ModelConfig.Qwen2VLType => "Qwen2VLForConditionalGeneration",
                ModelConfig.Qwen25VLType => "Qwen2_5_VLForConditionalGeneration",
                _ => "Qwen2ForCausalLM",
            });
            w.WriteEndArray();
            w.WriteString("model_type", config.ModelType);
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
            RopeScalingJson.Write(w, config.MropeSection);
            w.WriteBoolean("use_sliding_window", false);
            WriteOptional(w, "image_token_id", config.ImageTokenId);
            WriteOptional(w, "video_token_id", config.VideoTokenId);
            WriteOptional(w, "vision_start_token_id", config.VisionStartTokenId);
            WriteOptional(w, "vision_end_token_id", config.VisionEndTokenId);
            if (config.RawVisionConfig is { } raw)
            {
                w.WritePropertyName("vision_config");
                raw.WriteTo(w);
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
        TokenId(file, "image_token_id", c.ImageTokenId, c.VocabSize);
        TokenId(file, "video_token_id", c.VideoTokenId, c.VocabSize);
        TokenId(file, "vision_start_token_id", c.VisionStartTokenId, c.VocabSize);
        TokenId(file, "vision_end_token_id", c.VisionEndTokenId, c.VocabSize);
        Check(file, "model_type", c.ModelType is "qwen2" || c.IsQwenVL,
            $"'{c.ModelType}' is not supported; only qwen2, qwen2_vl and qwen2_5_vl");
        if (c.MropeSection is { } section)
        {
            Check(file, "rope_scaling.mrope_section",
                section.Count == 3 && section.All(s => s > 0) && section.Sum(s => (long)s) == c.HeadDim / 2,
                $"[{string.Join(", ", section)}] must be three positive widths summing to head_dim / 2 = {c.HeadDim / 2}");
        }
        if (c.IsQwenVL)
        {
            Check(file, "rope_scaling.mrope_section", c.MropeSection is not null,
                $"is required for model_type {c.ModelType} (multimodal RoPE)");
            Check(file, "vision_config", c.Vision is null,
                $"model_type {c.ModelType} keeps its vision_config raw (RawVisionConfig), not as a CLIP-style tower");
            Check(file, "vision_start_token_id", c.ImageTokenId is not null && c.VisionStartTokenId is not null,
                "image_token_id and vision_start_token_id are required for the Qwen2-VL family");
        }
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

    private static JsonElement? TextConfig(string source, JsonElement root)
    {
        if (!root.TryGetProperty("text_config", out var text) || text.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return text.ValueKind == JsonValueKind.Object
            ? text
            : throw new ModelException(source, "text_config", "must be an object");
    }

    private static JsonElement? RawVision(string source, JsonElement root)
    {
        if (!root.TryGetProperty("vision_config", out var vision) || vision.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return vision.ValueKind == JsonValueKind.Object
            ? vision.Clone()
            : throw new ModelException(source, "vision_config", "must be an object");
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, int? value)
    {
        if (value is int v)
        {
            w.WriteNumber(name, v);
        }
    }

    private static void TokenId(string file, string field, int? id, int vocab) =>
        Check(file, field, id is null || (id >= 0 && id < vocab), $"{id} is outside [0, vocab_size {vocab})");

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
        var f = new ConfigFields(source, vision, "vision_config.");
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
}
