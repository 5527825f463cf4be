using System.Globalization;
using System.Text.Json;

namespace PerceptionJudge.Model.Config;

/// <summary>
/// Reads and writes <see cref="QwenVisionConfig"/> as HF's <c>vision_config</c> object, with the field names of its
/// type (HF configuration_qwen2_vl.py / configuration_qwen2_5_vl.py). Missing fields take HF's defaults; unknown
/// fields are ignored; a mistyped field or shapes that do not fit are a <see cref="ModelException"/> naming the file
/// and <c>vision_config.field</c>.
/// </summary>
public static class QwenVisionConfigJson
{
    /// <summary>
    /// The config in <paramref name="visionConfig"/> for <paramref name="modelType"/> ("qwen2_vl" or "qwen2_5_vl");
    /// <paramref name="source"/> names the file in errors. Validated.
    /// </summary>
    public static QwenVisionConfig Read(JsonElement visionConfig, string modelType, string source)
    {
        if (visionConfig.ValueKind != JsonValueKind.Object)
        {
            throw new ModelException(source, "vision_config", "must be an object");
        }
        if (modelType is not (QwenVisionConfig.Qwen2Vl or QwenVisionConfig.Qwen25Vl))
        {
            throw new ModelException(source, "model_type", $"'{modelType}' is not qwen2_vl or qwen2_5_vl");
        }
        var f = new VisionFields(source, visionConfig);
        var d = QwenVisionConfig.Defaults(modelType);
        var common = d with
        {
            Depth = f.Int("depth") ?? d.Depth,
            NumHeads = f.Int("num_heads") ?? d.NumHeads,
            HiddenAct = f.String("hidden_act") ?? d.HiddenAct,
            InChannels = f.Int("in_channels") ?? f.Int("in_chans") ?? d.InChannels,
            PatchSize = f.Int("patch_size") ?? d.PatchSize,
            TemporalPatchSize = f.Int("temporal_patch_size") ?? d.TemporalPatchSize,
            SpatialMergeSize = f.Int("spatial_merge_size") ?? d.SpatialMergeSize,
        };
        QwenVisionConfig config;
        if (modelType == QwenVisionConfig.Qwen2Vl)
        {
            var embed = f.Int("embed_dim") ?? d.EmbedDim;
            var ratio = f.Double("mlp_ratio") ?? 4.0;
            config = common with
            {
                EmbedDim = embed,
                MlpHidden = checked((int)(embed * ratio)),
                OutHiddenSize = f.Int("hidden_size") ?? d.OutHiddenSize,
            };
        }
        else
        {
            config = common with
            {
                EmbedDim = f.Int("hidden_size") ?? d.EmbedDim,
                MlpHidden = f.Int("intermediate_size") ?? d.MlpHidden,
                OutHiddenSize = f.Int("out_hidden_size") ?? d.OutHiddenSize,
                WindowSize = f.Int("window_size") ?? d.WindowSize,
                FullAttBlockIndexes = f.IntList("fullatt_block_indexes") ?? d.FullAttBlockIndexes,
                TokensPerSecond = f.Int("tokens_per_second") ?? d.TokensPerSecond,
            };
        }
        config.Validate(source);
        return config;
    }

    /// <summary>
    /// Writes <paramref name="config"/> as one JSON object (the value of <c>vision_config</c>) with its type's HF
    /// field names, so <see cref="Read"/> gives it back.
    /// </summary>
    public static void Write(Utf8JsonWriter w, QwenVisionConfig config)
    {
        config.Validate("vision_config");
        w.WriteStartObject();
        w.WriteNumber("depth", config.Depth);
        w.WriteNumber("num_heads", config.NumHeads);
        w.WriteString("hidden_act", config.HiddenAct);
        w.WriteNumber("in_channels", config.InChannels);
        w.WriteNumber("patch_size", config.PatchSize);
        w.WriteNumber("temporal_patch_size", config.TemporalPatchSize);
        w.WriteNumber("spatial_merge_size", config.SpatialMergeSize);
        if (config.IsQwen25)
        {
            w.WriteNumber("hidden_size", config.EmbedDim);
            w.WriteNumber("intermediate_size", config.MlpHidden);
            w.WriteNumber("out_hidden_size", config.OutHiddenSize);
            w.WriteNumber("window_size", config.WindowSize);
            w.WriteStartArray("fullatt_block_indexes");
            foreach (var index in config.FullAttBlockIndexes)
            {
                w.WriteNumberValue(index);
            }
            w.WriteEndArray();
            w.WriteNumber("tokens_per_second", config.TokensPerSecond);
        }
        else
        {
            var ratio = (double)config.MlpHidden / config.EmbedDim;
            if ((int)(config.EmbedDim * ratio) != config.MlpHidden)
            {
                throw new ModelException("vision_config", "mlp_ratio",
                    $"MLP width {config.MlpHidden} is not int(embed_dim {config.EmbedDim} * a representable ratio)");
            }
            w.WriteNumber("embed_dim", config.EmbedDim);
            w.WriteNumber("mlp_ratio", ratio);
            w.WriteNumber("hidden_size", config.OutHiddenSize);
        }
        w.WriteEndObject();
    }

    // Typed optional reads of vision_config's fields (null when absent or JSON null); errors name the field.
    private readonly struct VisionFields(string source, JsonElement obj)
    {
        public int? Int(string name) => Get(name) is { } v
            ? v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : throw Bad(name, "an integer")
            : null;

        public double? Double(string name) => Get(name) is { } v
            ? v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Bad(name, "a number")
            : null;

        public string? String(string name) => Get(name) is { } v
            ? v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad(name, "a string")
            : null;

        public IReadOnlyList<int>? IntList(string name)
        {
            if (Get(name) is not { } v)
            {
                return null;
            }
            if (v.ValueKind != JsonValueKind.Array)
            {
                throw Bad(name, "an array of integers");
            }
            var list = new List<int>();
            foreach (var item in v.EnumerateArray())
            {
                list.Add(item.ValueKind == JsonValueKind.Number && item.TryGetInt32(out var i)
                    ? i
                    : throw Bad(name + "[" + list.Count.ToString(CultureInfo.InvariantCulture) + "]", "an integer"));
            }
            return list;
        }

        private JsonElement? Get(string name) =>
            obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

        private ModelException Bad(string name, string what) => new(source, "vision_config." + name, $"must be {what}");
    }
}
