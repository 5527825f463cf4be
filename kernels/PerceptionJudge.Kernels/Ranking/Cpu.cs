using System.Buffers;
using System.Numerics.Tensors;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Ranking;

/// <summary>
/// Fast ranking kernels: popcount inversion counts for n ≤ 64, O(n log n) merge-sort counts (Knight's Kendall τ),
/// bit-parallel Levenshtein, sort-based ranks, and batches split by <see cref="Partition.For"/> in fixed chunks
/// (each row is independent, so the result does not depend on the thread count). Same results as
/// <see cref="RankingReference"/>; scratch comes from <see cref="ArrayPool{T}"/> or the stack.
/// </summary>
public sealed class RankingCpu : IRankingKernels
{
    private const int RowChunk = 4096;
    private const int DiscountTable = 1024;
    private static readonly double[] s_discount = BuildDiscounts();

    /// <inheritdoc/>
    public float BatchRankingReward(string solutionStr, string groundTruth) => Reward(solutionStr, groundTruth, null);

    /// <summary>Rows in fixed chunks of 4096, in parallel above <see cref="Partition.SerialThreshold"/> rows. A bad
    /// ground truth throws for the lowest bad row, as the reference does.</summary>
    public unsafe void BatchRankingReward(
        IReadOnlyList<string> solutions, IReadOnlyList<string> groundTruths, Span<float> rewards)
    {
        RankingChecks.Batch(solutions, groundTruths, rewards);
        int count = solutions.Count;
        var firstBad = new int[Partition.ChunkCount(count, RowChunk)];
        fixed (float* pr = rewards)
        {
            nint outAddress = (nint)pr;
            Partition.For(count, RowChunk, (chunk, start, end) =>
            {
                var output = new Span<float>((float*)outAddress, count);
                firstBad[chunk] = -1;
                for (int i = start; i < end; i++)
                {
                    float r = TryReward(solutions[i], groundTruths[i]);
                    if (float.IsNaN(r) && firstBad[chunk] < 0)
                    {
                        firstBad[chunk] = i;
                    }

                    output[i] = r;
                }
            });
        }

        Span<int> truth = stackalloc int[JudgeOutput.MaxResponses];
        foreach (int bad in firstBad)
        {
            if (bad >= 0)
            {
                RankingChecks.GroundTruthRanking(groundTruths[bad], truth, bad);
            }
        }
    }

    /// <inheritdoc/>
    public float PairReward(string solutionStr, string groundTruth)
    {
        var truth = RankingChecks.PairTruth(groundTruth);
        return JudgeOutput.ParseVerdict(solutionStr ?? string.Empty) == truth ? 1f : 0f;
    }

    /// <summary>Per row: invert the truth, compose, count inversions (popcount for n ≤ 64, merge sort above).
    /// </summary>
    public unsafe void PermutationRewards(
        ReadOnlySpan<int> predicted, ReadOnlySpan<int> truth, int n, Span<float> rewards)
    {
        RankingChecks.AtLeastTwo(n);
        Guard.Length(predicted, rewards.Length * n, "predicted");
        Guard.Length(truth, rewards.Length * n, "truth");
        int rows = rewards.Length;
        double pairs = RankingChecks.PairCount(n);
        fixed (int* pp = predicted, pt = truth)
        fixed (float* pr = rewards)
        {
            nint ap = (nint)pp, at = (nint)pt, ar = (nint)pr;
            int chunk = Math.Max(1, RowChunk / Math.Max(1, n / 8));
            try
            {
                Partition.For(rows, chunk, (_, start, end) =>
                {
                    var p = new ReadOnlySpan<int>((int*)ap, rows * n);
                    var t = new ReadOnlySpan<int>((int*)at, rows * n);
                    var r = new Span<float>((float*)ar, rows);
                    int[]? rented = n > 256 ? ArrayPool<int>.Shared.Rent(3 * n) : null;
                    Span<int> work = rented != null ? rented : stackalloc int[3 * n];
                    for (int i = start; i < end; i++)
                    {
                        var pi = p.Slice(i * n, n);
                        var ti = t.Slice(i * n, n);
                        RankingChecks.Permutation(pi, "predicted", i);
                        RankingChecks.Permutation(ti, "truth", i);
                        r[i] = (float)(1.0 - Discordant(pi, ti, work) / pairs);
                    }

                    if (rented != null)
                    {
                        ArrayPool<int>.Shared.Return(rented);
                    }
                });
            }
            catch (AggregateException e) when (e.InnerExceptions.All(x => x is KernelInputException))
            {
                // Parallel chunks: report the lowest bad row, as the serial reference does.
                throw e.InnerExceptions.Cast<KernelInputException>().MinBy(x => x.Row)!;
            }
        }
    }

