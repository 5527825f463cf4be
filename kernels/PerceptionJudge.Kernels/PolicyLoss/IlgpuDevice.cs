using ILGPU;
using static PerceptionJudge.Kernels.PolicyLoss.PolicyLossMath;

namespace PerceptionJudge.Kernels.PolicyLoss;

/// <summary>
/// The per-token and per-row ILGPU kernels behind <see cref="PolicyLossIlgpu"/>. Each runs the scalar functions of
/// <see cref="PolicyLossMath"/> that the reference runs (verl v0.6.0 <c>compute_policy_loss_*</c>, formulas in
/// <see cref="PolicyLossReference"/> and <see cref="CovLosses"/>), so every token's loss and gradient is the
/// reference's float32 value. <see cref="Tokens"/> writes per token pg, d pg / d log_prob, the value whose masked mean
/// is ppo_kl and the two clip indicators; <see cref="MetricRows"/> sums the metrics per row in double and
/// <see cref="MetricFinish"/> adds the rows in order (one thread); the aggregation is LossAgg's kernels.
/// </summary>
internal static class PolicyLossIlgpuDevice
{
    /// <summary>One thread per row: gspo's sequence ratio s_i and its gradient pass (see
    /// <see cref="PolicyLossMath.GspoSeqRatio"/>), from Σ_t d·m and Σ_t m in double, column order.</summary>
    public static void SeqRatio(Index1D i, TokenArgs a)
    {
        double seqSum = 0, length = 0;
        for (int t = 0; t < a.Cols; t++)
        {
            int k = i * a.Cols + t;
            seqSum += (double)(a.LogProb[k] - a.Old[k]) * a.Mask[k];
            length += a.Mask[k];
        }

        a.RowRatio[i] = GspoSeqRatio(seqSum, length, out float pass);
        a.RowPass[i] = pass;
    }

    /// <summary>One thread per token k: the mode's pg, d pg / d log_prob, ppo_kl term and clip indicators.</summary>
    public static void Tokens(Index1D k, TokenArgs a)
    {
        float old = a.Old[k], lp = a.LogProb[k], adv = a.Adv[k], grad = 0, kl = 0, pg;
        bool clip = false, lower = false;
        switch ((PolicyLossMode)a.Mode)
        {
            case PolicyLossMode.Vanilla:
                VanillaToken(old, lp, adv, a.P0, a.P1, a.P2, out var token);
                (pg, grad, kl, clip, lower) = (token.Loss, token.Grad, -token.Nak, token.Clipped, token.ClippedLower);
                break;
            case PolicyLossMode.Gspo:
                int row = k / a.Cols;
                pg = GspoToken(a.RowRatio[row], a.RowPass[row], adv, a.P0, a.P1, out grad, out clip);
                kl = -(lp - old);
                break;
            case PolicyLossMode.Cispo:
                pg = CispoToken(old, lp, adv, a.P0, a.P1, out grad, out float nak, out clip);
                kl = -nak;
                break;
            case PolicyLossMode.Sapo:
                pg = SapoToken(old, lp, adv, a.P0, a.P1, out grad, out float sapoNak);
                kl = -sapoNak;
                break;
            case PolicyLossMode.KlCov:
                pg = KlCovToken(old, lp, adv, a.Flags[k] != 0, a.P0, out grad);
                kl = MathF.Abs(lp - old);
                break;
            case PolicyLossMode.ClipCov:
                pg = ClipCovToken(old, lp, adv, a.P0, a.P1, out grad, out clip);
                kl = -(lp - old);
                break;
            default:
                pg = -lp * adv; // gpg: −log π · A, metrics 0
                grad = -adv;
                break;
        }

        a.Pg[k] = pg;
        a.Dpg[k] = grad;
        a.Kl[k] = kl;
        a.Clip[k] = clip ? 1f : 0f;
        a.Lower[k] = lower ? 1f : 0f;
    }

    /// <summary>One thread per token: clip_cov's drop of the drawn tokens (<c>Flags</c> ≠ 0): pg·0, gradient 0; the
    /// clip indicator becomes "dropped" (pg_clipfrac's numerator).</summary>
    public static void Drop(Index1D k, TokenArgs a)
    {
        bool dropped = a.Flags[k] != 0;
        a.Pg[k] = dropped ? a.Pg[k] * 0f : a.Pg[k];
        a.Dpg[k] = dropped ? 0f : a.Dpg[k];
        a.Clip[k] = dropped ? 1f : 0f;
    }

