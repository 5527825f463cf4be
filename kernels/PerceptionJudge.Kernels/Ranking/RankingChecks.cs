using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Ranking;

/// <summary>Entry-point checks shared by every ranking backend; they throw <see cref="KernelInputException"/>.
/// </summary>
internal static class RankingChecks
{
    /// <summary>
    /// Parses a batch-ranking ground truth (letters best-first, either case, as the released Perception-Judge reward
    /// accepts them: <c>BCA</c>, <c>bca</c> or <c>B &gt; C &gt; A</c>) into <paramref name="position"/> (place of each
    /// response, 0 = best) and returns n (2..26).
    /// </summary>
    public static int GroundTruthRanking(string? groundTruth, Span<int> position, int? row = null)
    {
        if (groundTruth is null)
        {
            throw new KernelInputException("ground_truth", "is null", row);
        }

        int n = TryGroundTruthRanking(groundTruth, position);
        if (n < 2)
        {
            throw new KernelInputException(
                "ground_truth",
                $"'{Clip(groundTruth)}' is not a ranking of 2..26 responses: expected a permutation of the first n " +
                "letters (either case), best first (e.g. \"BCA\" or \"B > C > A\")",
                row);
        }

        return n;
    }

    /// <summary><see cref="GroundTruthRanking"/> without the throw: n, or a value below 2 when the ground truth is
    /// null or malformed.</summary>
    public static int TryGroundTruthRanking(string? groundTruth, Span<int> position)
    {
        if (groundTruth is null)
        {
            return -1;
        }

        const int StackLimit = 256;
        Span<char> upper = groundTruth.Length <= StackLimit
            ? stackalloc char[groundTruth.Length]
            : new char[groundTruth.Length];
        for (int i = 0; i < groundTruth.Length; i++)
        {
            upper[i] = AsciiUpper(groundTruth[i]);
        }

        return JudgeOutput.ParseLetterPermutation(upper, position);
    }

    /// <summary>Parses a pair ground truth: exactly <c>A</c>, <c>B</c> or <c>C</c> (tie), either case, white space
    /// trimmed.</summary>
    public static Verdict PairTruth(string? groundTruth)
    {
        var t = (groundTruth ?? string.Empty).AsSpan().Trim();
        char c = t.Length == 1 ? AsciiUpper(t[0]) : '\0';
        if (c is not (>= 'A' and <= 'C'))
        {
            throw new KernelInputException(
                "ground_truth", $"'{Clip(groundTruth ?? "null")}' is not a pair verdict: expected A, B or C (tie)");
        }

        return (Verdict)(c - 'A' + 1);
    }

    /// <summary>Both rankings have the same length and hold only finite values.</summary>
    public static void Pair(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        Guard.Length(y, x.Length, "y");
        Finite(x, "x");
        Finite(y, "y");
    }

    /// <summary>Throws at the first NaN or infinity.</summary>
    public static void Finite(ReadOnlySpan<double> values, string field)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                throw new KernelInputException(field, $"value {values[i]} at index {i} is not finite");
            }
        }
    }

    /// <summary>Throws unless <paramref name="p"/> is a permutation of 0..n-1.</summary>
    public static void Permutation(ReadOnlySpan<int> p, string field, int? row = null)
    {
        int n = p.Length;
        bool[]? rented = null;
        Span<bool> seen = n <= 512 ? stackalloc bool[n] : (rented = System.Buffers.ArrayPool<bool>.Shared.Rent(n));
        seen[..n].Clear();
        try
        {
            for (int i = 0; i < n; i++)
            {
                int v = p[i];
                if ((uint)v >= (uint)n || seen[v])
                {
                    throw new KernelInputException(
                        field, $"is not a permutation of 0..{n - 1}: value {v} at index {i}", row);
                }

                seen[v] = true;
            }
        }
        finally
        {
            if (rented != null)
            {
                System.Buffers.ArrayPool<bool>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Batch sizes agree: one ground truth and one reward per solution.</summary>
    public static void Batch(IReadOnlyList<string> solutions, IReadOnlyList<string> groundTruths, Span<float> rewards)
    {
        if (groundTruths.Count != solutions.Count)
        {
            throw new KernelInputException(
                "ground_truth", $"expected {solutions.Count} entries (one per solution), got {groundTruths.Count}");
        }

        Guard.Length(rewards, solutions.Count, "rewards");
    }

    /// <summary>A ranking reward needs at least one pair of responses.</summary>
    public static void AtLeastTwo(int n)
    {
        if (n < 2)
        {
            throw new KernelInputException("n", $"a ranking needs at least 2 responses, got {n}");
        }
    }

    /// <summary>C(n, 2) = n(n−1)/2.</summary>
    public static long PairCount(long n) => n * (n - 1) / 2;

    /// <summary>ASCII letters only: no culture maps another character onto A..Z.</summary>
    private static char AsciiUpper(char c) => c is >= 'a' and <= 'z' ? (char)(c - ('a' - 'A')) : c;

    private static string Clip(string s) => s.Length <= 40 ? s : s[..40] + "…";
}
