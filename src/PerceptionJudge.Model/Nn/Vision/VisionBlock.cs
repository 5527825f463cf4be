using PerceptionJudge.Model.Config;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.Vision;

/// <summary>
/// A pre-norm ViT block (Dosovitskiy et al. 2021; names as Qwen2-VL's <c>blocks.{i}</c>): h = x + attn(norm1(x));
/// out = h + mlp(norm2(h)), where mlp = fc2(gelu(fc1(·))) with exact (erf) GELU, LayerNorms with bias.
/// </summary>
public sealed class VisionBlock : Module
{
    /// <summary>A block shaped by <paramref name="config"/>.</summary>
    public VisionBlock(VisionConfig config, Initializer init)
    {
        Norm1 = RegisterModule("norm1", LayerNorm.Create(config.HiddenSize, config.LayerNormEps));
        Attention = RegisterModule("attn", new VisionAttention(config.HiddenSize, config.NumAttentionHeads, init));
        Norm2 = RegisterModule("norm2", LayerNorm.Create(config.HiddenSize, config.LayerNormEps));
        Mlp = RegisterModule("mlp", new VisionMlp(config.HiddenSize, config.IntermediateSize, init));
    }

    /// <summary>Norm before attention.</summary>
    public LayerNorm Norm1 { get; }

    /// <summary>Self-attention.</summary>
    public VisionAttention Attention { get; }

    /// <summary>Norm before the MLP.</summary>
    public LayerNorm Norm2 { get; }

    /// <summary>The GELU MLP.</summary>
    public VisionMlp Mlp { get; }

    /// <summary>x [N, P, D] → [N, P, D].</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = LibTorch.NewDisposeScope();
        var h = Ops.Add(x, Attention.Forward(Norm1.Forward(x)));
        return Ops.Add(h, Mlp.Forward(Norm2.Forward(h))).MoveToOuterDisposeScope();
    }
}

/// <summary>The ViT MLP: <c>fc2</c>(gelu(<c>fc1</c>(x))), D → I → D, with biases.</summary>
public sealed class VisionMlp : Module
{
    /// <summary>An MLP D → <paramref name="inner"/> → D.</summary>
    public VisionMlp(long width, long inner, Initializer init)
    {
        Fc1 = RegisterModule("fc1", init.Linear(width, inner, bias: true));
        Fc2 = RegisterModule("fc2", init.Linear(inner, width, bias: true));
    }

    /// <summary>D → I.</summary>
    public Linear Fc1 { get; }

    /// <summary>I → D.</summary>
    public Linear Fc2 { get; }

    /// <summary>x [..., D] → [..., D].</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = LibTorch.NewDisposeScope();
        return Fc2.Forward(Ops.Gelu(Fc1.Forward(x))).MoveToOuterDisposeScope();
    }
}