    /// <summary>One thread per row: Σ_t m, Σ_t kl·m, Σ_t [clip]·m, Σ_t [lower]·m in double, column order.</summary>
    public static void MetricRows(Index1D i, TokenArgs a)
    {
        double mask = 0, kl = 0, clip = 0, lower = 0;
        for (int t = 0; t < a.Cols; t++)
        {
            int k = i * a.Cols + t;
            float m = a.Mask[k];
            mask += m;
            kl += (double)a.Kl[k] * m;
            clip += a.Clip[k] != 0 ? m : 0;
            lower += a.Lower[k] != 0 ? m : 0;
        }

        Put(a.RowSums, i, 0, mask, kl, clip, lower);
    }

    /// <summary>
    /// One thread per row of geo_mean (GMPO; <see cref="CovLosses.GeoMean"/>): r_i = exp(Σ q·m / (Σ m + 1e-8)),
    /// Ā_i = Σ A·m / (Σ m + 1e-8), the row's loss −Ā_i·r_i, its metric sums and the final gradient
    /// −Ā_i·r_i / ((Σ m + 1e-8)·rows) · m · dq/dd (q recomputed in a second pass, same bits).
    /// </summary>
    public static void GeoRows(Index1D i, TokenArgs a)
    {
        double qSum = 0, aSum = 0, len = 0, kl = 0, clip = 0, lower = 0;
        for (int t = 0; t < a.Cols; t++)
        {
            int k = i * a.Cols + t;
            float d = a.LogProb[k] - a.Old[k], adv = a.Adv[k], m = a.Mask[k];
            float q = GeoToken(d, adv, a.P0, a.P1, out _, out bool clipped);
            qSum += (double)q * m;
            aSum += (double)adv * m;
            len += m;
            kl += (double)(-d) * m;
            clip += clipped && adv > 0 ? m : 0;
            lower += clipped && adv < 0 ? m : 0;
        }

        float ratio = MathF.Exp((float)(qSum / (len + Eps)));
        float rowAdv = (float)(aSum / (len + Eps));
        Put(a.RowSums, i, -rowAdv * ratio, len, kl, clip, lower);
        double rowFactor = -(double)rowAdv * ratio / ((len + Eps) * a.Rows);
        for (int t = 0; a.WantGrad != 0 && t < a.Cols; t++)
        {
            int k = i * a.Cols + t;
            GeoToken(a.LogProb[k] - a.Old[k], a.Adv[k], a.P0, a.P1, out float g, out _);
            a.Dpg[k] = (float)(rowFactor * a.Mask[k] * g);
        }
    }

    /// <summary>One thread: the row sums added in row order into <c>Result</c> = (Σ geo loss / rows, Σ m, Σ kl·m,
    /// Σ clip·m, Σ lower·m).</summary>
    public static void MetricFinish(Index1D unused, TokenArgs a)
    {
        double geo = 0, mask = 0, kl = 0, clip = 0, lower = 0;
        for (int i = 0; i < a.Rows; i++)
        {
            geo += a.RowSums[Sums * i];
            mask += a.RowSums[Sums * i + 1];
            kl += a.RowSums[Sums * i + 2];
            clip += a.RowSums[Sums * i + 3];
            lower += a.RowSums[Sums * i + 4];
        }

        Put(a.Result, 0, geo / a.Rows, mask, kl, clip, lower);
    }

    /// <summary>Doubles per row in <c>RowSums</c> (and in <c>Result</c>).</summary>
    public const int Sums = 5;

    private static void Put(ArrayView<double> to, int i, double v0, double v1, double v2, double v3, double v4)
    {
        to[Sums * i] = v0;
        to[Sums * i + 1] = v1;
        to[Sums * i + 2] = v2;
        to[Sums * i + 3] = v3;
        to[Sums * i + 4] = v4;
    }

    /// <summary>
    /// The token kernels' views and scalars: the four [rows][cols] inputs; pg, d pg / d log_prob (geo_mean: the final
    /// gradient), the ppo_kl term, the clip and lower indicators; per-token flags (kl_cov selected, clip_cov
    /// dropped); gspo's per-row ratio and pass; <see cref="Sums"/> doubles per row and the result; the mode and its
    /// hyper-parameters P0..P2 (see <see cref="PolicyLossIlgpu"/>).
    /// </summary>
    public readonly record struct TokenArgs(
        ArrayView<float> Old, ArrayView<float> LogProb, ArrayView<float> Adv, ArrayView<float> Mask, int Rows,
        int Cols, ArrayView<float> Pg, ArrayView<float> Dpg, ArrayView<float> Kl, ArrayView<float> Clip,
        ArrayView<float> Lower, ArrayView<int> Flags, ArrayView<float> RowRatio, ArrayView<float> RowPass,
        ArrayView<double> RowSums, ArrayView<double> Result, int Mode, float P0, float P1, float P2, int WantGrad);
}