    /// <summary>
    /// Knight (1966): sort by (x, y), count the pairs tied in x and in (x, y), merge-sort y counting swaps (= the
    /// discordant pairs), count the pairs tied in y; τ_b = (n0 − n1 − n2 + n3 − 2·swaps) / sqrt((n0 − n1)(n0 − n2)).
    /// When n ≤ 64 and x and y are both integer rankings (a permutation of m..m+n−1) it is O(n) by popcount.
    /// </summary>
    public double KendallTau(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        RankingChecks.Pair(x, y);
        int n = x.Length;
        long n0 = RankingChecks.PairCount(n);
        if (n is >= 2 and <= 64)
        {
            Span<int> composed = stackalloc int[n];
            if (Inversions.TryComposeRankings(x, y, composed))
            {
                return 1.0 - 2.0 * Inversions.OfSmallPermutation(composed) / n0;
            }
        }

        var pairs = ArrayPool<(double X, double Y)>.Shared.Rent(n);
        var ys = ArrayPool<double>.Shared.Rent(2 * n);
        try
        {
            var xy = pairs.AsSpan(0, n);
            for (int i = 0; i < n; i++)
            {
                xy[i] = (x[i], y[i]);
            }

            xy.Sort(default(XyComparer));
            long n1 = 0, n3 = 0;
            for (int i = 0, tiedX = 1, tiedXy = 1; i < n; i++)
            {
                bool sameX = i + 1 < n && xy[i + 1].X == xy[i].X;
                bool sameXy = sameX && xy[i + 1].Y == xy[i].Y;
                n1 += sameX ? 0 : RankingChecks.PairCount(tiedX);
                n3 += sameXy ? 0 : RankingChecks.PairCount(tiedXy);
                tiedX = sameX ? tiedX + 1 : 1;
                tiedXy = sameXy ? tiedXy + 1 : 1;
                ys[i] = xy[i].Y;
            }

            var yv = ys.AsSpan(0, n);
            long swaps = Inversions.SortAndCount(yv, ys.AsSpan(n, n));
            long n2 = Inversions.TiedPairs(yv);
            return (n0 - n1 - n2 + n3 - 2 * swaps) / Math.Sqrt((double)(n0 - n1) * (n0 - n2));
        }
        finally
        {
            ArrayPool<(double X, double Y)>.Shared.Return(pairs);
            ArrayPool<double>.Shared.Return(ys);
        }
    }

    /// <summary>Average ranks from one sort per input, then Pearson about the exact mean rank (n + 1) / 2.</summary>
    public double Spearman(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        RankingChecks.Pair(x, y);
        int n = x.Length;
        var buffer = ArrayPool<double>.Shared.Rent(3 * n);
        var index = ArrayPool<int>.Shared.Rent(n);
        try
        {
            var rx = buffer.AsSpan(0, n);
            var ry = buffer.AsSpan(n, n);
            var keys = buffer.AsSpan(2 * n, n);
            AverageRanks(x, keys, index.AsSpan(0, n), rx);
            AverageRanks(y, keys, index.AsSpan(0, n), ry);
            double mean = (n + 1) / 2.0;
            double sab = 0, saa = 0, sbb = 0;
            for (int i = 0; i < n; i++)
            {
                double a = rx[i] - mean, b = ry[i] - mean;
                sab += a * b;
                saa += a * a;
                sbb += b * b;
            }

            return sab / Math.Sqrt(saa * sbb);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
            ArrayPool<int>.Shared.Return(index);
        }
    }

    /// <summary>Bit-parallel Myers/Hyyrö; see <see cref="BitParallelLevenshtein"/>.</summary>
    public int Levenshtein(ReadOnlySpan<char> a, ReadOnlySpan<char> b) => BitParallelLevenshtein.Distance(a, b);

