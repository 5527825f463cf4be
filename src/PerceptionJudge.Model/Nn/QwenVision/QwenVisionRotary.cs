using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.QwenVision;

/// <summary>
/// HF <c>VisionRotaryEmbedding(head_dim / 2, theta)</c> and <c>rot_pos_emb</c> (modeling_qwen2_vl.py): inv_freq[j] =
/// 1 / theta^(2j / dim) in float32 for j &lt; dim / 2 (dim = head_dim / 2); a patch at (row, col) gets
/// freqs = [row · inv_freq, col · inv_freq] (float32 products), emb = cat(freqs, freqs) of width head_dim, and the
/// attention rotates q and k by cos(emb), sin(emb). No parameters (HF's inv_freq is a non-persistent buffer).
/// </summary>
public sealed class QwenVisionRotary
{
    private readonly float[] _invFreq;

    /// <summary>Rotary for heads of width <paramref name="headDim"/> (a multiple of 4).</summary>
    public QwenVisionRotary(int headDim, double theta = 10000.0)
    {
        if (headDim <= 0 || headDim % 4 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "vision head_dim must be a multiple of 4");
        }
        HeadDim = headDim;
        var dim = headDim / 2;
        _invFreq = new float[dim / 2];
        for (var j = 0; j < _invFreq.Length; j++)
        {
            // torch: arange(0, dim, 2, float32) / dim, theta ** that, reciprocal, all float32.
            var exponent = (float)(2 * j) / dim;
            _invFreq[j] = 1f / MathF.Pow((float)theta, exponent);
        }
    }

    /// <summary>Head width.</summary>
    public int HeadDim { get; }

    /// <summary>inv_freq, head_dim / 4 values.</summary>
    public IReadOnlyList<float> InvFreq => _invFreq;

    /// <summary>
    /// The rotary angles emb [L, head_dim] (float32) of patches at <paramref name="positions"/>, in that order:
    /// row frequencies, column frequencies, then both again.
    /// </summary>
    public Tensor Angles(IReadOnlyList<(int Row, int Col)> positions)
    {
        int quarter = _invFreq.Length, half = 2 * quarter;
        var emb = new float[positions.Count * HeadDim];
        for (var i = 0; i < positions.Count; i++)
        {
            var (row, col) = positions[i];
            var at = i * HeadDim;
            for (var j = 0; j < quarter; j++)
            {
                float fr = row * _invFreq[j], fc = col * _invFreq[j];
                emb[at + j] = fr;
                emb[at + quarter + j] = fc;
                emb[at + half + j] = fr;
                emb[at + half + quarter + j] = fc;
            }
        }
        return Tensor.From<float>(emb, positions.Count, HeadDim);
    }

    /// <summary>(cos, sin) [L, head_dim] float32 of <see cref="Angles"/>.</summary>
    public (Tensor Cos, Tensor Sin) CosSin(IReadOnlyList<(int Row, int Col)> positions)
    {
        using var scope = LibTorch.NewDisposeScope();
        var emb = Angles(positions);
        return (Ops.Cos(emb).MoveToOuterDisposeScope(), Ops.Sin(emb).MoveToOuterDisposeScope());
    }

    /// <summary>
    /// HF apply_rotary_pos_emb_vision for one of q/k [heads, L, head_dim]: x·cos + rotate_half(x)·sin computed in
    /// float32, cast back to x's dtype.
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = LibTorch.NewDisposeScope();
        var rotated = x.Dtype == DType.Float32
            ? Ops.Rotary(x, cos, sin)
            : Ops.Rotary(x.To(DType.Float32), cos, sin).To(x.Dtype);
        return rotated.MoveToOuterDisposeScope();
    }
}
