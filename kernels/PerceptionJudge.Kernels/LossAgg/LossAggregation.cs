using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.LossAgg;

/// <summary>
/// verl v0.6.0 <c>agg_loss</c> by name, on <see cref="KernelBackend.Current"/>. Modes: <c>token-mean</c>,
/// <c>seq-mean-token-sum</c>, <c>seq-mean-token-mean</c>, <c>seq-mean-token-sum-norm</c> (see
/// <see cref="LossAggReference"/> for the formulas and normalisers). Fully masked rows follow verl v0.6.1's
/// non-empty-row rule, a deliberate difference from v0.6.0 stated there.
/// </summary>
public static class LossAggregation
{
    private static readonly Registry<ModeEntry> s_modes = new Registry<ModeEntry>("loss_agg_mode")
        .Add("token-mean", new(AggMode.TokenMean))
        .Add("seq-mean-token-sum", new(AggMode.SeqMeanTokenSum))
        .Add("seq-mean-token-mean", new(AggMode.SeqMeanTokenMean))
        .Add("seq-mean-token-sum-norm", new(AggMode.SeqMeanTokenSumNorm));

    /// <summary>The registered mode names (verl spelling), sorted.</summary>
    public static IReadOnlyList<string> Modes => s_modes.Names;

    /// <summary>
    /// Aggregates <paramref name="lossMat"/> [rows*cols] under <paramref name="lossMask"/>; when
    /// <paramref name="gradLossMat"/> is non-empty (length rows*cols) it receives d loss / d loss_mat.
    /// <paramref name="lossScaleFactor"/> (verl <c>loss_scale_factor</c>) replaces cols as the divisor of
    /// seq-mean-token-sum-norm. Throws <see cref="KernelInputException"/> for an unknown mode, bad shapes or NaN/Inf.
    /// </summary>
    public static float Aggregate(
        string mode, ReadOnlySpan<float> lossMat, ReadOnlySpan<float> lossMask, int rows, int cols,
        Span<float> gradLossMat = default, float? lossScaleFactor = null)
    {
        var m = Parse(mode);
        Validate(lossMat, lossMask, rows, cols, gradLossMat);
        ValidateScaleFactor(lossScaleFactor);
        return LossAggKernels.For(KernelBackend.Current).Aggregate(
            m, lossMat, lossMask, rows, cols, gradLossMat, lossScaleFactor);
    }

    /// <summary>Maps a verl mode name to <see cref="AggMode"/>; an unknown name lists the valid ones.</summary>
    public static AggMode Parse(string mode) => s_modes.Get(mode).Mode;

    /// <summary>Shape and finiteness checks shared with the policy losses.</summary>
    internal static void Validate(
        ReadOnlySpan<float> lossMat, ReadOnlySpan<float> lossMask, int rows, int cols, Span<float> gradLossMat)
    {
        Guard.Positive(rows, "rows");
        Guard.Positive(cols, "cols");
        Guard.Length(lossMat, rows * cols, "loss_mat");
        Guard.Length(lossMask, rows * cols, "loss_mask");
        if (!gradLossMat.IsEmpty)
        {
            Guard.Length(gradLossMat, rows * cols, "grad_loss_mat");
        }

        Guard.Finite(lossMat, "loss_mat", cols);
        Guard.Finite(lossMask, "loss_mask", cols);
    }

    /// <summary>A loss_scale_factor, when given, must be finite and positive.</summary>
    internal static void ValidateScaleFactor(float? lossScaleFactor)
    {
        if (lossScaleFactor is float f && !(float.IsFinite(f) && f > 0))
        {
            throw new KernelInputException("loss_scale_factor", $"must be finite and positive, got {f}");
        }
    }

    private sealed record ModeEntry(AggMode Mode);
}
