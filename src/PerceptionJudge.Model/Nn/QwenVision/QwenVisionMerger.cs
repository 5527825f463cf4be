using PerceptionJudge.Model.Config;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.QwenVision;

/// <summary>
/// HF <c>PatchMerger</c> / <c>Qwen2_5_VLPatchMerger</c>: x = mlp(ln_q(x).view(−1, D·m·m)), mlp = Linear(D·m·m,
/// D·m·m) (<c>mlp.0</c>), exact GELU, Linear(D·m·m, out) (<c>mlp.2</c>); ln_q is LayerNorm (qwen2_vl) or RMSNorm
/// (qwen2_5_vl), eps 1e-6. Each m·m consecutive patches (one merge window) become one output token.
/// </summary>
public sealed class QwenVisionMerger : Module
{
    /// <summary>The merger of <paramref name="config"/>.</summary>
    public QwenVisionMerger(QwenVisionConfig config, Initializer init)
    {
        MergedWidth = config.MergedWidth;
        LnQ = RegisterModule("ln_q", QwenVisionBlock.CreateNorm(config.IsQwen25, config.EmbedDim));
        Mlp = RegisterModule("mlp", new MergerMlp(config.MergedWidth, config.OutHiddenSize, init));
    }

    /// <summary>D · m · m.</summary>
    public int MergedWidth { get; }

    /// <summary>The norm before merging.</summary>
    public Module LnQ { get; }

    /// <summary>The two-layer GELU MLP (<c>mlp.0</c>, <c>mlp.2</c>).</summary>
    public MergerMlp Mlp { get; }

    /// <summary>x [L, D] → [L / (m·m), out].</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = LibTorch.NewDisposeScope();
        var merged = QwenVisionBlock.Normalize(LnQ, x).Reshape(-1, MergedWidth);
        return Mlp.Forward(merged).MoveToOuterDisposeScope();
    }

    /// <summary>nn.Sequential(Linear, GELU, Linear): children named <c>0</c> and <c>2</c> as in HF.</summary>
    public sealed class MergerMlp : Module
    {
        /// <summary>Linear(width, width), GELU, Linear(width, out), with biases.</summary>
        public MergerMlp(int width, int outWidth, Initializer init)
        {
            First = RegisterModule("0", init.Linear(width, width, bias: true));
            Second = RegisterModule("2", init.Linear(width, outWidth, bias: true));
        }

        /// <summary><c>mlp.0</c>.</summary>
        public Linear First { get; }

        /// <summary><c>mlp.2</c>.</summary>
        public Linear Second { get; }

        /// <summary>x [..., width] → [..., out].</summary>
        public Tensor Forward(Tensor x)
        {
            using var scope = LibTorch.NewDisposeScope();
            return Second.Forward(Ops.Gelu(First.Forward(x))).MoveToOuterDisposeScope();
        }
    }
}
