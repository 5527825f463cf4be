using ILGPU;

namespace PerceptionJudge.Kernels.Advantage;

/// <summary>
/// The ILGPU kernels behind <see cref="AdvantageIlgpu"/>: the formulas of <see cref="AdvantageReference"/> (verl
/// v0.6.0 <c>core_algos.py</c>, TRL <c>GRPOTrainer</c>) with the same double accumulation in the same order, so a
/// group's statistics are the reference's. Group kernels run one thread per group over the
/// <see cref="Runtime.GroupIndex"/> CSR layout, rows in ascending order; batch reductions (whitening, TRL's batch
/// std, gpg's α) sum per-row partials in row order on one thread. Every reduction therefore has one fixed order.
/// </summary>
internal static class AdvantageIlgpuDevice
{
    /// <summary>The per-group rule of <see cref="Group"/>.</summary>
    public const int Grpo = 0, PassK = 1, Rloo = 2, Opo = 3, Gpg = 4, Centre = 5;

    /// <summary>One thread per row: <c>s_i = (float) Σ_t r[i,t]</c> and <c>L_i = Σ_t m[i,t]</c>, both in double.
    /// </summary>
    public static void Scores(Index1D i, RowArgs a)
    {
        double sum = 0, length = 0;
        for (int t = 0; t < a.Cols; t++)
        {
            sum += a.Rewards[i * a.Cols + t];
            length += a.Mask[i * a.Cols + t];
        }

        a.Scores[i] = (float)sum;
        a.Lengths[i] = length;
    }

    /// <summary>One thread: gpg's <c>α = B / max(1, #{i : s_i ≠ 0})</c>.</summary>
    public static void GpgAlpha(Index1D unused, RowArgs a)
    {
        int nonZero = 0;
        for (int i = 0; i < a.Scores.IntLength; i++)
        {
            nonZero += a.Scores[i] != 0 ? 1 : 0;
        }

        a.Alpha[0] = (double)a.Scores.IntLength / Math.Max(1, nonZero);
    }

    /// <summary>One thread per group g: the per-row advantage <c>a_i</c> of the rule (see the reference).</summary>
    public static void Group(Index1D g, GroupArgs a)
    {
        int start = a.Offsets[g], n = a.Offsets[g + 1] - start;
        var (mean, std) = MeanStd(a.Scores, a.Members, start, n);
        double norm = a.NormByStd != 0 ? std + a.Epsilon : 1;
        if (a.Rule == PassK)
        {
            int best = a.Members[start];
            for (int k = 0; k < n; k++)
            {
                int i = a.Members[start + k];
                best = a.Scores[i] > a.Scores[best] ? i : best;
                a.PerRow[i] = 0;
            }

            float second = float.NegativeInfinity;
            for (int k = 0; k < n; k++)
            {
                int i = a.Members[start + k];
                second = i != best && a.Scores[i] > second ? a.Scores[i] : second;
            }

            a.PerRow[best] = (float)((a.Scores[best] - (double)second) / norm);
            return;
        }

        double weighted = 0, total = 0;
        for (int k = 0; k < n; k++)
        {
            int i = a.Members[start + k];
            weighted += a.Lengths[i] * a.Scores[i];
            total += a.Lengths[i];
        }

        for (int k = 0; k < n; k++)
        {
            int i = a.Members[start + k];
            double s = a.Scores[i];
            a.PerRow[i] = a.Rule switch
            {
                Grpo => (float)((s - mean) / norm),
                Rloo when n == 1 => a.Scores[i],
                Rloo => (float)((s - mean) * n / (n - 1)),
                Opo => (float)(s - (n == 1 ? 0 : weighted / total)),
                Gpg => (float)(a.Alpha[0] * (s - mean)),
                _ => (float)(s - mean),
            };
        }
    }

    /// <summary>One thread per element: <c>adv[k] = a_{k / cols} · m[k]</c> (float product), returns = adv.</summary>
    public static void Broadcast(Index1D k, ElementArgs a)
    {
        float v = a.PerRow[k / a.Cols] * a.Mask[k];
        a.Advantages[k] = v;
        a.Returns[k] = v;
    }

    /// <summary>One thread per row: remax's reverse cumulative sum <c>Σ_{u ≥ t} r m</c> and
    /// <c>returns − b_i · m</c>.</summary>
    public static void Remax(Index1D i, ElementArgs a)
    {
        double suffix = 0;
        for (int t = a.Cols - 1; t >= 0; t--)
        {
            int k = i * a.Cols + t;
            suffix += (double)a.Rewards[k] * a.Mask[k];
            a.Returns[k] = (float)suffix;
            a.Advantages[k] = a.Returns[k] - a.PerRow[i] * a.Mask[k];
        }
    }

    /// <summary>One thread per row: reinforce++ returns, right to left <c>G = r + γG; ret = G; G ← G · m</c>.
    /// </summary>
    public static void RppReturns(Index1D i, ElementArgs a)
    {
        double running = 0;
        for (int t = a.Cols - 1; t >= 0; t--)
        {
            int k = i * a.Cols + t;
            running = a.Rewards[k] + a.Gamma * running;
            a.Returns[k] = (float)running;
            running *= a.Mask[k];
        }
    }

