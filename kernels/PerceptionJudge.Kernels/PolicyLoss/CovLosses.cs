using PerceptionJudge.Kernels.LossAgg;
using static PerceptionJudge.Kernels.PolicyLoss.PolicyLossMath;

namespace PerceptionJudge.Kernels.PolicyLoss;

/// <summary>
/// The row- and batch-coupled verl v0.6.0 losses (scalar, shared by every backend; d = log_prob − old_log_prob,
/// never clamped to ±20 in these three):
/// <list type="bullet">
/// <item>geo_mean (GMPO): σ = sign(A), dc = clamp(d, −ε_l, ε_h), q = σ·min(σ·d, σ·dc),
/// r_i = exp(Σ_t q·m / (Σ_t m + 1e-8)), Ā_i = Σ_t A·m / (Σ_t m + 1e-8), loss = mean_i(−Ā_i·r_i) over all rows
/// (loss_agg_mode unused); pg_clipfrac = masked_mean(d ≠ dc ∧ A &gt; 0), lower = masked_mean(d ≠ dc ∧ A &lt; 0).</item>
/// <item>kl_cov: L = −A·e^d; on the k = max(1, ⌊n·kl_cov_ratio⌋) valid tokens with the largest
/// cov = (A − mean A)(log_prob − mean log_prob) (means over valid tokens) L += ppo_kl_coef·|d|; ties broken by the
/// lower flat index; loss = agg(L); ppo_kl = masked_mean(|d|); clipfracs 0.</item>
/// <item>clip_cov: L1 = −A·e^d, L2 = −A·clamp(e^d, 1−ε_l, 1+ε_h); candidates are valid, unclipped (L2 ≤ L1) tokens
/// with clip_cov_lb &lt; (A − masked_mean A)(log_prob − masked_mean log_prob) &lt; clip_cov_ub, in row-major order;
/// max(1, ⌊clip_cov_ratio·Σm⌋) of them, drawn by a seeded partial Fisher–Yates shuffle (verl: torch.randperm), get
/// corr = 0; loss = agg(max(L1, L2)·corr); pg_clipfrac = masked_mean(corr = 0).</item>
/// </list>
/// </summary>
internal static class CovLosses
{
    public static PolicyLossResult GeoMean(in PolicyLossInput input, Span<float> grad, PolicyLossOptions options)
    {
        int rows = input.Rows, cols = input.Cols;
        float lo = options.Low, hi = options.High;
        double nakSum = 0, clipSum = 0, lowerSum = 0, loss = 0;
        var q = new float[cols];
        var g = new float[cols];
        for (int i = 0; i < rows; i++)
        {
            double qSum = 0, aSum = 0, len = 0;
            for (int t = 0; t < cols; t++)
            {
                int k = i * cols + t;
                float d = input.LogProb[k] - input.OldLogProb[k];
                float a = input.Advantages[k], m = input.ResponseMask[k];
                q[t] = GeoToken(d, a, lo, hi, out g[t], out bool clipped);
                qSum += (double)q[t] * m;
                aSum += (double)a * m;
                len += m;
                nakSum -= (double)d * m;
                clipSum += clipped && a > 0 ? m : 0;
                lowerSum += clipped && a < 0 ? m : 0;
            }

            float ratio = MathF.Exp((float)(qSum / (len + Eps)));
            float adv = (float)(aSum / (len + Eps));
            loss += -adv * ratio;
            if (!grad.IsEmpty)
            {
                double rowFactor = -(double)adv * ratio / ((len + Eps) * rows);
                for (int t = 0; t < cols; t++)
                {
                    int k = i * cols + t;
                    grad[k] = (float)(rowFactor * input.ResponseMask[k] * g[t]);
                }
            }
        }

        double maskSum = MaskSum(input.ResponseMask);
        return new((float)(loss / rows), MaskedMean(clipSum, maskSum), MaskedMean(nakSum, maskSum),
            MaskedMean(lowerSum, maskSum));
    }

    public static PolicyLossResult KlCov(in PolicyLossInput input, Span<float> grad, PolicyLossOptions options)
    {
        int n = input.Rows * input.Cols;
        var pg = new float[n];
        var dpg = new float[n];
        var selected = new bool[n];
        foreach (int k in TopCovariance(input, options.KlCovRatio))
        {
            selected[k] = true;
        }

        double absSum = 0;
        for (int k = 0; k < n; k++)
        {
            pg[k] = KlCovToken(input.OldLogProb[k], input.LogProb[k], input.Advantages[k], selected[k],
                options.PpoKlCoef, out dpg[k]);
            absSum += (double)MathF.Abs(input.LogProb[k] - input.OldLogProb[k]) * input.ResponseMask[k];
        }

        float loss = Aggregate(
            LossAggregation.Parse(options.LossAggMode), pg, dpg, input, grad, options.LossScaleFactor);
        return new(loss, 0f, MaskedMean(absSum, MaskSum(input.ResponseMask)), 0f);
    }

