using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.LossAgg;

/// <summary>
/// Scalar specification of verl v0.6.0 <c>core_algos.agg_loss</c> (sums in double):
/// <list type="bullet">
/// <item><c>token-mean</c>: L = Σ_it m·x / (Σ_it m + 1e-8)  (verl_F.masked_mean).</item>
/// <item><c>seq-mean-token-sum</c>: r_i = Σ_t m·x; L = Σ_{i: Σm_i&gt;0} r_i / (#non-empty rows + 1e-8).</item>
/// <item><c>seq-mean-token-mean</c>: r_i = Σ_t m·x / (Σ_t m + 1e-8);
/// L = Σ_{non-empty} r_i / (#non-empty + 1e-8).</item>
/// <item><c>seq-mean-token-sum-norm</c>: L = Σ_it m·x / cols (loss_mask.shape[-1], Dr. GRPO's constant).</item>
/// </list>
/// Gradient: d L / d x[i,t] = m[i,t] · s_i with s_i the row's normaliser (0 for empty rows in seq-mean modes).
/// <para>
/// <b>Deliberate difference from verl v0.6.0: the non-empty-row rule of verl v0.6.1.</b> A fully masked row (no
/// response token) takes no part in the seq-mean modes. verl v0.6.0 (<c>agg_loss</c>, core_algos.py) gives NaN for
/// <c>seq-mean-token-mean</c> (0/0 for that row, then <c>torch.mean</c>) and divides <c>seq-mean-token-sum</c> by all
/// rows, empty ones included. verl v0.6.1 excludes such rows in both modes
/// (<c>seq_mask = (Σ_t m &gt; 0)</c>, <c>verl_F.masked_mean(seq_losses, seq_mask)</c>, so the divisor is
/// #non-empty + 1e-8), and we follow it; verl v0.7.0 keeps the rule but divides by <c>global_batch_size</c> (its
/// data-parallel form) without the 1e-8. With no empty row all three agree with v0.6.0 up to that 1e-8.
/// </para>
/// </summary>
public sealed class LossAggReference : ILossAggKernels
{
    /// <inheritdoc />
    public float Aggregate(
        AggMode mode, ReadOnlySpan<float> lossMat, ReadOnlySpan<float> lossMask, int rows, int cols,
        Span<float> gradLossMat, float? lossScaleFactor = null)
    {
        var rowLoss = new double[rows];
        var rowMask = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            for (int t = 0; t < cols; t++)
            {
                int k = i * cols + t;
                rowLoss[i] += (double)lossMat[k] * lossMask[k];
                rowMask[i] += lossMask[k];
            }
        }

        var rowScale = new double[rows];
        double loss = AggMath.Finish(mode, rowLoss, rowMask, lossScaleFactor ?? cols, rowScale);
        if (!gradLossMat.IsEmpty)
        {
            for (int k = 0; k < rows * cols; k++)
            {
                gradLossMat[k] = (float)(rowScale[k / cols] * lossMask[k]);
            }
        }

        return (float)loss;
    }
}