    /// <summary>
    /// One thread per group: TRL's <c>r_i − mean_g</c> over <c>std + 1e-4</c> (the group's or, when
    /// <c>Batch</c>, the batch's); a group of one has mean r and std 0.
    /// </summary>
    public static void Trl(Index1D g, GroupArgs a)
    {
        int start = a.Offsets[g], n = a.Offsets[g + 1] - start;
        var (mean, std) = n == 1 ? ((double)a.Scores[a.Members[start]], 0.0) : MeanStd(a.Scores, a.Members, start, n);
        std = a.Rule == (int)TrlScaleRewards.Batch ? a.Alpha[0] : std;
        for (int k = 0; k < n; k++)
        {
            int i = a.Members[start + k];
            double centred = a.Scores[i] - mean;
            a.PerRow[i] = (float)(a.Rule == (int)TrlScaleRewards.None ? centred : centred / (std + a.Epsilon));
        }
    }

    /// <summary>One thread: the batch's unbiased std of the rewards (0 for one row), into <c>Alpha[0]</c>.</summary>
    public static void TrlBatchStd(Index1D unused, GroupArgs a)
    {
        int n = a.Scores.IntLength;
        a.Alpha[0] = n == 1 ? 0 : MeanStd(a.Scores, a.Members, 0, n, direct: true).Std;
    }

    /// <summary>One thread per row: the row's <c>Σ_t x m</c> (first pass) or <c>Σ_t (x − μ)² m</c> (second pass,
    /// μ in <c>Stats[0]</c>), in double.</summary>
    public static void WhitenRows(Index1D i, WhitenArgs a)
    {
        double sum = 0, mean = a.Stats[0];
        for (int t = 0; t < a.Cols; t++)
        {
            int k = i * a.Cols + t;
            double d = a.SecondPass != 0 ? a.X[k] - mean : a.X[k];
            sum += a.SecondPass != 0 ? d * d * a.Mask[k] : d * a.Mask[k];
        }

        a.Partial[i] = sum;
    }

    /// <summary>
    /// One thread, rows in order: verl <c>masked_whiten</c>'s <c>μ = Σ x m / (n + 1e-8)</c> into <c>Stats[0]</c>
    /// (first pass), or <c>rsqrt(Σ (x − μ)² m / (n + 1e-8) · n / (n − 1) + 1e-8)</c> into <c>Stats[1]</c> (second).
    /// </summary>
    public static void WhitenStats(Index1D unused, WhitenArgs a)
    {
        double sum = 0;
        for (int i = 0; i < a.Partial.IntLength; i++)
        {
            sum += a.Partial[i];
        }

        double moment = sum / (a.MaskSum + AdvantageChecks.MaskedMeanEpsilon);
        if (a.SecondPass != 0)
        {
            a.Stats[1] = 1 / Math.Sqrt(moment * (a.MaskSum / (a.MaskSum - 1)) + AdvantageChecks.WhitenEpsilon);
        }
        else
        {
            a.Stats[0] = moment;
        }
    }

    /// <summary>One thread per element: <c>y = (float)((x − μ) · scale) · m</c>; returns = y when asked.</summary>
    public static void WhitenApply(Index1D k, WhitenArgs a)
    {
        float y = (float)((a.X[k] - a.Stats[0]) * a.Stats[1]) * a.Mask[k];
        a.Y[k] = y;
        if (a.CopyToReturns != 0)
        {
            a.Returns[k] = y;
        }
    }

    /// <summary>Mean and unbiased std of the scores of <c>members[start..start+n]</c> (of <c>s[0..n]</c> when
    /// <paramref name="direct"/>), two passes in double; a
    /// group of one gives mean 0 and std 1 (grpo's convention; the other rules handle n = 1 themselves).</summary>
    private static (double Mean, double Std) MeanStd(
        ArrayView<float> s, ArrayView<int> members, int start, int n, bool direct = false)
    {
        if (n == 1)
        {
            return (0, 1);
        }

        double sum = 0;
        for (int k = 0; k < n; k++)
        {
            sum += s[direct ? k : members[start + k]];
        }

        double mean = sum / n, m2 = 0;
        for (int k = 0; k < n; k++)
        {
            double d = s[direct ? k : members[start + k]] - mean;
            m2 += d * d;
        }

        return (mean, Math.Sqrt(m2 / (n - 1)));
    }

    /// <summary>Row-level inputs and outputs: [rows][cols] rewards and mask, [rows] scores and lengths, α.</summary>
    public readonly record struct RowArgs(
        ArrayView<float> Rewards, ArrayView<float> Mask, int Cols, ArrayView<float> Scores, ArrayView<double> Lengths,
        ArrayView<double> Alpha);

    /// <summary>Group-level arguments: CSR layout, per-row scores/lengths, the rule and its options, per-row out.
    /// </summary>
    public readonly record struct GroupArgs(
        ArrayView<int> Offsets, ArrayView<int> Members, ArrayView<float> Scores, ArrayView<double> Lengths,
        ArrayView<double> Alpha, int Rule, int NormByStd, double Epsilon, ArrayView<float> PerRow);

    /// <summary>Element-level arguments: [rows][cols] rewards, mask, advantages, returns; per-row values; γ.</summary>
    public readonly record struct ElementArgs(
        ArrayView<float> Rewards, ArrayView<float> Mask, int Cols, ArrayView<float> PerRow,
        ArrayView<float> Advantages, ArrayView<float> Returns, float Gamma);

    /// <summary>Whitening arguments: x and mask [rows][cols], per-row partials, (μ, scale), n = Σ m, outputs. <c>CopyToReturns</c>
    /// ≠ 0: <see cref="WhitenApply"/> also writes returns.</summary>
    public readonly record struct WhitenArgs(
        ArrayView<float> X, ArrayView<float> Mask, int Cols, ArrayView<double> Partial, ArrayView<double> Stats,
        double MaskSum, int SecondPass, ArrayView<float> Y, ArrayView<float> Returns, int CopyToReturns);
}
