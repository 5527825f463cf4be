using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn;

/// <summary>
/// PyTorch <c>nn.LayerNorm</c> over the last dimension: (x − mean) / sqrt(var + eps) · w + b, biased variance.
/// Parameters <c>weight</c> (ones) and <c>bias</c> (zeros), [dim].
/// </summary>
public sealed class LayerNorm : Module
{
    /// <summary>A norm with the given weight and bias [dim].</summary>
    public LayerNorm(Tensor weight, Tensor bias, double eps)
    {
        Weight = RegisterParameter("weight", weight);
        Bias = RegisterParameter("bias", bias);
        Eps = eps;
    }

    /// <summary>A norm of width <paramref name="dim"/> with weight 1 and bias 0.</summary>
    public static LayerNorm Create(long dim, double eps) => new(Initializer.Ones(dim), Initializer.Zeros(dim), eps);

    /// <summary>The scale [dim].</summary>
    public Tensor Weight { get; }

    /// <summary>The shift [dim].</summary>
    public Tensor Bias { get; }

    /// <summary>Added to the variance (layer_norm_eps).</summary>
    public double Eps { get; }

    /// <summary>x [..., dim] → same shape.</summary>
    public Tensor Forward(Tensor x) => Ops.LayerNorm(x, Weight, Bias, Eps);
}
