using PerceptionJudge.Kernels.Kl;
using PerceptionJudge.Kernels.LossAgg;
using PerceptionJudge.Kernels.PolicyLoss;
using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Training.Grpo;

/// <summary>The loss of one micro-batch and its terms (verl actor metrics).</summary>
/// <param name="Loss">The scaled total that was differentiated.</param>
/// <param name="PgLoss">Policy-gradient loss.</param>
/// <param name="PgClipfrac">Share of clipped tokens.</param>
/// <param name="PpoKl">Mean old − new log-prob.</param>
/// <param name="KlLoss">Aggregated KL(π‖π_ref) estimate (0 when the KL loss is off).</param>
/// <param name="Entropy">Aggregated token entropy.</param>
public readonly record struct LossTerms(
    double Loss, double PgLoss, double PgClipfrac, double PpoKl, double KlLoss, double Entropy);

/// <summary>
/// The actor loss of verl's <c>dp_actor.update_policy</c>, computed by our kernels on host arrays [rows·cols]:
/// <code>
/// loss = (pg_loss(loss_mode) + kl_coef · agg(kl(logp, ref_logp)) − entropy_coeff · agg(entropy)) · scale
/// </code>
/// with agg the loss_agg_mode and <c>scale</c> the micro-batch's share of its mini-batch (verl: 1 / gradient
/// accumulation steps). Writes d loss / d logp and d loss / d entropy for <see cref="SequenceBatch"/>'s backward.
/// </summary>
public static class GrpoLoss
{
    /// <summary>Computes the loss terms and gradients; see the type summary.</summary>
    public static LossTerms Compute(
        AlgorithmConfig config, ReadOnlySpan<float> logProb, ReadOnlySpan<float> oldLogProb,
        ReadOnlySpan<float> refLogProb, ReadOnlySpan<float> entropy, ReadOnlySpan<float> advantages,
        ReadOnlySpan<float> mask, int rows, int cols, float scale, Span<float> gradLogProb, Span<float> gradEntropy)
    {
        int n = rows * cols;
        var options = new PolicyLossOptions
        {
            LossAggMode = config.LossAggMode,
            ClipRatioLow = (float)config.ClipRatioLow,
            ClipRatioHigh = (float)config.ClipRatioHigh,
            ClipRatioC = (float)config.ClipRatioC,
        };
        var pg = PolicyLoss.Compute(
            config.PolicyLoss, new PolicyLossInput(oldLogProb, logProb, advantages, mask, rows, cols), gradLogProb,
            options);
        double total = pg.PgLoss, klLoss = 0;
        var agg = new float[n];
        if (config.UseKlLoss)
        {
            var kl = new float[n];
            var dkl = new float[n];
            KlPenalty.Compute(config.KlLossType, logProb, refLogProb, kl, dkl);
            klLoss = LossAggregation.Aggregate(config.LossAggMode, kl, mask, rows, cols, agg);
            float coef = (float)config.KlLossCoef;
            for (int i = 0; i < n; i++)
            {
                gradLogProb[i] += coef * agg[i] * dkl[i];
            }

            total += config.KlLossCoef * klLoss;
        }

        double entropyLoss = LossAggregation.Aggregate(config.LossAggMode, entropy, mask, rows, cols, agg);
        float entropyCoef = (float)config.EntropyCoeff;
        for (int i = 0; i < n; i++)
        {
            gradEntropy[i] = -entropyCoef * agg[i] * scale;
            gradLogProb[i] *= scale;
        }

        total -= config.EntropyCoeff * entropyLoss;
        return new LossTerms(total * scale, pg.PgLoss, pg.PgClipfrac, pg.PpoKl, klLoss, entropyLoss);
    }
}
