using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Advantage;

/// <summary>
/// The specification: plain scalar code, double accumulation, one formula per method, each the outcome estimator
/// of verl v0.6.0 <c>verl/trainer/ppo/core_algos.py</c> (whitening from <c>verl/utils/torch_functional.py</c>) or
/// TRL <c>GRPOTrainer._generate_and_score_completions</c>. Notation: <c>s_i = Σ_t token_level_rewards[i,t]</c>
/// (stored as float, as torch does), <c>m</c> = response_mask, groups g from <c>index</c>, <c>n_g</c> the group
/// size, <c>mean_g</c> and <c>std_g</c> (unbiased, <c>torch.std</c>) over the group's scores.
/// Advantages are per-row values broadcast as <c>a_i · m[i,t]</c> unless stated otherwise.
/// </summary>
public sealed class AdvantageReference : IAdvantageKernels
{
    /// <summary>
    /// <c>compute_grpo_outcome_advantage</c>: <c>a_i = (s_i − mean_g) / (std_g + ε)</c>, or <c>s_i − mean_g</c>
    /// when <c>norm_adv_by_std_in_grpo</c> is false (Dr.GRPO, arXiv 2503.20783). A group of one uses mean 0, std 1.
    /// returns = advantages.
    /// </summary>
    public void Grpo(in AdvantageInput input, Span<float> advantages, Span<float> returns, AdvantageOptions options)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        var s = Scores(input);
        var a = new float[input.Rows];
        var index = input.Index;
        for (int g = 0; g < index.GroupCount; g++)
        {
            var rows = index.RowsOf(g);
            (double mean, double std) = rows.Length == 1 ? (0.0, 1.0) : MeanStd(s, rows);
            foreach (int i in rows)
            {
                a[i] = (float)(options.NormAdvByStd ? (s[i] - mean) / (std + options.Epsilon) : s[i] - mean);
            }
        }

