using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.Vision;

/// <summary>
/// Bidirectional multi-head self-attention over patches, fused projection as in Qwen2-VL's vision blocks:
/// <c>qkv</c> [3D, D] (rows: q, then k, then v), <c>proj</c> [D, D], both with bias; scores scaled by d^−½.
/// </summary>
public sealed class VisionAttention : Module
{
    /// <summary>Attention of width <paramref name="width"/> over <paramref name="heads"/> heads.</summary>
    public VisionAttention(long width, int heads, Initializer init)
    {
        if (width % heads != 0)
        {
            throw new ArgumentException($"vision width {width} is not a multiple of {heads} heads");
        }
        Width = width;
        NumHeads = heads;
        Qkv = RegisterModule("qkv", init.Linear(width, 3 * width, bias: true));
        Proj = RegisterModule("proj", init.Linear(width, width, bias: true));
    }

    /// <summary>Width D.</summary>
    public long Width { get; }

    /// <summary>Heads.</summary>
    public int NumHeads { get; }

    /// <summary>Fused q/k/v projection.</summary>
    public Linear Qkv { get; }

    /// <summary>Output projection.</summary>
    public Linear Proj { get; }

    /// <summary>x [N, P, D] → [N, P, D].</summary>
    public Tensor Forward(Tensor x)
    {
        using var scope = LibTorch.NewDisposeScope();
        long n = x.Size(0), p = x.Size(1), d = Width / NumHeads;
        var qkv = Qkv.Forward(x);
        var attended = Ops.ScaledDotProductAttention(Heads(0), Heads(1), Heads(2));
        return Proj.Forward(attended.Transpose(1, 2).Reshape(n, p, Width)).MoveToOuterDisposeScope();

        Tensor Heads(int which) => qkv.Narrow(-1, which * Width, Width).Reshape(n, p, NumHeads, d).Transpose(1, 2);
    }
}
