using System.Globalization;
using PerceptionJudge.Model.Config;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.QwenVision;

/// <summary>
/// The Qwen2-VL / Qwen2.5-VL vision tower, HF <c>Qwen2VisionTransformerPretrainedModel</c> (modeling_qwen2_vl.py) and
/// <c>Qwen2_5_VisionTransformerPretrainedModel</c> (modeling_qwen2_5_vl.py), with HF's parameter names (register it
/// as child <c>visual</c>): <c>patch_embed.proj.weight</c>, <c>blocks.N.*</c>, <c>merger.*</c>. Forward: patch
/// embedding, 2-D rotary positions in merge-window order, blocks attending within each image frame, merger fusing
/// each m×m window. Qwen2.5-VL also reorders merge units window by window before the blocks
/// (<see cref="QwenVisionGrid.WindowIndex"/>), attends within windows except in <c>fullatt_block_indexes</c>, and
/// undoes the reorder (argsort) after the merger.
/// </summary>
public sealed class QwenVisionTower : Module
{
    private readonly HashSet<int> _fullAttention;

    /// <summary>A tower shaped by <paramref name="config"/>, parameters from <paramref name="init"/>.</summary>
    public QwenVisionTower(QwenVisionConfig config, Initializer init)
    {
        config.Validate();
        Config = config;
        _fullAttention = [.. config.FullAttBlockIndexes];
        Rotary = new QwenVisionRotary(config.HeadDim);
        using var scope = LibTorch.NewDisposeScope();
        PatchEmbed = RegisterModule("patch_embed", new QwenPatchEmbed(config, init));
        var blocks = Enumerable.Range(0, config.Depth).Select(_ => new QwenVisionBlock(config, init));
        Blocks = RegisterModule("blocks", new ModuleList<QwenVisionBlock>(blocks));
        Merger = RegisterModule("merger", new QwenVisionMerger(config, init));
    }

    /// <summary>A tower with seeded HF-style random init, N(0, <paramref name="std"/>²) (initializer_range).</summary>
    public static QwenVisionTower Create(QwenVisionConfig config, ulong seed, double std = 0.02) =>
        new(config, new Initializer(seed, std));

    /// <summary>The configuration.</summary>
    public QwenVisionConfig Config { get; }

    /// <summary>The rotary embedding (no parameters).</summary>
    public QwenVisionRotary Rotary { get; }

    /// <summary><c>patch_embed</c>.</summary>
    public QwenPatchEmbed PatchEmbed { get; }

    /// <summary><c>blocks</c>.</summary>
    public ModuleList<QwenVisionBlock> Blocks { get; }

    /// <summary><c>merger</c>.</summary>
    public QwenVisionMerger Merger { get; }

