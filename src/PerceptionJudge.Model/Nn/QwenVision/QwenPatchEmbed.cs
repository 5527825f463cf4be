using PerceptionJudge.Model.Config;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.QwenVision;

/// <summary>
/// HF <c>PatchEmbed</c> (modeling_qwen2_vl.py): Conv3d(C, D, kernel = stride = (Tp, p, p), no bias) over
/// pixel_values.view(−1, C, Tp, p, p). With stride = kernel each patch meets the kernel once, so this computes the
/// same sum as flat [L, C·Tp·p·p] @ W.view(D, −1)ᵀ. Parameter <c>proj.weight</c> [D, C, Tp, p, p].
/// </summary>
public sealed class QwenPatchEmbed : Module
{
    /// <summary>The embedding of <paramref name="config"/>, weight from <paramref name="init"/>.</summary>
    public QwenPatchEmbed(QwenVisionConfig config, Initializer init)
    {
        EmbedDim = config.EmbedDim;
        Proj = RegisterModule("proj", new Conv3dWeight(init.Normal(
            config.EmbedDim, config.InChannels, config.TemporalPatchSize, config.PatchSize, config.PatchSize)));
    }

    /// <summary>D.</summary>
    public int EmbedDim { get; }

    /// <summary>The projection (<c>proj.weight</c>).</summary>
    public Conv3dWeight Proj { get; }

    /// <summary>flat [L, C·Tp·p·p] → [L, D], computed in the weight's dtype as HF casts the input to it.</summary>
    public Tensor Forward(Tensor flatPatches)
    {
        using var scope = LibTorch.NewDisposeScope();
        var weight = Proj.Weight;
        var x = flatPatches.Dtype == weight.Dtype ? flatPatches : flatPatches.To(weight.Dtype);
        return Ops.Linear(x, weight.View(EmbedDim, -1)).MoveToOuterDisposeScope();
    }

    /// <summary>Holds a Conv3d kernel [D, C, Tp, p, p] as parameter <c>weight</c> (no bias).</summary>
    public sealed class Conv3dWeight : Module
    {
        /// <summary>Takes ownership of <paramref name="weight"/>.</summary>
        public Conv3dWeight(Tensor weight)
        {
            Weight = RegisterParameter("weight", weight);
        }

        /// <summary>The kernel [D, C, Tp, p, p].</summary>
        public Tensor Weight { get; }
    }
}
