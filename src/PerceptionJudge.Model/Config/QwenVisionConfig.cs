namespace PerceptionJudge.Model.Config;

/// <summary>
/// The <c>vision_config</c> of Qwen2-VL (<c>Qwen2VLVisionConfig</c>) and Qwen2.5-VL (<c>Qwen2_5_VLVisionConfig</c>),
/// HF transformers configuration_qwen2_vl.py / configuration_qwen2_5_vl.py. HF field names and defaults are given per
/// property; <see cref="Defaults"/> gives a type's HF defaults. Window fields apply to qwen2_5_vl only.
/// </summary>
public sealed record QwenVisionConfig
{
    /// <summary>Model type "qwen2_5_vl": window attention, RMSNorm and gated MLP.</summary>
    public const string Qwen25Vl = "qwen2_5_vl";

    /// <summary>Model type "qwen2_vl": LayerNorm blocks, fc1/fc2 MLP, full attention everywhere.</summary>
    public const string Qwen2Vl = "qwen2_vl";

    /// <summary>"qwen2_vl" or "qwen2_5_vl" (the top-level model_type).</summary>
    public required string ModelType { get; init; }

    /// <summary>Blocks (depth; default 32 for both).</summary>
    public int Depth { get; init; } = 32;

    /// <summary>Tower width D (qwen2_vl: embed_dim, default 1280; qwen2_5_vl: hidden_size, default 3584).</summary>
    public required int EmbedDim { get; init; }

    /// <summary>Attention heads (num_heads; default 16).</summary>
    public int NumHeads { get; init; } = 16;

    /// <summary>
    /// MLP inner width (qwen2_vl: int(embed_dim · mlp_ratio), mlp_ratio default 4; qwen2_5_vl: intermediate_size,
    /// default 3420).
    /// </summary>
    public required int MlpHidden { get; init; }

    /// <summary>MLP activation (hidden_act; qwen2_vl default "quick_gelu", qwen2_5_vl "silu").</summary>
    public required string HiddenAct { get; init; }

    /// <summary>Image channels (in_channels, older configs in_chans; default 3).</summary>
    public int InChannels { get; init; } = 3;

    /// <summary>Spatial patch side in pixels (patch_size; default 14).</summary>
    public int PatchSize { get; init; } = 14;

    /// <summary>Frames per patch (temporal_patch_size; default 2).</summary>
    public int TemporalPatchSize { get; init; } = 2;

    /// <summary>Side m of the m×m patch groups the merger fuses (spatial_merge_size; default 2).</summary>
    public int SpatialMergeSize { get; init; } = 2;

    /// <summary>
    /// Merger output width, the text width (qwen2_vl: vision_config.hidden_size, default 3584; qwen2_5_vl:
    /// out_hidden_size, default 3584).
    /// </summary>
    public required int OutHiddenSize { get; init; }

    /// <summary>Window side in pixels (window_size; qwen2_5_vl only, default 112).</summary>
    public int WindowSize { get; init; } = 112;

    /// <summary>Blocks with full attention (fullatt_block_indexes; qwen2_5_vl only, default [7, 15, 23, 31]).</summary>
    public IReadOnlyList<int> FullAttBlockIndexes { get; init; } = [];

    /// <summary>Video M-RoPE time positions per second (tokens_per_second; qwen2_5_vl only, default 4).</summary>
    public int TokensPerSecond { get; init; } = 4;

    /// <summary>True for qwen2_5_vl.</summary>
    public bool IsQwen25 => ModelType == Qwen25Vl;

    /// <summary>Head width D / heads.</summary>
    public int HeadDim => EmbedDim / NumHeads;

    /// <summary>Input features per patch: C · Tp · p · p.</summary>
    public int PatchFeatures => InChannels * TemporalPatchSize * PatchSize * PatchSize;

    /// <summary>Merger input width D · m · m.</summary>
    public int MergedWidth => EmbedDim * SpatialMergeSize * SpatialMergeSize;

    /// <summary>Window side in merge units: window_size / spatial_merge_size / patch_size (integer division).</summary>
    public int MergerWindowSize => WindowSize / SpatialMergeSize / PatchSize;

    /// <summary>HF's defaults for <paramref name="modelType"/> (the full-size 7B towers).</summary>
    public static QwenVisionConfig Defaults(string modelType) => modelType switch
    {
        Qwen2Vl => new QwenVisionConfig
        {
            ModelType = Qwen2Vl,
            EmbedDim = 1280,
            MlpHidden = 1280 * 4,
            HiddenAct = "quick_gelu",
            OutHiddenSize = 3584,
        },
        Qwen25Vl => new QwenVisionConfig
        {
            ModelType = Qwen25Vl,
            EmbedDim = 3584,
            MlpHidden = 3420,
            HiddenAct = "silu",
            OutHiddenSize = 3584,
            FullAttBlockIndexes = [7, 15, 23, 31],
        },
        _ => throw new ModelException(
            "config.json", "model_type", $"'{modelType}' has no Qwen vision tower; use qwen2_vl or qwen2_5_vl"),
    };

    /// <summary>Activations the tower implements (HF ACT2FN names).</summary>
    public static IReadOnlyList<string> SupportedActivations { get; } =
        ["quick_gelu", "silu", "gelu", "gelu_pytorch_tanh"];

    /// <summary>
    /// Checks that the shapes fit; throws a <see cref="ModelException"/> naming <paramref name="file"/> and the
    /// vision_config field.
    /// </summary>
    public void Validate(string file = "config.json")
    {
        Check(ModelType is Qwen2Vl or Qwen25Vl, "model_type", $"'{ModelType}' is not qwen2_vl or qwen2_5_vl");
        var q25 = IsQwen25;
        Positive("depth", Depth);
        Positive(q25 ? "hidden_size" : "embed_dim", EmbedDim);
        Positive("num_heads", NumHeads);
        Positive(q25 ? "intermediate_size" : "mlp_ratio", MlpHidden);
        Positive("in_channels", InChannels);
        Positive("patch_size", PatchSize);
        Positive("temporal_patch_size", TemporalPatchSize);
        Positive("spatial_merge_size", SpatialMergeSize);
        Positive(q25 ? "out_hidden_size" : "hidden_size", OutHiddenSize);
        Check(EmbedDim % NumHeads == 0, "num_heads", $"{NumHeads} does not divide the width {EmbedDim}");
        Check(HeadDim % 4 == 0, "num_heads",
            $"head_dim {HeadDim} must be a multiple of 4 (2-D rotary over head_dim / 2 with even halves)");
        Check(SupportedActivations.Contains(HiddenAct), "hidden_act",
            $"'{HiddenAct}' is not supported; use one of {string.Join(", ", SupportedActivations)}");
        if (!q25)
        {
            return;
        }
        Check(MergerWindowSize > 0, "window_size",
            $"{WindowSize} must be at least spatial_merge_size * patch_size = {SpatialMergeSize * PatchSize}");
        Positive("tokens_per_second", TokensPerSecond);
        foreach (var index in FullAttBlockIndexes)
        {
            Check(index >= 0 && index < Depth, "fullatt_block_indexes", $"{index} is outside [0, depth {Depth})");
        }

        void Positive(string field, long value) => Check(value > 0, field, $"{value} must be > 0");

        void Check(bool ok, string field, string message)
        {
            if (!ok)
            {
                throw new ModelException(file, "vision_config." + field, message);
            }
        }
    }
}
