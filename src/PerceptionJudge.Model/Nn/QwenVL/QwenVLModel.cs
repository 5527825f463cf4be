using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Nn.Loading;
using PerceptionJudge.Model.Nn.Qwen2;
using PerceptionJudge.Model.Nn.QwenVision;
using PerceptionJudge.Model.Weights;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.QwenVL;

/// <summary>The outputs of one <see cref="QwenVLModel.Forward"/>.</summary>
/// <param name="Logits">[B, T, V] float32.</param>
/// <param name="PositionIds">M-RoPE position ids [3, B, T] (HF get_rope_index).</param>
/// <param name="RopeDeltas">Per row: max position + 1 − T (HF rope_deltas, [B, 1] there).</param>
public sealed record QwenVLOutput(Tensor Logits, long[,,] PositionIds, long[] RopeDeltas) : IDisposable
{
    /// <inheritdoc/>
    public void Dispose() => Logits.Dispose();
}

/// <summary>
/// HF <c>Qwen2VLForConditionalGeneration</c> / <c>Qwen2_5_VLForConditionalGeneration</c> in the hub layout: children
/// <c>visual</c> (<see cref="QwenVisionTower"/>), <c>model</c> (<see cref="Qwen2Model"/> with M-RoPE) and
/// <c>lm_head</c> (absent when tied). Forward as HF <c>Qwen2VLModel.forward</c>: token embeddings, the tower's
/// merged patch embeddings scattered in order at the image placeholders (<c>masked_scatter</c>), position ids from
/// <see cref="QwenRopeIndex.Compute"/>, the decoder, then the head.
/// </summary>
public sealed class QwenVLModel : Module
{
    /// <summary>A model shaped by <paramref name="config"/> (model_type qwen2_vl or qwen2_5_vl).</summary>
    public QwenVLModel(ModelConfig config, Initializer init, string source = "config.json")
    {
        config.Validate(source);
        if (!config.IsQwenVL || config.RawVisionConfig is not { } raw)
        {
            throw new ModelException(source, "model_type",
                $"'{config.ModelType}' is not a Qwen2-VL model (qwen2_vl or qwen2_5_vl with a vision_config)");
        }
        Config = config;
        VisionConfig = QwenVisionConfigJson.Read(raw, config.ModelType, source);
        if (VisionConfig.OutHiddenSize != config.HiddenSize)
        {
            throw new ModelException(source, "vision_config",
                $"the merger writes width {VisionConfig.OutHiddenSize} but the decoder's hidden_size is " +
                $"{config.HiddenSize}");
        }
        using var scope = LibTorch.NewDisposeScope();
        Visual = RegisterModule("visual", new QwenVisionTower(VisionConfig, init));
        Model = RegisterModule("model", new Qwen2Model(config, init));
        LmHead = config.TieWordEmbeddings
            ? new Linear(Model.EmbedTokens.Weight)
            : RegisterModule("lm_head", init.Linear(config.HiddenSize, config.VocabSize, bias: false));
    }

    /// <summary>A model with seeded HF-style random init, N(0, <paramref name="std"/>²).</summary>
    public static QwenVLModel Create(ModelConfig config, ulong seed, double std = 0.02) =>
        new(config, new Initializer(seed, std));

    /// <summary>The text-side configuration (with the raw vision_config).</summary>
    public ModelConfig Config { get; }

    /// <summary>The parsed vision_config.</summary>
    public QwenVisionConfig VisionConfig { get; }

    /// <summary>The vision tower (<c>visual.*</c>).</summary>
    public QwenVisionTower Visual { get; }

    /// <summary>The decoder (<c>model.*</c>).</summary>
    public Qwen2Model Model { get; }

    /// <summary>The output projection (a view of the embedding when tied).</summary>
    public Linear LmHead { get; }

