using System.Numerics;

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
}
