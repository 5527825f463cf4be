using PerceptionJudge.Model.Config;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.QwenVision;

/// <summary>
/// A pre-norm vision block, HF <c>Qwen2VLVisionBlock</c> / <c>Qwen2_5_VLVisionBlock</c>: h = x + attn(norm1(x));
/// out = h + mlp(norm2(h)). Norms: qwen2_vl LayerNorm (eps 1e-6, weight + bias), qwen2_5_vl RMSNorm (eps 1e-6, weight).
/// </summary>
public sealed class QwenVisionBlock : Module
{
    /// <summary>Norm epsilon of every block and the merger (HF hard-codes 1e-6).</summary>
    public const double NormEps = 1e-6;

    /// <summary>A block shaped by <paramref name="config"/>.</summary>
    public QwenVisionBlock(QwenVisionConfig config, Initializer init)
    {
        Norm1 = RegisterModule("norm1", CreateNorm(config.IsQwen25, config.EmbedDim));
        Norm2 = RegisterModule("norm2", CreateNorm(config.IsQwen25, config.EmbedDim));
        Attention = RegisterModule("attn", new QwenVisionAttention(config.EmbedDim, config.NumHeads, init));
        Mlp = RegisterModule("mlp", new QwenVisionMlp(config, init));
    }

    /// <summary>Norm before attention (<see cref="LayerNorm"/> or <see cref="RmsNorm"/>).</summary>
    public Module Norm1 { get; }

    /// <summary>Norm before the MLP.</summary>
    public Module Norm2 { get; }

    /// <summary>Segment-restricted self-attention.</summary>
    public QwenVisionAttention Attention { get; }

    /// <summary>The MLP.</summary>
    public QwenVisionMlp Mlp { get; }

    /// <summary>x [L, D] → [L, D], attention inside the segments <paramref name="cuSeqlens"/>.</summary>
    public Tensor Forward(Tensor x, IReadOnlyList<int> cuSeqlens, Tensor cos, Tensor sin)
    {
        using var scope = LibTorch.NewDisposeScope();
        var h = Ops.Add(x, Attention.Forward(Normalize(Norm1, x), cuSeqlens, cos, sin));
        return Ops.Add(h, Mlp.Forward(Normalize(Norm2, h))).MoveToOuterDisposeScope();
    }

    /// <summary>RMSNorm (qwen2_5_vl) or LayerNorm with bias (qwen2_vl) of width <paramref name="dim"/>.</summary>
    internal static Module CreateNorm(bool rms, long dim) =>
        rms ? new RmsNorm(Initializer.Ones(dim), NormEps) : LayerNorm.Create(dim, NormEps);

    /// <summary>Applies a norm made by <see cref="CreateNorm"/>.</summary>
    internal static Tensor Normalize(Module norm, Tensor x) => norm switch
    {
        RmsNorm rms => rms.Forward(x),
        LayerNorm layer => layer.Forward(x),
        _ => throw new InvalidOperationException($"unexpected norm {norm.GetType().Name}"),
    };
}