    /// <summary>
    /// Image (or video) features [L / (m·m), out_hidden_size] of <paramref name="flatPatches"/> [L, C·Tp·p·p] in
    /// HF's patch order (the image processor's pixel_values), L = Σ T·H·W over <paramref name="gridThw"/>
    /// (image_grid_thw); rows in HF's output order. <paramref name="capture"/> receives "patch_embed", "blocks.N" (in
    /// the order HF holds them: window order for Qwen2.5-VL) and "merger"; the tensors it gets die with the call.
    /// </summary>
    public Tensor Forward(
        Tensor flatPatches, IReadOnlyList<(int T, int H, int W)> gridThw, Action<string, Tensor>? capture = null)
    {
        var length = CheckInputs(flatPatches, gridThw);
        using var scope = LibTorch.NewDisposeScope();
        var unit = Config.SpatialMergeSize * Config.SpatialMergeSize;
        var hidden = PatchEmbed.Forward(flatPatches);
        capture?.Invoke("patch_embed", hidden);
        var positions = QwenVisionGrid.RotaryPositions(gridThw, Config.SpatialMergeSize);
        var cuSeqlens = QwenVisionGrid.CuSeqlens(gridThw);
        int[] cuWindowSeqlens = cuSeqlens, windowIndex = [];
        if (Config.IsQwen25)
        {
            (windowIndex, cuWindowSeqlens) =
                QwenVisionGrid.WindowIndex(gridThw, Config.SpatialMergeSize, Config.MergerWindowSize);
            positions = ReorderUnits(positions, windowIndex, unit);
            hidden = Ops.IndexSelect(hidden.Reshape(length / unit, unit, -1), 0, IndexTensor(windowIndex, flatPatches))
                .Reshape(length, -1);
        }
        var (cos, sin) = Rotary.CosSin(positions);
        if (flatPatches.Device != DeviceType.Cpu)
        {
            (cos, sin) = (cos.To(flatPatches.Device), sin.To(flatPatches.Device));
        }
        for (var i = 0; i < Blocks.Count; i++)
        {
            var segments = !Config.IsQwen25 || _fullAttention.Contains(i) ? cuSeqlens : cuWindowSeqlens;
            hidden = Blocks[i].Forward(hidden, segments, cos, sin);
            capture?.Invoke("blocks." + i.ToString(CultureInfo.InvariantCulture), hidden);
        }
        var merged = Merger.Forward(hidden);
        if (Config.IsQwen25)
        {
            merged = Ops.IndexSelect(merged, 0, IndexTensor(QwenVisionGrid.Inverse(windowIndex), flatPatches));
        }
        capture?.Invoke("merger", merged);
        return merged.MoveToOuterDisposeScope();
    }

    // Validates pixel_values [L, C·Tp·p·p] against image_grid_thw; returns L.
    private long CheckInputs(Tensor flatPatches, IReadOnlyList<(int T, int H, int W)> gridThw)
    {
        var features = Config.PatchFeatures;
        if (flatPatches.Dim != 2 || flatPatches.Size(1) != features)
        {
            throw new ModelException(
                $"pixel_values must be [patches, {features}] (channels {Config.InChannels} x temporal_patch_size " +
                $"{Config.TemporalPatchSize} x patch_size {Config.PatchSize}^2), " +
                $"got [{string.Join(", ", flatPatches.Shape)}]");
        }
        if (gridThw.Count == 0)
        {
            throw new ModelException("image_grid_thw is empty; give one (t, h, w) per image");
        }
        var m = Config.SpatialMergeSize;
        long total = 0;
        for (var i = 0; i < gridThw.Count; i++)
        {
            var (t, h, w) = gridThw[i];
            if (t <= 0 || h <= 0 || w <= 0 || h % m != 0 || w % m != 0)
            {
                throw new ModelException(
                    $"image_grid_thw[{i}] = ({t}, {h}, {w}): t, h, w must be > 0 and h, w multiples of " +
                    $"spatial_merge_size {m}");
            }
            total += (long)t * h * w;
        }
        if (total != flatPatches.Size(0))
        {
            throw new ModelException(
                $"pixel_values has {flatPatches.Size(0)} patches but image_grid_thw sums to {total} (sum of t*h*w)");
        }
        if (total > int.MaxValue)
        {
            throw new ModelException($"image_grid_thw asks for {total} patches; at most {int.MaxValue} are supported");
        }
        return total;
    }

    // positions viewed as [L / unit, unit], rows picked by windowIndex (HF reorders rotary_pos_emb the same way).
    private static (int Row, int Col)[] ReorderUnits((int Row, int Col)[] positions, int[] windowIndex, int unit)
    {
        var reordered = new (int, int)[positions.Length];
        for (var i = 0; i < windowIndex.Length; i++)
        {
            Array.Copy(positions, windowIndex[i] * unit, reordered, i * unit, unit);
        }
        return reordered;
    }

    private static Tensor IndexTensor(int[] indices, Tensor like)
    {
        var index = Tensor.From<long>(Array.ConvertAll(indices, i => (long)i), indices.Length);
        return like.Device == DeviceType.Cpu ? index : index.To(like.Device);
    }
}
