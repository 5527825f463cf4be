using ILGPU;

namespace PerceptionJudge.Kernels.PolicyLoss;

/// <summary>
/// The batch-coupled parts of kl_cov and clip_cov as ILGPU kernels (semantics: <see cref="CovLosses"/>):
/// <list type="bullet">
/// <item><see cref="CovRows"/> / <see cref="CovMeans"/>: mean A and mean log_prob, per-row partials in double added in
/// row order on one thread (kl_cov: over the valid tokens m &gt; 0, unweighted; clip_cov: verl's masked_mean). The
/// reference adds the same terms in flat order; the float means agree unless a double rounding of the sum crosses a
/// float rounding boundary.</item>
/// <item>kl_cov's top-k, a deterministic radix select on order-preserving 32-bit keys of
/// cov = (A − mean A)(log_prob − mean log_prob) (float bits, sign flipped; −0 read as +0, so equal covariances tie as
/// in the reference's float comparison): four 8-bit passes, each an atomic integer histogram of the valid keys that
/// match the digits found so far (<see cref="TopKHistogram"/>; integer counts, so order-free) and one thread picking
/// the digit where the count reaches the k still wanted (<see cref="TopKPick"/>). That gives the k-th largest key T
/// and how many keys equal to T are taken; <see cref="TopKTies"/> counts the keys equal to T per chunk of
/// <see cref="Chunk"/> tokens, <see cref="TopKScan"/> ranks the chunks in order, and <see cref="TopKSelect"/> selects
/// every key above T and the lowest-index ones equal to T: the reference's ties-to-the-lower-index rule.</item>
/// <item><see cref="ClipCandidates"/>: clip_cov's candidate test (valid, unclipped, lb &lt; cov &lt; ub).</item>
/// </list>
/// </summary>
internal static class PolicyLossIlgpuCov
{
    /// <summary>Tokens per thread of the tie pass.</summary>
    public const int Chunk = 64;

    /// <summary>One thread per row: Σ A, Σ log_prob and the count, over valid tokens (Weighted: Σ A·m, Σ lp·m, Σ m).
    /// </summary>
    public static void CovRows(Index1D i, CovArgs a)
    {
        double sumA = 0, sumLp = 0, count = 0;
        for (int t = 0; t < a.Cols; t++)
        {
            int k = i * a.Cols + t;
            float m = a.Mask[k];
            bool take = a.Weighted != 0 || m > 0;
            sumA += take ? (a.Weighted != 0 ? (double)a.Adv[k] * m : a.Adv[k]) : 0;
            sumLp += take ? (a.Weighted != 0 ? (double)a.LogProb[k] * m : a.LogProb[k]) : 0;
            count += a.Weighted != 0 ? m : take ? 1 : 0;
        }

        a.Partial[3 * i] = sumA;
        a.Partial[3 * i + 1] = sumLp;
        a.Partial[3 * i + 2] = count;
    }

    /// <summary>One thread: the two means into <c>Means</c> (weighted: Σ / (Σ m + 1e-8)), and the radix select's
    /// start: no digits found, <c>Take</c> keys wanted, an empty histogram.</summary>
    public static void CovMeans(Index1D unused, CovArgs a)
    {
        double sumA = 0, sumLp = 0, count = 0;
        for (int i = 0; i < a.Partial.IntLength / 3; i++)
        {
            sumA += a.Partial[3 * i];
            sumLp += a.Partial[3 * i + 1];
            count += a.Partial[3 * i + 2];
        }

        double den = a.Weighted != 0 ? count + PolicyLossMath.Eps : count;
        a.Means[0] = (float)(sumA / den);
        a.Means[1] = (float)(sumLp / den);
        a.State[0] = 0;
        a.State[1] = a.Take;
        for (int b = 0; b < 256; b++)
        {
            a.Histogram[b] = 0;
        }
    }

    /// <summary>One thread per token: adds a valid key whose digits above <c>Shift + 8</c> match the prefix found so
    /// far to the histogram of its digit at <c>Shift</c>.</summary>
    public static void TopKHistogram(Index1D k, CovArgs a)
    {
        uint key = Key(k, a);
        uint high = a.Shift == 24 ? 0u : ~0u << (a.Shift + 8);
        if (a.Mask[k] > 0 && (key & high) == (uint)a.State[0])
        {
            Atomic.Add(ref a.Histogram[(int)((key >> a.Shift) & 255u)], 1);
        }
    }