    /// <summary>Ideal order by one sort; both DCGs as dot products with a precomputed 1/log2(i + 1) table.</summary>
    public double Ndcg(ReadOnlySpan<double> relevanceInPredictedOrder, int k)
    {
        var rel = relevanceInPredictedOrder;
        RankingReference.NdcgChecks(rel, k);
        int top = Math.Min(k, rel.Length);
        var buffer = ArrayPool<double>.Shared.Rent(rel.Length);
        try
        {
            var ideal = buffer.AsSpan(0, rel.Length);
            rel.CopyTo(ideal);
            ideal.Sort();
            ideal.Reverse();
            double idcg = Dcg(ideal[..top]);
            return idcg == 0 ? 0 : Dcg(rel[..top]) / idcg;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }

    /// <summary>Popcount for n ≤ 64, merge sort above.</summary>
    public long DiscordantPairs(ReadOnlySpan<int> permutation)
    {
        RankingChecks.Permutation(permutation, "permutation");
        if (permutation.Length <= 64)
        {
            return Inversions.OfSmallPermutation(permutation);
        }

        var buffer = ArrayPool<int>.Shared.Rent(2 * permutation.Length);
        try
        {
            var a = buffer.AsSpan(0, permutation.Length);
            permutation.CopyTo(a);
            return Inversions.SortAndCount(a, buffer.AsSpan(permutation.Length));
        }
        finally
        {
            ArrayPool<int>.Shared.Return(buffer);
        }
    }

    private static float Reward(string? solution, string groundTruth, int? row)
    {
        Span<int> truth = stackalloc int[JudgeOutput.MaxResponses];
        Span<int> predicted = stackalloc int[JudgeOutput.MaxResponses];
        int n = RankingChecks.GroundTruthRanking(groundTruth, truth, row);
        return RewardOfParsed(solution, n, truth, predicted);
    }

    /// <summary>The reward, or NaN when the ground truth is malformed (the caller reports the row).</summary>
    private static float TryReward(string? solution, string? groundTruth)
    {
        Span<int> truth = stackalloc int[JudgeOutput.MaxResponses];
        Span<int> predicted = stackalloc int[JudgeOutput.MaxResponses];
        int n = RankingChecks.TryGroundTruthRanking(groundTruth, truth);
        return n < 2 ? float.NaN : RewardOfParsed(solution, n, truth, predicted);
    }

    private static float RewardOfParsed(string? solution, int n, Span<int> truth, Span<int> predicted)
    {
        if (!JudgeOutput.TryParseRanking(solution ?? string.Empty, n, predicted))
        {
            return 0f;
        }

        // Walk the responses in true order; a predicted place smaller than one seen earlier is a discordant pair.
        Span<int> composed = stackalloc int[JudgeOutput.MaxResponses];
        for (int r = 0; r < n; r++)
        {
            composed[truth[r]] = predicted[r];
        }

        long d = Inversions.OfSmallPermutation(composed[..n]);
        return (float)(1.0 - (double)d / RankingChecks.PairCount(n));
    }

    /// <summary>Discordant pairs of two place vectors; <paramref name="work"/> holds ≥ 3n ints.</summary>
    private static double Discordant(ReadOnlySpan<int> p, ReadOnlySpan<int> t, Span<int> work)
    {
        int n = p.Length;
        var composed = work[..n];
        for (int r = 0; r < n; r++)
        {
            composed[t[r]] = p[r];
        }

        return n <= 64
            ? Inversions.OfSmallPermutation(composed)
            : Inversions.SortAndCount(composed, work.Slice(n, 2 * n));
    }

    private static void AverageRanks(ReadOnlySpan<double> v, Span<double> keys, Span<int> index, Span<double> ranks)
    {
        int n = v.Length;
        v.CopyTo(keys);
        for (int i = 0; i < n; i++)
        {
            index[i] = i;
        }

        keys.Sort(index);
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && keys[end] == keys[start])
            {
                end++;
            }

            double average = (start + 1 + end) / 2.0; // mean of the 1-based ranks start+1..end
            for (int i = start; i < end; i++)
            {
                ranks[index[i]] = average;
            }

            start = end;
        }
    }

    private static double Dcg(ReadOnlySpan<double> relevance)
    {
        int table = Math.Min(relevance.Length, DiscountTable);
        double dcg = TensorPrimitives.Dot(relevance[..table], s_discount.AsSpan(0, table));
        for (int i = table; i < relevance.Length; i++)
        {
            dcg += relevance[i] / Math.Log2(i + 2);
        }

        return dcg;
    }

    private static double[] BuildDiscounts()
    {
        var d = new double[DiscountTable];
        for (int i = 0; i < d.Length; i++)
        {
            d[i] = 1.0 / Math.Log2(i + 2);
        }

        return d;
    }

    private readonly struct XyComparer : IComparer<(double X, double Y)>
    {
        public int Compare((double X, double Y) a, (double X, double Y) b) =>
            a.X < b.X ? -1 : a.X > b.X ? 1 : a.Y < b.Y ? -1 : a.Y > b.Y ? 1 : 0;
    }
}
