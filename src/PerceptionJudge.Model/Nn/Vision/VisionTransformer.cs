using PerceptionJudge.Model.Config;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.Vision;

/// <summary>
/// The vision tower, checkpoint prefix <c>visual.</c> (so PEFT/verl's <c>exclude_modules=".*visual.*"</c> leaves it
/// frozen). Parameter names (D = vision width, H = decoder width, P = patches, p = patch side):
/// <list type="bullet">
/// <item><c>visual.patch_embed.proj.{weight [D, C, p, p], bias [D]}</c>: Conv2d with stride p;</item>
/// <item><c>visual.pos_embed.weight</c> [P, D]: learned position embedding, added to the patches in raster
/// order;</item>
/// <item><c>visual.blocks.{i}.{norm1, norm2}.{weight, bias}</c>, <c>.attn.qkv</c>, <c>.attn.proj</c>,
/// <c>.mlp.fc1</c>, <c>.mlp.fc2</c> (each <c>weight</c> + <c>bias</c>): pre-norm blocks
/// (<see cref="VisionBlock"/>);</item>
/// <item><c>visual.merger.ln_q.{weight, bias}</c> (final LayerNorm), <c>visual.merger.mlp.0</c> [H, D] and
/// <c>visual.merger.mlp.2</c> [H, H] (<see cref="PatchMerger"/>).</item>
/// </list>
/// </summary>
public sealed class VisionTransformer : Module
{
    /// <summary>A tower shaped by <paramref name="config"/> projecting to <paramref name="outputWidth"/>.</summary>
    public VisionTransformer(
        VisionConfig config, long outputWidth, Initializer init, ImageNormalization? normalization = null)
    {
        Config = config;
        Normalization = normalization ?? ImageNormalization.Clip;
        Normalization.Validate(config.NumChannels);
        PatchEmbed = RegisterModule("patch_embed", new PatchEmbed(config, init));
        PosEmbed = RegisterModule("pos_embed", new Embedding(init.Normal(config.NumPatches, config.HiddenSize)));
        Blocks = RegisterModule(
            "blocks",
            new ModuleList<VisionBlock>(
                Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new VisionBlock(config, init))));
        Merger = RegisterModule(
            "merger", new PatchMerger(config.HiddenSize, outputWidth, config.LayerNormEps, init));
    }

    /// <summary>The tower's configuration.</summary>
    public VisionConfig Config { get; }

    /// <summary>Pixel normalisation applied before the patch embedding.</summary>
    public ImageNormalization Normalization { get; }

    /// <summary>Patch embedding.</summary>
    public PatchEmbed PatchEmbed { get; }

    /// <summary>Learned position embedding [P, D].</summary>
    public Embedding PosEmbed { get; }

    /// <summary>The ViT blocks.</summary>
    public ModuleList<VisionBlock> Blocks { get; }

    /// <summary>Final norm and projector.</summary>
    public PatchMerger Merger { get; }

    /// <summary>
    /// Planar float <paramref name="pixelValues"/> [N, C, S, S] in [0, 1] (S = image_size) → patch embeddings in the
    /// decoder's width [N, P, H], patches in raster order.
    /// </summary>
    public Tensor Forward(Tensor pixelValues)
    {
        var c = Config;
        if (pixelValues.Dim != 4 || pixelValues.Size(1) != c.NumChannels || pixelValues.Size(2) != c.ImageSize
            || pixelValues.Size(3) != c.ImageSize)
        {
            throw new ModelException(
                "pixel_values", null,
                $"must be [N, {c.NumChannels}, {c.ImageSize}, {c.ImageSize}] (planar float in [0, 1]), got " +
                $"[{string.Join(", ", pixelValues.Shape)}]; resize images to image_size first");
        }
        using var scope = LibTorch.NewDisposeScope();
        var mean = Tensor.From<float>(Normalization.Mean, 1, c.NumChannels, 1, 1);
        var std = Tensor.From<float>(Normalization.Std, 1, c.NumChannels, 1, 1);
        var normalised = Ops.Div(Ops.Sub(pixelValues.To(DType.Float32), mean), std);
        var patches = PatchEmbed.Forward(normalised);                       // [N, D, g, g]
        var tokens = patches.Reshape(patches.Size(0), c.HiddenSize, c.NumPatches).Transpose(1, 2);
        var h = Ops.Add(tokens, PosEmbed.Weight);
        foreach (var block in Blocks.Items)
        {
            h = block.Forward(h);
        }
        return Merger.Forward(h).MoveToOuterDisposeScope();
    }
}

/// <summary>Qwen2-VL's <c>patch_embed</c>: child <c>proj</c>, a Conv2d [D, C, p, p] with stride p and bias.</summary>
public sealed class PatchEmbed : Module
{
    /// <summary>A patch embedding shaped by <paramref name="config"/>.</summary>
    public PatchEmbed(VisionConfig config, Initializer init)
    {
        Proj = RegisterModule(
            "proj",
            new Conv2d(
                init.Normal(config.HiddenSize, config.NumChannels, config.PatchSize, config.PatchSize),
                Initializer.Zeros(config.HiddenSize),
                config.PatchSize));
    }

    /// <summary>The convolution.</summary>
    public Conv2d Proj { get; }

    /// <summary>x [N, C, S, S] → [N, D, S/p, S/p].</summary>
    public Tensor Forward(Tensor x) => Proj.Forward(x);
}