    /// <summary>One thread: from the largest digit down, the digit where the running count reaches the keys still
    /// wanted; appends it to the prefix, keeps the wanted count within it and clears the histogram.</summary>
    public static void TopKPick(Index1D unused, CovArgs a)
    {
        int remaining = a.State[1], above = 0, digit = 255;
        while (digit > 0 && above + a.Histogram[digit] < remaining)
        {
            above += a.Histogram[digit];
            digit--;
        }

        a.State[0] = (int)((uint)a.State[0] | ((uint)digit << a.Shift));
        a.State[1] = remaining - above;
        for (int b = 0; b < 256; b++)
        {
            a.Histogram[b] = 0;
        }
    }

    /// <summary>One thread per chunk: the valid keys equal to T (the prefix) in it.</summary>
    public static void TopKTies(Index1D c, CovArgs a)
    {
        int equal = 0, end = Math.Min(a.Mask.IntLength, (c + 1) * Chunk);
        for (int k = c * Chunk; k < end; k++)
        {
            equal += a.Mask[k] > 0 && Key(k, a) == (uint)a.State[0] ? 1 : 0;
        }

        a.Ties[c] = equal;
    }

    /// <summary>One thread: exclusive prefix sum of the chunks' tie counts, chunks in order.</summary>
    public static void TopKScan(Index1D unused, CovArgs a)
    {
        int running = 0;
        for (int c = 0; c < a.Ties.IntLength; c++)
        {
            int count = a.Ties[c];
            a.Ties[c] = running;
            running += count;
        }
    }

    /// <summary>One thread per chunk: selected = valid and (key &gt; T, or key = T among the first State[1] such keys
    /// in index order).</summary>
    public static void TopKSelect(Index1D c, CovArgs a)
    {
        int rank = a.Ties[c], end = Math.Min(a.Mask.IntLength, (c + 1) * Chunk);
        uint threshold = (uint)a.State[0];
        for (int k = c * Chunk; k < end; k++)
        {
            uint key = Key(k, a);
            bool valid = a.Mask[k] > 0, tie = valid && key == threshold;
            a.Flags[k] = valid && (key > threshold || (tie && rank < a.State[1])) ? 1 : 0;
            rank += tie ? 1 : 0;
        }
    }

    /// <summary>One thread per token: clip_cov's candidate flag (valid, not clipped, lb &lt; cov &lt; ub), the clip
    /// indicator read from <c>Clipped</c>.</summary>
    public static void ClipCandidates(Index1D k, CovArgs a)
    {
        float cov = Covariance(k, a);
        a.Flags[k] = a.Mask[k] > 0 && a.Clipped[k] == 0 && cov > a.Lb && cov < a.Ub ? 1 : 0;
    }

    private static float Covariance(int k, CovArgs a) => (a.Adv[k] - a.Means[0]) * (a.LogProb[k] - a.Means[1]);

    /// <summary>Unsigned order of the covariance's float (−0 as +0).</summary>
    private static uint Key(int k, CovArgs a)
    {
        float cov = Covariance(k, a);
        uint bits = cov == 0 ? 0u : Interop.FloatAsInt(cov);
        return (bits & 0x80000000u) != 0 ? ~bits : bits | 0x80000000u;
    }

    /// <summary>
    /// The cov kernels' views and scalars: log_prob, A, mask, the clip indicator (clip_cov), per-row partials (3 per
    /// row), the means, the select state (prefix, wanted), the 256-bin histogram, per-chunk tie ranks, per-token
    /// flags out; cols, weighted means or not, the pass's shift, k, clip_cov's bounds.
    /// </summary>
    public readonly record struct CovArgs(
        ArrayView<float> LogProb, ArrayView<float> Adv, ArrayView<float> Mask, ArrayView<float> Clipped,
        ArrayView<double> Partial, ArrayView<float> Means, ArrayView<int> State, ArrayView<int> Histogram,
        ArrayView<int> Ties, ArrayView<int> Flags, int Cols, int Weighted, int Shift, int Take, float Lb, float Ub);
}
