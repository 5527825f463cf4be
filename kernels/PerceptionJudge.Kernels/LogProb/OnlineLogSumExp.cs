namespace PerceptionJudge.Kernels.LogProb;

/// <summary>
/// Online log-sum-exp of one row seen in pieces, with <c>z = x / T</c> and everything relative to the running max
/// <c>m</c> of the raw logits x: <c>Sum = S = Σ e^{z−m/T}</c> and <c>Weighted = W = Σ e^{z−m/T}·(z − m/T)</c>.
/// Then <c>logsumexp(z) = m/T + ln S</c>, <c>Σ p·z = m/T + W/S</c> and the entropy
/// <c>H = logsumexp(z) − Σ p·z = ln S − W/S</c> (verl v0.6.0 <c>entropy_from_logits</c>).
/// Two pieces combine exactly (up to rounding) by <see cref="Merge"/>, whatever the order and the cut points: the
/// state of Milakov &amp; Gimelshein, "Online normalizer calculation for softmax" (2018), plus the W term.
/// </summary>
/// <param name="Max">Running max of the raw logits (−∞ when empty).</param>
/// <param name="Sum">S, relative to <paramref name="Max"/>.</param>
/// <param name="Weighted">W, relative to <paramref name="Max"/>.</param>
public readonly record struct OnlineLogSumExp(float Max, double Sum, double Weighted)
{
    /// <summary>The state of no values: merging it changes nothing.</summary>
    public static OnlineLogSumExp Empty => new(float.NegativeInfinity, 0.0, 0.0);

    /// <summary>True while no value has been seen.</summary>
    public bool IsEmpty => float.IsNegativeInfinity(Max);

    /// <summary><c>ln S</c> (logsumexp of z minus <c>m/T</c>).</summary>
    public double LogSum => Math.Log(Sum);

    /// <summary><c>W/S = Σ p·z − m/T</c>.</summary>
    public double MeanRel => Weighted / Sum;

    /// <summary><c>H = ln S − W/S</c>, clamped at 0 (rounding only), as <see cref="LogProbReference"/>.</summary>
    public double Entropy => Math.Max(0.0, LogSum - MeanRel);

    /// <summary><c>logsumexp(x / T)</c>.</summary>
    public double LogSumExp(float temperature) => Max / (double)temperature + LogSum;

    /// <summary>
    /// The state of <paramref name="values"/> computed directly (two passes in double): the scalar spec of one piece.
    /// Non-finite values give a non-finite Sum or Weighted.
    /// </summary>
    public static OnlineLogSumExp Of(ReadOnlySpan<float> values, float temperature)
    {
        float m = float.NegativeInfinity;
        foreach (float x in values)
        {
            m = MathF.Max(m, x);
        }

        if (values.Length == 0)
        {
            return Empty;
        }

        double invT = 1.0 / temperature, s = 0.0, w = 0.0;
        foreach (float x in values)
        {
            double d = (x - (double)m) * invT;
            double e = Math.Exp(d);
            s += e;
            w += e * d;
        }

        return new OnlineLogSumExp(m, s, w);
    }

    /// <summary>
    /// The state of the union of both pieces: with <c>M = max(m₁, m₂)</c>, <c>dᵢ = (mᵢ − M)/T</c>,
    /// <c>S = Σᵢ e^{dᵢ}Sᵢ</c> and <c>W = Σᵢ e^{dᵢ}(Wᵢ + dᵢSᵢ)</c> (shifting every <c>z − mᵢ/T</c> by dᵢ).
    /// </summary>
    public OnlineLogSumExp Merge(OnlineLogSumExp other, float temperature)
    {
        if (other.IsEmpty)
        {
            return this;
        }

        if (IsEmpty)
        {
            return other;
        }

        var (hi, lo) = other.Max > Max ? (other, this) : (this, other);
        double d = (lo.Max - (double)hi.Max) / temperature;
        double e = Math.Exp(d);
        return new OnlineLogSumExp(hi.Max, hi.Sum + e * lo.Sum, hi.Weighted + e * (lo.Weighted + d * lo.Sum));
    }
}
