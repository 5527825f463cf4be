using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn;

/// <summary>
/// HF <c>Qwen2RMSNorm</c>: y = w · (x / sqrt(mean(x², -1) + eps)), the statistics in float32 and the normalised value
/// cast back to the input dtype before the weight multiplies it. Parameter: <c>weight</c> [dim], initialised to ones.
/// </summary>
public sealed class RmsNorm : Module
{
    /// <summary>A norm over the last dimension with the given weight [dim].</summary>
    public RmsNorm(Tensor weight, double eps)
    {
        Weight = RegisterParameter("weight", weight);
        Eps = eps;
    }

    /// <summary>The scale [dim].</summary>
    public Tensor Weight { get; }

    /// <summary>Added to the mean square (rms_norm_eps).</summary>
    public double Eps { get; }

    /// <summary>x [..., dim] → same shape.</summary>
    public Tensor Forward(Tensor x) => Ops.RmsNorm(x, Weight, Eps);
}
