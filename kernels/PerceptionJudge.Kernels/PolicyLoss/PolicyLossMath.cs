using PerceptionJudge.Kernels.LossAgg;

namespace PerceptionJudge.Kernels.PolicyLoss;

/// <summary>
/// Scalar building blocks shared by every backend, written to mirror torch's float32 element-wise math and its
/// autograd rules: <c>clamp</c> passes the gradient on its closed range [min, max] and zero outside;
/// <c>torch.maximum</c>/<c>torch.minimum</c> send the gradient to the strictly larger/smaller input and split it
/// evenly (½ each) at an exact tie; <c>torch.where</c> routes it to the chosen branch; <c>abs</c> has gradient 0 at 0.
/// Reductions (masked means, aggregation) accumulate in double.
/// </summary>
internal static class PolicyLossMath
{
    /// <summary>verl_F.masked_mean epsilon.</summary>
    public const double Eps = 1e-8;

    private static readonly LossAggReference s_agg = new();

    /// <summary>torch.maximum(a, b) with its gradient (½ each at a tie).</summary>
    public static float Maximum(float a, float da, float b, float db, out float d)
    {
        d = a > b ? da : b > a ? db : 0.5f * (da + db);
        return a >= b ? a : b;
    }

    /// <summary>torch.minimum(a, b) with its gradient (½ each at a tie).</summary>
    public static float Minimum(float a, float da, float b, float db, out float d)
    {
        d = a < b ? da : b < a ? db : 0.5f * (da + db);
        return a <= b ? a : b;
    }

    /// <summary>masked_mean(values, mask) = Σ v·m / (Σ m + 1e-8).</summary>
    public static float MaskedMean(double sum, double maskSum) => (float)(sum / (maskSum + Eps));

    /// <summary>Σ m over the whole mask, in double.</summary>
    public static double MaskSum(ReadOnlySpan<float> mask)
    {
        double s = 0;
        foreach (float m in mask)
        {
            s += m;
        }

        return s;
    }

    /// <summary>
    /// agg_loss(pg, mask, mode) and, when <paramref name="grad"/> is non-empty, grad = d agg / d pg · dpg (chain rule).
    /// </summary>
    public static float Aggregate(
        AggMode mode, float[] pg, float[] dpg, in PolicyLossInput input, Span<float> grad, float? lossScaleFactor)
    {
        var dAgg = grad.IsEmpty ? [] : new float[pg.Length];
        float loss = s_agg.Aggregate(
            mode, pg, input.ResponseMask, input.Rows, input.Cols, dAgg, lossScaleFactor);
        for (int k = 0; k < dAgg.Length; k++)
        {
            grad[k] = dAgg[k] * dpg[k];
        }

        return loss;
    }

    /// <summary>One token of verl <c>compute_policy_loss_vanilla</c> (dual-clip PPO) and its d/d log_prob.</summary>
    /// <param name="old">old_log_prob.</param>
    /// <param name="logProb">log_prob.</param>
    /// <param name="adv">advantage A.</param>
    /// <param name="lower">1 − clip_ratio_low.</param>
    /// <param name="upper">1 + clip_ratio_high.</param>
    /// <param name="clipC">clip_ratio_c.</param>
    /// <param name="token">loss, gradient, clamped log-ratio and the two clip indicators.</param>
    public static void VanillaToken(
        float old, float logProb, float adv, float lower, float upper, float clipC, out VanillaToken token)
    {
        float diff = logProb - old;
        float nak = Math.Clamp(diff, -20f, 20f);
        float inRange = diff >= -20f && diff <= 20f ? 1f : 0f;
        float ratio = MathF.Exp(nak);
        float negA = -adv;
        float l1 = negA * ratio;
        float l2 = negA * Math.Clamp(ratio, lower, upper);
        float dl1 = negA * ratio;
        float dl2 = ratio >= lower && ratio <= upper ? dl1 : 0f;
        float c1 = Maximum(l1, dl1, l2, dl2, out float dc1);
        float l3 = negA * clipC;
        float c2 = Minimum(l3, 0f, c1, dc1, out float dc2);
        bool neg = adv < 0;
        token = new VanillaToken(
            neg ? c2 : c1, (neg ? dc2 : dc1) * inRange, nak, l2 > l1, c1 > l3 && neg);
    }
}

/// <summary>Per-token result of <see cref="PolicyLossMath.VanillaToken"/>.</summary>
internal readonly record struct VanillaToken(float Loss, float Grad, float Nak, bool Clipped, bool ClippedLower);
