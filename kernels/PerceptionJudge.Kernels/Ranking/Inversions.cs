using System.Numerics;
using System.Numerics.Tensors;

namespace PerceptionJudge.Kernels.Ranking;

/// <summary>Inversion counting: the O(n) popcount path for short permutations and an O(n log n) merge sort.</summary>
internal static class Inversions
{
    private const int InsertionRun = 32;

    /// <summary>
    /// Inversions of a permutation of 0..n-1 with n ≤ 64: for each value, the number of larger values already seen
    /// is the popcount of the seen-mask above it.
    /// </summary>
    public static long OfSmallPermutation(ReadOnlySpan<int> p)
    {
        ulong seen = 0;
        long inversions = 0;
        foreach (int v in p)
        {
            inversions += BitOperations.PopCount((seen >> v) >> 1);
            seen |= 1UL << v;
        }

        return inversions;
    }

    /// <summary>
    /// Sorts <paramref name="a"/> ascending and returns its strict inversions <c>#{i &lt; j : a_i &gt; a_j}</c>
    /// (equal values are not inversions). Insertion sort of 32-element runs (each shift is one inversion), then
    /// bottom-up merges (taking from the right run adds the length of what is left of the left run).
    /// <paramref name="scratch"/> holds at least <c>a.Length</c> elements.
    /// </summary>
    public static long SortAndCount<T>(Span<T> a, Span<T> scratch)
        where T : INumber<T>
    {
        int n = a.Length;
        long inversions = 0;
        for (int start = 0; start < n; start += InsertionRun)
        {
            int end = Math.Min(n, start + InsertionRun);
            for (int i = start + 1; i < end; i++)
            {
                T v = a[i];
                int j = i - 1;
                while (j >= start && a[j] > v)
                {
                    a[j + 1] = a[j];
                    j--;
                }

                inversions += i - 1 - j;
                a[j + 1] = v;
            }
        }

        Span<T> src = a;
        Span<T> dst = scratch[..n];
        bool inScratch = false;
        for (int width = InsertionRun; width < n; width *= 2)
        {
            for (int lo = 0; lo < n; lo += 2 * width)
            {
                int mid = Math.Min(lo + width, n);
                int hi = Math.Min(lo + 2 * width, n);
                int i = lo, j = mid, k = lo;
                while (i < mid && j < hi)
                {
                    if (src[j] < src[i])
                    {
                        inversions += mid - i;
                        dst[k++] = src[j++];
                    }
                    else
                    {
                        dst[k++] = src[i++];
                    }
                }

                src[i..mid].CopyTo(dst[k..]);
                k += mid - i;
                src[j..hi].CopyTo(dst[k..]);
            }

            var t = src;
            src = dst;
            dst = t;
            inScratch = !inScratch;
        }

        if (inScratch)
        {
            src.CopyTo(a);
        }

        return inversions;
    }

    /// <summary>
    /// If x and y are both permutations of consecutive integers, writes <c>c[rank_x(i)] = rank_y(i)</c>: its
    /// inversions are the discordant pairs and there are no ties.
    /// </summary>
    public static bool TryComposeRankings(ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<int> composed)
    {
        int n = x.Length;
        double minX = TensorPrimitives.Min(x), minY = TensorPrimitives.Min(y);
        ulong seenX = 0, seenY = 0;
        for (int i = 0; i < n; i++)
        {
            double dx = x[i] - minX, dy = y[i] - minY;
            if (!(dx < n && dy < n) || dx != Math.Floor(dx) || dy != Math.Floor(dy))
            {
                return false;
            }

            int rx = (int)dx, ry = (int)dy;
            if ((seenX & (1UL << rx)) != 0 || (seenY & (1UL << ry)) != 0)
            {
                return false;
            }

            seenX |= 1UL << rx;
            seenY |= 1UL << ry;
            composed[rx] = ry;
        }

        return true;
    }

    /// <summary>Pairs of equal values in a sorted span: Σ C(run, 2) over runs of equal values.</summary>
    public static long TiedPairs(ReadOnlySpan<double> sorted)
    {
        long tied = 0;
        int run = 1;
        for (int i = 1; i <= sorted.Length; i++)
        {
            if (i < sorted.Length && sorted[i] == sorted[i - 1])
            {
                run++;
                continue;
            }

            tied += RankingChecks.PairCount(run);
            run = 1;
        }

        return tied;
    }
}
