using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn;

/// <summary>A lookup table (PyTorch <c>nn.Embedding</c>): row i of <c>weight</c> [num, dim] for id i.</summary>
public sealed class Embedding : Module
{
    /// <summary>A table with the given weight [num, dim]; takes ownership of it.</summary>
    public Embedding(Tensor weight, bool trainable = true)
    {
        if (weight.Dim != 2)
        {
            throw new ArgumentException(
                $"Embedding weight must be [num, dim], got [{string.Join(", ", weight.Shape)}]");
        }
        Weight = RegisterParameter("weight", weight, trainable);
    }

    /// <summary>The table [num, dim].</summary>
    public Tensor Weight { get; }

    /// <summary>Rows for int64 <paramref name="ids"/> [...] → [..., dim].</summary>
    public Tensor Forward(Tensor ids) => Ops.Embedding(Weight, ids);
}