        Broadcast(a, input, advantages, returns);
    }

    /// <summary>
    /// <c>compute_grpo_passk_outcome_advantage</c> (arXiv 2503.19595): only the best row of each group gets
    /// <c>r_max − r_second</c>, divided by <c>std_g + ε</c> when <c>norm_adv_by_std_in_grpo</c>; every other row 0.
    /// A group of fewer than 2 rows throws (verl raises). Ties give 0, so which tied row is "best" does not matter.
    /// </summary>
    public void GrpoPassK(
        in AdvantageInput input, Span<float> advantages, Span<float> returns, AdvantageOptions options)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        var s = Scores(input);
        var a = new float[input.Rows];
        var index = input.Index;
        for (int g = 0; g < index.GroupCount; g++)
        {
            var rows = index.RowsOf(g);
            if (rows.Length < 2)
            {
                throw AdvantageChecks.PassKGroupTooSmall(index, g);
            }

            int best = rows[0];
            foreach (int i in rows)
            {
                best = s[i] > s[best] ? i : best;
            }

            float second = float.NegativeInfinity;
            foreach (int i in rows)
            {
                second = i != best && s[i] > second ? s[i] : second;
            }

            double gap = s[best] - second;
            a[best] = (float)(options.NormAdvByStd ? gap / (MeanStd(s, rows).Std + options.Epsilon) : gap);
        }

        Broadcast(a, input, advantages, returns);
    }

    /// <summary>
    /// <c>compute_rloo_outcome_advantage</c> (arXiv 2402.14740): <c>a_i = (s_i − mean_g) · n_g / (n_g − 1)</c>
    /// (the leave-one-out baseline); a group of one keeps <c>a_i = s_i</c>.
    /// </summary>
    public void Rloo(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        var s = Scores(input);
        var a = new float[input.Rows];
        var index = input.Index;
        for (int g = 0; g < index.GroupCount; g++)
        {
            var rows = index.RowsOf(g);
            int n = rows.Length;
            double mean = n == 1 ? 0 : MeanStd(s, rows).Mean;
            foreach (int i in rows)
            {
                a[i] = n == 1 ? s[i] : (float)((s[i] - mean) * n / (n - 1));
            }
        }

        Broadcast(a, input, advantages, returns);
    }

    /// <summary>
    /// <c>compute_opo_outcome_advantage</c> (arXiv 2505.23585): length-weighted baseline
    /// <c>b_g = Σ L_i s_i / Σ L_i</c> with <c>L_i = Σ_t m[i,t]</c>; <c>a_i = s_i − b_g</c>; a group of one uses b = 0.
    /// A group (of ≥ 2) whose lengths sum to 0 throws, where verl would silently produce NaN.
    /// </summary>
    public void Opo(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        var s = Scores(input);
        var a = new float[input.Rows];
        var index = input.Index;
        for (int g = 0; g < index.GroupCount; g++)
        {
            var rows = index.RowsOf(g);
            double weighted = 0, total = 0;
            foreach (int i in rows)
            {
                double len = RowSum(input.ResponseMask, i, input.Cols);
                weighted += len * s[i];
                total += len;
            }

            if (rows.Length > 1 && total == 0)
            {
                throw AdvantageChecks.ZeroLengthGroup(index, g);
            }

            double baseline = rows.Length == 1 ? 0 : weighted / total;
            foreach (int i in rows)
            {
                a[i] = (float)(s[i] - baseline);
            }
        }

        Broadcast(a, input, advantages, returns);
    }

    /// <summary>
    /// <c>compute_gpg_outcome_advantage</c>: <c>a_i = α (s_i − mean_g) / f_norm</c> with
    /// <c>α = B / max(1, #{i : s_i ≠ 0})</c> over the whole batch and <c>f_norm = 1</c>; a group of one uses mean 0.
    /// </summary>
    public void Gpg(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        var s = Scores(input);
        int nonZero = s.Count(v => v != 0);
        double alpha = (double)input.Rows / Math.Max(1, nonZero);
        var a = new float[input.Rows];
        var index = input.Index;
        for (int g = 0; g < index.GroupCount; g++)
        {
            var rows = index.RowsOf(g);
            double mean = rows.Length == 1 ? 0 : MeanStd(s, rows).Mean;
            foreach (int i in rows)
            {
                a[i] = (float)(alpha * (s[i] - mean));
            }
        }

        Broadcast(a, input, advantages, returns);
    }

    /// <summary>
    /// <c>compute_reinforce_plus_plus_outcome_advantage</c> (arXiv 2501.03262), token level, no groups. Right to left:
    /// <c>G = r[i,t] + γ G; returns[i,t] = G; G ← G · m[i,t]</c> (the mask resets the running return after EOS).
    /// advantages = <c>masked_whiten(returns, m) · m</c>; returns are not masked.
    /// </summary>
    public void ReinforcePlusPlus(in AdvantageInput input, Span<float> advantages, Span<float> returns, float gamma)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        int cols = input.Cols;
        for (int i = 0; i < input.Rows; i++)
        {
            double running = 0;
            for (int t = cols - 1; t >= 0; t--)
            {
                running = input.TokenLevelRewards[i * cols + t] + gamma * running;
                returns[i * cols + t] = (float)running;
                running *= input.ResponseMask[i * cols + t];
            }
        }

        Whiten(returns, input.ResponseMask, advantages);
    }

    /// <summary>
    /// <c>compute_reinforce_plus_plus_baseline_outcome_advantage</c>: <c>x[i,t] = (s_i − mean_g) · m[i,t]</c>
    /// (a group of one uses mean 0), then advantages = returns = <c>masked_whiten(x, m) · m</c>.
    /// </summary>
    public void ReinforcePlusPlusBaseline(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: false);
        var s = Scores(input);
        var a = new float[input.Rows];
        var index = input.Index;
        for (int g = 0; g < index.GroupCount; g++)
        {
            var rows = index.RowsOf(g);
            double mean = rows.Length == 1 ? 0 : MeanStd(s, rows).Mean;
            foreach (int i in rows)
            {
                a[i] = (float)(s[i] - mean);
            }
        }

        var x = new float[advantages.Length];
        Broadcast(a, input, x, returns);
        Whiten(x, input.ResponseMask, advantages);
        advantages.CopyTo(returns);
    }

    /// <summary>
    /// <c>compute_remax_outcome_advantage</c> (arXiv 2310.10505): <c>returns[i,t] = Σ_{u ≥ t} r[i,u] m[i,u]</c>
    /// (reverse cumulative sum), advantages = <c>returns − reward_baselines[i] · m[i,t]</c>. No groups.
    /// </summary>
    public void Remax(in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        AdvantageChecks.Input(input, advantages, returns, baselines: true);
        int cols = input.Cols;
        for (int i = 0; i < input.Rows; i++)
        {
            double suffix = 0;
            for (int t = cols - 1; t >= 0; t--)
            {
                int k = i * cols + t;
                suffix += (double)input.TokenLevelRewards[k] * input.ResponseMask[k];
                returns[k] = (float)suffix;
                advantages[k] = returns[k] - input.RewardBaselines[i] * input.ResponseMask[k];
            }
        }
    }

    /// <summary>
    /// TRL <c>GRPOTrainer</c>: <c>a_i = r_i − mean_g</c>, divided by <c>std + 1e-4</c> where std is the group's
    /// unbiased std (<c>Group</c>) or the whole batch's (<c>Batch</c>); <c>None</c> divides by nothing. A group
    /// (or batch) of one has std 0, as in TRL ≥ 0.22.
    /// </summary>
    public void Trl(ReadOnlySpan<float> rewards, GroupIndex index, TrlScaleRewards scale, Span<float> advantages)
    {
        AdvantageChecks.Trl(rewards, index, advantages);
        var r = rewards.ToArray();
        var all = Enumerable.Range(0, r.Length).ToArray();
        double batchStd = r.Length == 1 ? 0 : MeanStd(r, all).Std;
        for (int g = 0; g < index.GroupCount; g++)
        {
            var rows = index.RowsOf(g);
            (double mean, double groupStd) = rows.Length == 1 ? (r[rows[0]], 0.0) : MeanStd(r, rows);
            double std = scale == TrlScaleRewards.Batch ? batchStd : groupStd;
            foreach (int i in rows)
            {
                double centred = r[i] - mean;
                advantages[i] = (float)(scale == TrlScaleRewards.None
                    ? centred
                    : centred / (std + AdvantageChecks.TrlEpsilon));
            }
        }
    }

    /// <summary>Row sums in double, rounded to float (torch keeps scores in the rewards' dtype).</summary>
    private static float[] Scores(in AdvantageInput input)
    {
        var s = new float[input.Rows];
        for (int i = 0; i < s.Length; i++)
        {
            s[i] = (float)RowSum(input.TokenLevelRewards, i, input.Cols);
        }

        return s;
    }

    private static double RowSum(ReadOnlySpan<float> m, int row, int cols)
    {
        double sum = 0;
        foreach (float v in m.Slice(row * cols, cols))
        {
            sum += v;
        }

        return sum;
    }

    /// <summary>Mean and unbiased (n − 1) std of <c>s</c> over <paramref name="rows"/> (two passes).</summary>
    private static (double Mean, double Std) MeanStd(float[] s, ReadOnlySpan<int> rows)
    {
        double sum = 0;
        foreach (int i in rows)
        {
            sum += s[i];
        }

        double mean = sum / rows.Length, m2 = 0;
        foreach (int i in rows)
        {
            m2 += (s[i] - mean) * (s[i] - mean);
        }

        return (mean, Math.Sqrt(m2 / (rows.Length - 1)));
    }

    /// <summary><c>adv[i,t] = a_i · m[i,t]</c> (float product, as torch); returns = advantages.</summary>
    private static void Broadcast(float[] a, in AdvantageInput input, Span<float> advantages, Span<float> returns)
    {
        for (int k = 0; k < advantages.Length; k++)
        {
            advantages[k] = a[k / input.Cols] * input.ResponseMask[k];
        }

        advantages.CopyTo(returns);
    }

    /// <summary>
    /// verl <c>masked_whiten(x, m) · m</c>: <c>μ = Σ x m / (Σ m + 1e-8)</c>,
    /// <c>σ² = Σ (x − μ)² m / (Σ m + 1e-8) · n / (n − 1)</c> with <c>n = Σ m</c> (n of 0 or 1 throws),
    /// <c>y = (x − μ) · rsqrt(σ² + 1e-8) · m</c>.
    /// </summary>
    private static void Whiten(ReadOnlySpan<float> x, ReadOnlySpan<float> m, Span<float> y)
    {
        double n = 0, sum = 0;
        for (int k = 0; k < x.Length; k++)
        {
            n += m[k];
            sum += (double)x[k] * m[k];
        }

        AdvantageChecks.MaskSum(n);
        double mean = sum / (n + AdvantageChecks.MaskedMeanEpsilon), m2 = 0;
        for (int k = 0; k < x.Length; k++)
        {
            m2 += (x[k] - mean) * (x[k] - mean) * m[k];
        }

        double variance = m2 / (n + AdvantageChecks.MaskedMeanEpsilon) * (n / (n - 1));
        double scale = 1 / Math.Sqrt(variance + AdvantageChecks.WhitenEpsilon);
        for (int k = 0; k < x.Length; k++)
        {
            y[k] = (float)((x[k] - mean) * scale) * m[k];
        }
    }
}
