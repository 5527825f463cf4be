using PerceptionJudge.Kernels.LossAgg;
using static PerceptionJudge.Kernels.PolicyLoss.PolicyLossMath;

namespace PerceptionJudge.Kernels.PolicyLoss;

/// <summary>
/// Scalar specification of the verl v0.6.0 policy losses (<c>verl/trainer/ppo/core_algos.py</c>,
/// <c>compute_policy_loss_*</c>; sapo and cispo as added to that file after v0.6.0). Element-wise math in float32
/// like torch, sums in double; gradients are torch autograd's (tie rules in <see cref="PolicyLossMath"/>).
/// With d = log_prob − old_log_prob, masked_mean(v) = Σ v·m / (Σ m + 1e-8), ε_l/ε_h the clip ratios:
/// <list type="bullet">
/// <item>vanilla: nak = clamp(d, ±20), r = e^nak, L1 = −A·r, L2 = −A·clamp(r, 1−ε_l, 1+ε_h), C1 = max(L1, L2),
/// L3 = −A·clip_ratio_c, loss = agg(A &lt; 0 ? min(L3, C1) : C1); pg_clipfrac = masked_mean(L2 &gt; L1);
/// pg_clipfrac_lower = masked_mean(C1 &gt; L3 ∧ A &lt; 0); ppo_kl = masked_mean(−nak).</item>
/// <item>gspo: s_i = exp(min(Σ_t d·m / max(Σ_t m, 1), 10)) per row with ∂ log s / ∂ log_prob_t = 1 (stop-gradient
/// trick); loss = seq-mean-token-mean(max(−A·s, −A·clamp(s, 1−ε_l, 1+ε_h))); pg_clipfrac as vanilla, lower = 0,
/// ppo_kl = masked_mean(−d) (no ±20 clamp).</item>
/// <item>gpg: loss = agg(−log_prob·A); metrics 0.</item>
/// <item>cispo: r = e^clamp(d, ±20), loss = agg(−sg(clamp(r, 1−ε_l, 1+ε_h))·A·log_prob);
/// pg_clipfrac = masked_mean(r ≠ clamp(r)); lower = 0.</item>
/// <item>sapo: r = e^clamp(d, ±20), τ = A &gt; 0 ? τ⁺ : τ⁻, loss = seq-mean-token-mean(−σ(τ(r−1))·4/τ·A);
/// clipfracs 0.</item>
/// <item>geo_mean, kl_cov, clip_cov: see <see cref="CovLosses"/>.</item>
/// </list>
/// </summary>
public sealed class PolicyLossReference : IPolicyLossKernels
{
    /// <inheritdoc />
    public PolicyLossResult Compute(
        PolicyLossMode mode, in PolicyLossInput input, Span<float> gradLogProb, PolicyLossOptions options) =>
        mode switch
        {
            PolicyLossMode.Vanilla => Vanilla(input, gradLogProb, options),
            _ => Shared(mode, input, gradLogProb, options),
        };

    /// <summary>The modes whose only implementation is this scalar code (every backend calls it).</summary>
    internal static PolicyLossResult Shared(
        PolicyLossMode mode, in PolicyLossInput input, Span<float> grad, PolicyLossOptions options) => mode switch
        {
            PolicyLossMode.Gspo => Gspo(input, grad, options),
            PolicyLossMode.Gpg => Gpg(input, grad, options),
            PolicyLossMode.Cispo => Cispo(input, grad, options),
            PolicyLossMode.Sapo => Sapo(input, grad, options),
            PolicyLossMode.GeoMean => CovLosses.GeoMean(input, grad, options),
            PolicyLossMode.KlCov => CovLosses.KlCov(input, grad, options),
            PolicyLossMode.ClipCov => CovLosses.ClipCov(input, grad, options),
            PolicyLossMode.Vanilla => Vanilla(input, grad, options),
            _ => throw new ArgumentOutOfRangeException(nameof(mode)),
        };