    /// <summary>Flat indices of the k valid tokens with the largest covariance (ties: lower index first).</summary>
    internal static List<int> TopCovariance(in PolicyLossInput input, double ratio)
    {
        var valid = new List<int>();
        double aMean = 0, lpMean = 0;
        for (int k = 0; k < input.ResponseMask.Length; k++)
        {
            if (input.ResponseMask[k] > 0)
            {
                valid.Add(k);
                aMean += input.Advantages[k];
                lpMean += input.LogProb[k];
            }
        }

        if (valid.Count == 0)
        {
            return valid;
        }

        float am = (float)(aMean / valid.Count), lm = (float)(lpMean / valid.Count);
        int take = Math.Max(1, (int)(valid.Count * ratio));

        // Min-heap of the best `take` (cov, index): the root is the worst kept, i.e. smallest cov, larger index.
        var heap = new PriorityQueue<int, (float Cov, int Index)>(take + 1, WorstFirst.Instance);
        foreach (int k in valid)
        {
            float cov = (input.Advantages[k] - am) * (input.LogProb[k] - lm);
            heap.Enqueue(k, (cov, k));
            if (heap.Count > take)
            {
                heap.Dequeue();
            }
        }

        var chosen = new List<int>(take);
        while (heap.Count > 0)
        {
            chosen.Add(heap.Dequeue());
        }

        chosen.Sort();
        return chosen;
    }

    public static PolicyLossResult ClipCov(in PolicyLossInput input, Span<float> grad, PolicyLossOptions options)
    {
        int n = input.Rows * input.Cols;
        var pg = new float[n];
        var dpg = new float[n];
        var clipped = new bool[n];
        float lower = (float)(1.0 - options.Low), upper = (float)(1.0 + options.High);
        double nakSum = 0, aSum = 0, lpSum = 0;
        double maskSum = MaskSum(input.ResponseMask);
        for (int k = 0; k < n; k++)
        {
            float d = input.LogProb[k] - input.OldLogProb[k];
            pg[k] = ClipCovToken(input.OldLogProb[k], input.LogProb[k], input.Advantages[k], lower, upper,
                out dpg[k], out clipped[k]);
            float m = input.ResponseMask[k];
            nakSum -= (double)d * m;
            aSum += (double)input.Advantages[k] * m;
            lpSum += (double)input.LogProb[k] * m;
        }

        float am = MaskedMean(aSum, maskSum), lm = MaskedMean(lpSum, maskSum);
        var candidates = new List<int>();
        for (int k = 0; k < n; k++)
        {
            float cov = (input.Advantages[k] - am) * (input.LogProb[k] - lm);
            if (input.ResponseMask[k] > 0 && !clipped[k] && cov > options.ClipCovLb && cov < options.ClipCovUb)
            {
                candidates.Add(k);
            }
        }

        int take = Draw(candidates, maskSum, options);
        double droppedSum = 0;
        for (int j = 0; j < take; j++)
        {
            int k = candidates[j];
            pg[k] *= 0f;
            dpg[k] = 0f;
            droppedSum += input.ResponseMask[k];
        }

        float loss = Aggregate(
            LossAggregation.Parse(options.LossAggMode), pg, dpg, input, grad, options.LossScaleFactor);
        return new(loss, MaskedMean(droppedSum, maskSum), MaskedMean(nakSum, maskSum), 0f);
    }

    /// <summary>
    /// clip_cov's draw (verl: torch.randperm over the candidates): max(1, ⌊clip_cov_ratio·Σm⌋) of
    /// <paramref name="candidates"/> (row-major order) by a partial Fisher–Yates shuffle on
    /// <see cref="Random"/>(<c>options.Seed</c>); the first returned-count entries are the dropped tokens. Every
    /// backend draws here, on the host (.NET's generator is not reproduced on a device).
    /// </summary>
    internal static int Draw(List<int> candidates, double maskSum, PolicyLossOptions options)
    {
        int clipNum = Math.Max((int)(options.ClipCovRatio * maskSum), 1);
        int take = Math.Min(clipNum, candidates.Count);
        var rng = new Random(options.Seed);
        for (int j = 0; j < take; j++)
        {
            int pick = rng.Next(j, candidates.Count);
            (candidates[j], candidates[pick]) = (candidates[pick], candidates[j]);
        }

        return take;
    }

    private sealed class WorstFirst : IComparer<(float Cov, int Index)>
    {
        public static readonly WorstFirst Instance = new();

        public int Compare((float Cov, int Index) x, (float Cov, int Index) y) =>
            x.Cov != y.Cov ? x.Cov.CompareTo(y.Cov) : y.Index.CompareTo(x.Index);
    }
}
