using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.Qwen2;

/// <summary>
/// Rotary position embedding tables (Su et al. 2021) as HF <c>Qwen2RotaryEmbedding</c> (default rope type) computes
/// them: inv_freq[i] = 1 / θ^(2i / d) for i &lt; d/2, angle = position · inv_freq in float32, emb = cat(angle, angle),
/// and cos/sin of emb. <see cref="Ops.Rotary"/> then applies x·cos + rotate_half(x)·sin. No parameters: HF keeps
/// inv_freq as a non-persistent buffer, so checkpoints do not hold it.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly float[] _invFreq;

    /// <summary>Tables for heads of even width <paramref name="headDim"/>, base <paramref name="theta"/>.</summary>
    public RotaryEmbedding(int headDim, double theta)
    {
        if (headDim <= 0 || headDim % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "RoPE head dim must be even and > 0");
        }
        HeadDim = headDim;
        Theta = theta;
        _invFreq = new float[headDim / 2];
        for (var i = 0; i < _invFreq.Length; i++)
        {
            // HF: 1.0 / (base ** (arange(0, dim, 2).float() / dim)), float32.
            _invFreq[i] = (float)(1.0 / Math.Pow(theta, (float)(2 * i) / headDim));
        }
    }

    /// <summary>Per-head width.</summary>
    public int HeadDim { get; }

    /// <summary>RoPE base (rope_theta).</summary>
    public double Theta { get; }

    /// <summary>The inverse frequencies, d/2 of them.</summary>
    public ReadOnlySpan<float> InverseFrequencies => _invFreq;

    /// <summary>
    /// cos and sin for int64 <paramref name="positionIds"/> [B, T], each [B, 1, T, d] (the 1 broadcasts over heads).
    /// </summary>
    public (Tensor Cos, Tensor Sin) Compute(Tensor positionIds)
    {
        using var scope = LibTorch.NewDisposeScope();
        var invFreq = Tensor.From<float>(_invFreq, _invFreq.Length);
        var angles = Ops.Mul(positionIds.To(DType.Float32).Unsqueeze(-1), invFreq);
        var emb = Ops.Cat([angles, angles], -1).Unsqueeze(1);
        return (Ops.Cos(emb).MoveToOuterDisposeScope(), Ops.Sin(emb).MoveToOuterDisposeScope());
    }
}
