using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Nn.Qwen2;

/// <summary>
/// Rotary position embedding tables (Su et al. 2021) as HF <c>Qwen2RotaryEmbedding</c> (default rope type) computes
/// them: inv_freq[i] = 1 / θ^(2i / d) for i &lt; d/2, angle = position · inv_freq in float32, emb = cat(angle, angle),
/// and cos/sin of emb. <see cref="Ops.Rotary"/> then applies x·cos + rotate_half(x)·sin. No parameters: HF keeps
/// inv_freq as a non-persistent buffer, so checkpoints do not hold it. With an <see cref="MropeSection"/> it is also
/// Qwen2-VL's multimodal RoPE (HF <c>Qwen2VLRotaryEmbedding</c> + <c>apply_multimodal_rotary_pos_emb</c>): positions
/// [3, B, T] (temporal, height, width) give one table per axis, and the section [s0, s1, s2] (Σ = d/2), doubled to
/// cover both halves of emb, picks the columns: chunk k of the split by [s0, s1, s2, s0, s1, s2] comes from axis k mod 3.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly float[] _invFreq;
    private readonly int[]? _mropeSection;

    /// <summary>
    /// Tables for heads of even width <paramref name="headDim"/>, base <paramref name="theta"/>; with
    /// <paramref name="mropeSection"/> (three positive widths summing to headDim / 2) also M-RoPE.
    /// </summary>
    public RotaryEmbedding(int headDim, double theta, IReadOnlyList<int>? mropeSection = null)
    {
        if (headDim <= 0 || headDim % 2 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(headDim), headDim, "RoPE head dim must be even and > 0");
        }
        if (mropeSection is not null
            && (mropeSection.Count != 3 || mropeSection.Any(s => s <= 0) || mropeSection.Sum(s => (long)s) != headDim / 2))
        {
            throw new ArgumentException(
                $"mrope_section [{string.Join(", ", mropeSection)}] must be three positive widths summing to " +
                $"head_dim / 2 = {headDim / 2}", nameof(mropeSection));
        }
        HeadDim = headDim;
        Theta = theta;
        _mropeSection = mropeSection?.ToArray();
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

    /// <summary>M-RoPE widths (temporal, height, width) in frequencies, or null for plain RoPE.</summary>
    public IReadOnlyList<int>? MropeSection => _mropeSection;

    /// <summary>The inverse frequencies, d/2 of them.</summary>
    public ReadOnlySpan<float> InverseFrequencies => _invFreq;

    /// <summary>
    /// cos and sin for int64 <paramref name="positionIds"/>, each [B, 1, T, d] (the 1 broadcasts over heads).
    /// Positions are [B, T] (plain RoPE; for M-RoPE the same as three equal axes) or, with an
    /// <see cref="MropeSection"/>, [3, B, T].
    /// </summary>
    public (Tensor Cos, Tensor Sin) Compute(Tensor positionIds)
    {
        if (positionIds.Dim == 3)
        {
            return ComputeMultimodal(positionIds);
        }
        if (positionIds.Dim != 2)
        {
            throw new ArgumentException(
                "position_ids must be [batch, length] or [3, batch, length], got " +
                $"[{string.Join(", ", positionIds.Shape)}]");
        }
        using var scope = LibTorch.NewDisposeScope();
        var invFreq = Tensor.From<float>(_invFreq, _invFreq.Length);
        var angles = Ops.Mul(positionIds.To(DType.Float32).Unsqueeze(-1), invFreq);
        var emb = Ops.Cat([angles, angles], -1).Unsqueeze(1);
        return (Ops.Cos(emb).MoveToOuterDisposeScope(), Ops.Sin(emb).MoveToOuterDisposeScope());
    }

    private (Tensor Cos, Tensor Sin) ComputeMultimodal(Tensor positionIds)
    {
        if (_mropeSection is not { } section)
        {
            throw new ArgumentException(
                "position_ids [3, batch, length] need M-RoPE (rope_scaling.mrope_section); this model uses plain RoPE");
        }
        if (positionIds.Size(0) != 3)
        {
            throw new ArgumentException(
                $"M-RoPE position_ids must be [3, batch, length], got [{string.Join(", ", positionIds.Shape)}]");
        }
        using var scope = LibTorch.NewDisposeScope();
        var invFreq = Tensor.From<float>(_invFreq, _invFreq.Length);
        // [3, B, T, d/2] in float32, as HF's inv_freq[None, None, :, None] @ position_ids[:, :, None, :].
        var angles = Ops.Mul(positionIds.To(DType.Float32).Unsqueeze(-1), invFreq);
        var emb = Ops.Cat([angles, angles], -1);
        var cos = Ops.Cos(emb);
        var sin = Ops.Sin(emb);
        return (SelectSections(cos).Unsqueeze(1).MoveToOuterDisposeScope(),
            SelectSections(sin).Unsqueeze(1).MoveToOuterDisposeScope());

        // [3, B, T, d] → [B, T, d]: chunk k of (section ++ section) taken from axis k mod 3.
        Tensor SelectSections(Tensor table)
        {
            var chunks = new List<Tensor>(2 * section.Length);
            long start = 0;
            for (var k = 0; k < 2 * section.Length; k++)
            {
                var width = section[k % section.Length];
                chunks.Add(table.Narrow(0, k % 3, 1).Squeeze(0).Narrow(-1, start, width));
                start += width;
            }
            return Ops.Cat([.. chunks], -1);
        }
    }
}