    /// <summary>
    /// Logits, position ids and rope deltas of int64 <paramref name="inputIds"/> [B, T] with optional
    /// <paramref name="attentionMask"/> [B, T] (1 token, 0 left padding), <paramref name="pixelValues"/>
    /// [L, C·Tp·p·p] (the image processor's order) and <paramref name="imageGridThw"/> (one (t, h, w) per image, in
    /// order). <paramref name="capture"/> sees <c>visual.patch_embed</c>, <c>visual.blocks.N</c>,
    /// <c>visual.merger</c>, <c>model.embed_tokens</c> (after the image scatter), <c>model.layers.N</c> and
    /// <c>model.norm</c> during the call.
    /// </summary>
    public QwenVLOutput Forward(
        long[,] inputIds, long[,]? attentionMask = null, Tensor? pixelValues = null,
        IReadOnlyList<(int T, int H, int W)>? imageGridThw = null, Action<string, Tensor>? capture = null)
    {
        int batch = inputIds.GetLength(0), length = inputIds.GetLength(1);
        if ((pixelValues is null) != (imageGridThw is null))
        {
            throw new ModelException("pixel_values", null,
                "pixel_values and image_grid_thw come together; give both or neither");
        }
        if (attentionMask is not null
            && (attentionMask.GetLength(0) != batch || attentionMask.GetLength(1) != length))
        {
            throw new ModelException("attention_mask", null,
                $"must be [{batch}, {length}] like input_ids, got [{attentionMask.GetLength(0)}, " +
                $"{attentionMask.GetLength(1)}]");
        }
        int imageToken = Config.ImageTokenId!.Value;
        var (positions, deltas) = QwenRopeIndex.Compute(
            inputIds, attentionMask, imageGridThw, VisionConfig.SpatialMergeSize, imageToken,
            Config.VisionStartTokenId!.Value, Config.VideoTokenId, Config.ModelType);
        using var scope = LibTorch.NewDisposeScope();
        var ids = Tensor.From<long>(Flatten(inputIds), batch, length);
        var embeds = Model.EmbedTokens.Forward(ids);
        if (pixelValues is not null)
        {
            Action<string, Tensor>? visual = capture is null ? null : (n, t) => capture($"visual.{n}", t);
            var image = Visual.Forward(pixelValues, imageGridThw!, visual);
            embeds = ImageSplice.Apply(embeds, ids, image.Unsqueeze(0), imageToken);
        }
        else if (ImageSplice.CountPlaceholders(ids, imageToken) is var n && n > 0)
        {
            throw new ModelException("input_ids", null,
                $"hold {n} image placeholders (id {imageToken}) but no pixel_values were given");
        }
        capture?.Invoke("model.embed_tokens", embeds);
        var mask = attentionMask is null ? null : Tensor.From<long>(Flatten(attentionMask), batch, length);
        var hidden = Model.Forward(embeds, mask, QwenRopeIndex.ToTensor(positions), null, capture);
        var logits = LmHead.Forward(hidden).MoveToOuterDisposeScope();
        return new QwenVLOutput(logits, positions, deltas);
    }

    /// <summary>
    /// Copies the parameters from <paramref name="checkpoint"/> (either HF key layout); a tied model ignores a stored
    /// <c>lm_head.weight</c>.
    /// </summary>
    public WeightLoadReport LoadWeights(SafetensorsCheckpoint checkpoint, bool strict = true) =>
        ModelWeights.Load(this, checkpoint, strict,
            Config.TieWordEmbeddings ? new HashSet<string>(StringComparer.Ordinal) { "lm_head.weight" } : null);

    /// <summary>
    /// A model from an HF folder: <c>config.json</c> plus <c>model.safetensors</c> or a sharded index.
    /// </summary>
    public static QwenVLModel FromPretrained(string folder, bool strict = true, ulong seed = 0)
    {
        var file = Path.Combine(folder, "config.json");
        var config = ModelConfigJson.Load(file);
        using var checkpoint = SafetensorsCheckpoint.Open(folder);
        var model = new QwenVLModel(config, strict ? Initializer.Empty : new Initializer(seed), file);
        try
        {
            model.LoadWeights(checkpoint, strict);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes <c>config.json</c> and <c>model.safetensors</c> (hub layout) as <paramref name="dtype"/>.
    /// </summary>
    public void SavePretrained(string folder, DType dtype = DType.Float32)
    {
        Directory.CreateDirectory(folder);
        ModelConfigJson.Save(Config, Path.Combine(folder, "config.json"));
        ModelWeights.Save(this, Path.Combine(folder, SafetensorsCheckpoint.SingleFileName), dtype);
    }

    private static long[] Flatten(long[,] values)
    {
        var flat = new long[values.Length];
        Buffer.BlockCopy(values, 0, flat, 0, flat.Length * sizeof(long));
        return flat;
    }
}