    private static PolicyLossResult Vanilla(in PolicyLossInput input, Span<float> grad, PolicyLossOptions options)
    {
        int n = input.Rows * input.Cols;
        var pg = new float[n];
        var dpg = new float[n];
        float lower = (float)(1.0 - options.Low), upper = (float)(1.0 + options.High);
        double nakSum = 0, clipSum = 0, lowerSum = 0;
        for (int k = 0; k < n; k++)
        {
            VanillaToken(input.OldLogProb[k], input.LogProb[k], input.Advantages[k], lower, upper,
                options.ClipRatioC, out var t);
            float m = input.ResponseMask[k];
            pg[k] = t.Loss;
            dpg[k] = t.Grad;
            nakSum -= (double)t.Nak * m;
            clipSum += t.Clipped ? m : 0;
            lowerSum += t.ClippedLower ? m : 0;
        }

        double maskSum = MaskSum(input.ResponseMask);
        float loss = Aggregate(
            LossAggregation.Parse(options.LossAggMode), pg, dpg, input, grad, options.LossScaleFactor);
        return new(loss, MaskedMean(clipSum, maskSum), MaskedMean(nakSum, maskSum), MaskedMean(lowerSum, maskSum));
    }

    private static PolicyLossResult Gspo(in PolicyLossInput input, Span<float> grad, PolicyLossOptions options)
    {
        int rows = input.Rows, cols = input.Cols;
        var pg = new float[rows * cols];
        var dpg = new float[rows * cols];
        float lower = (float)(1.0 - options.Low), upper = (float)(1.0 + options.High);
        double nakSum = 0, clipSum = 0;
        for (int i = 0; i < rows; i++)
        {
            double seqSum = 0, len = 0;
            for (int t = 0; t < cols; t++)
            {
                int k = i * cols + t;
                seqSum += (double)(input.LogProb[k] - input.OldLogProb[k]) * input.ResponseMask[k];
                len += input.ResponseMask[k];
            }

            float s = GspoSeqRatio(seqSum, len, out float pass);
            for (int t = 0; t < cols; t++)
            {
                int k = i * cols + t;
                pg[k] = GspoToken(s, pass, input.Advantages[k], lower, upper, out dpg[k], out bool clipped);
                float m = input.ResponseMask[k];
                nakSum -= (double)(input.LogProb[k] - input.OldLogProb[k]) * m;
                clipSum += clipped ? m : 0;
            }
        }

        double maskSum = MaskSum(input.ResponseMask);
        float loss = Aggregate(AggMode.SeqMeanTokenMean, pg, dpg, input, grad, null);
        return new(loss, MaskedMean(clipSum, maskSum), MaskedMean(nakSum, maskSum), 0f);
    }

    private static PolicyLossResult Gpg(in PolicyLossInput input, Span<float> grad, PolicyLossOptions options)
    {
        int n = input.Rows * input.Cols;
        var pg = new float[n];
        var dpg = new float[n];
        for (int k = 0; k < n; k++)
        {
            pg[k] = -input.LogProb[k] * input.Advantages[k];
            dpg[k] = -input.Advantages[k];
        }

        var mode = LossAggregation.Parse(options.LossAggMode);
        return new(Aggregate(mode, pg, dpg, input, grad, options.LossScaleFactor), 0f, 0f, 0f);
    }

    private static PolicyLossResult Cispo(in PolicyLossInput input, Span<float> grad, PolicyLossOptions options)
    {
        int n = input.Rows * input.Cols;
        var pg = new float[n];
        var dpg = new float[n];
        float lower = (float)(1.0 - options.Low), upper = (float)(1.0 + options.High);
        double nakSum = 0, clipSum = 0;
        for (int k = 0; k < n; k++)
        {
            pg[k] = CispoToken(input.OldLogProb[k], input.LogProb[k], input.Advantages[k], lower, upper, out dpg[k],
                out float nak, out bool clipped);
            float m = input.ResponseMask[k];
            nakSum -= (double)nak * m;
            clipSum += clipped ? m : 0;
        }

        double maskSum = MaskSum(input.ResponseMask);
        float loss = Aggregate(
            LossAggregation.Parse(options.LossAggMode), pg, dpg, input, grad, options.LossScaleFactor);
        return new(loss, MaskedMean(clipSum, maskSum), MaskedMean(nakSum, maskSum), 0f);
    }

    private static PolicyLossResult Sapo(in PolicyLossInput input, Span<float> grad, PolicyLossOptions options)
    {
        int n = input.Rows * input.Cols;
        var pg = new float[n];
        var dpg = new float[n];
        double nakSum = 0;
        for (int k = 0; k < n; k++)
        {
            pg[k] = SapoToken(input.OldLogProb[k], input.LogProb[k], input.Advantages[k], options.TauPos,
                options.TauNeg, out dpg[k], out float nak);
            nakSum -= (double)nak * input.ResponseMask[k];
        }

        float loss = Aggregate(AggMode.SeqMeanTokenMean, pg, dpg, input, grad, null);
        return new(loss, 0f, MaskedMean(nakSum, MaskSum(input.ResponseMask)), 0f);
    }
}
