using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn;

/// <summary>
/// y = x·Wᵀ + b (PyTorch <c>nn.Linear</c>; <c>weight</c> is [out, in]), then the optional <see cref="Adapter"/>.
/// Parameters are named <c>weight</c> and <c>bias</c>, as in HF checkpoints.
/// </summary>
public sealed class Linear : Module
{
    /// <summary>A layer with the given weight [out, in] and optional bias [out]; takes ownership of both.</summary>
    public Linear(Tensor weight, Tensor? bias = null, bool trainable = true)
    {
        if (weight.Dim != 2)
        {
            throw new ArgumentException($"Linear weight must be [out, in], got [{string.Join(", ", weight.Shape)}]");
        }
        if (bias is not null && (bias.Dim != 1 || bias.Size(0) != weight.Size(0)))
        {
            throw new ArgumentException(
                $"Linear bias must be [{weight.Size(0)}], got [{string.Join(", ", bias.Shape)}]");
        }
        OutFeatures = weight.Size(0);
        InFeatures = weight.Size(1);
        Weight = RegisterParameter("weight", weight, trainable);
        Bias = bias is null ? null : RegisterParameter("bias", bias, trainable);
    }

    /// <summary>A layer initialised N(0, std²) with a zero bias, reproducible for <paramref name="seed"/>.</summary>
    public static Linear Create(long inFeatures, long outFeatures, bool bias, ulong seed, double std = 0.02)
    {
        var w = Ops.Mul(Tensor.Randn([outFeatures, inFeatures], seed), std);
        return new Linear(w, bias ? Tensor.Zeros([outFeatures]) : null);
    }

    /// <summary>Input width.</summary>
    public long InFeatures { get; }

    /// <summary>Output width.</summary>
    public long OutFeatures { get; }

    /// <summary>The weight [out, in].</summary>
    public Tensor Weight { get; }

    /// <summary>The bias [out], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>An attached update (LoRA), or null.</summary>
    public ILinearAdapter? Adapter { get; set; }

    /// <summary>x [..., in] → [..., out].</summary>
    public Tensor Forward(Tensor x)
    {
        var y = Ops.Linear(x, Weight, Bias);
        return Adapter is null ? y : Adapter.Apply(x, y);
    }
}
