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
        float nak = Clamp(diff, -20f, 20f);
        float inRange = diff >= -20f && diff <= 20f ? 1f : 0f;
        float ratio = MathF.Exp(nak);
        float negA = -adv;
        float l1 = negA * ratio;
        float l2 = negA * Clamp(ratio, lower, upper);
        float dl1 = negA * ratio;
        float dl2 = ratio >= lower && ratio <= upper ? dl1 : 0f;
        float c1 = Maximum(l1, dl1, l2, dl2, out float dc1);
        float l3 = negA * clipC;
        float c2 = Minimum(l3, 0f, c1, dc1, out float dc2);
        bool neg = adv < 0;
        token = new VanillaToken(
            neg ? c2 : c1, (neg ? dc2 : dc1) * inRange, nak, l2 > l1, c1 > l3 && neg);
    }

    /// <summary>gspo's sequence ratio s = exp(min(Σ_t d·m / max(Σ_t m, 1), 10)); <paramref name="pass"/> is 1 where
    /// the min passes the gradient (log s ≤ 10).</summary>
    public static float GspoSeqRatio(double seqSum, double length, out float pass)
    {
        float logS = (float)(seqSum / Math.Max(length, 1.0));
        pass = logS <= 10f ? 1f : 0f;
        return MathF.Exp(Math.Min(logS, 10f));
    }

    /// <summary>One gspo token: max(−A·s, −A·clamp(s, lower, upper)) and d/d log_prob (∂ log s / ∂ log_prob = 1).
    /// </summary>
    public static float GspoToken(
        float s, float pass, float adv, float lower, float upper, out float grad, out bool clipped)
    {
        bool inside = s >= lower && s <= upper;
        float negA = -adv;
        float l1 = negA * s, l2 = negA * Clamp(s, lower, upper);
        float dl1 = negA * s * pass;
        clipped = l2 > l1;
        return Maximum(l1, dl1, l2, inside ? dl1 : 0f, out grad);
    }

    /// <summary>One cispo token: −sg(clamp(r, lower, upper))·A·log_prob, r = e^clamp(d, ±20), and its gradient.
    /// </summary>
    public static float CispoToken(
        float old, float logProb, float adv, float lower, float upper, out float grad, out float nak,
        out bool clipped)
    {
        nak = Clamp(logProb - old, -20f, 20f);
        float ratio = MathF.Exp(nak);
        float clippedRatio = Clamp(ratio, lower, upper);
        clipped = ratio != clippedRatio;
        grad = -clippedRatio * adv;
        return -clippedRatio * adv * logProb;
    }

    /// <summary>One sapo token: −σ(τ(r − 1))·4/τ·A with τ = A &gt; 0 ? τ⁺ : τ⁻, r = e^clamp(d, ±20); the
    /// gradient d gate / d nak = σ(1−σ)·τ·r·4/τ = 4·σ(1−σ)·r, zero outside the clamp.</summary>
    public static float SapoToken(
        float old, float logProb, float adv, float tauPos, float tauNeg, out float grad, out float nak)
    {
        float diff = logProb - old;
        nak = Clamp(diff, -20f, 20f);
        float inRange = diff >= -20f && diff <= 20f ? 1f : 0f;
        float ratio = MathF.Exp(nak);
        float tau = adv > 0 ? tauPos : tauNeg;
        float sig = 1f / (1f + MathF.Exp(-(tau * (ratio - 1f))));
        grad = -adv * (4f * sig * (1f - sig) * ratio) * inRange;
        return -(sig * (4f / tau)) * adv;
    }

    /// <summary>One kl_cov token: −A·e^d, plus ppo_kl_coef·|d| when <paramref name="selected"/>; and d/d log_prob.
    /// </summary>
    public static float KlCovToken(float old, float logProb, float adv, bool selected, float coef, out float grad)
    {
        float d = logProb - old;
        float ratio = MathF.Exp(d);
        grad = -adv * ratio;
        if (!selected)
        {
            return -adv * ratio;
        }

        grad += coef * (d > 0 ? 1f : d < 0 ? -1f : 0f);
        return -adv * MathF.Exp(d) + coef * MathF.Abs(d);
    }

    /// <summary>One clip_cov token before the drop: max(−A·e^d, −A·clamp(e^d, lower, upper)) and its gradient;
    /// <paramref name="clipped"/> when the clipped branch is strictly larger.</summary>
    public static float ClipCovToken(
        float old, float logProb, float adv, float lower, float upper, out float grad, out bool clipped)
    {
        float ratio = MathF.Exp(logProb - old);
        float negA = -adv;
        float l1 = negA * ratio, l2 = negA * Clamp(ratio, lower, upper);
        float dl1 = negA * ratio;
        clipped = l2 > l1;
        return Maximum(l1, dl1, l2, ratio >= lower && ratio <= upper ? dl1 : 0f, out grad);
    }

    /// <summary>
    /// One geo_mean token: σ = sign(A), dc = clamp(d, −lo, hi), q = σ·min(σ·d, σ·dc) (returned) and
    /// <paramref name="grad"/> = d q / d d: the gradient reaches d through σ·d always and through σ·dc only inside the
    /// clamp; the two are equal only inside it (or when A = 0), so the tie split sums to the full gradient there.
    /// </summary>
    public static float GeoToken(float d, float adv, float lo, float hi, out float grad, out bool clipped)
    {
        float sgn = adv > 0 ? 1f : adv < 0 ? -1f : 0f;
        float dc = Clamp(d, -lo, hi);
        bool inside = d >= -lo && d <= hi;
        float u = sgn * d, v = sgn * dc;
        clipped = d != dc;
        grad = sgn * sgn * (u < v || (u == v && inside) ? 1f : 0f);
        return sgn * Math.Min(u, v);
    }

    /// <summary><c>min(max(x, lo), hi)</c> with NaN passing through, as <see cref="Math.Clamp(float, float, float)"/>
    /// for lo ≤ hi, which device code cannot call (it may throw); the ILGPU kernels run these token functions.
    /// </summary>
    public static float Clamp(float x, float lo, float hi) => x < lo ? lo : x > hi ? hi : x;
}

/// <summary>Per-token result of <see cref="PolicyLossMath.VanillaToken"/>.</summary>
internal readonly record struct VanillaToken(float Loss, float Grad, float Nak, bool Clipped, bool ClippedLower);
