namespace PerceptionJudge.Kernels.Ranking;

/// <summary>
/// Ranking metrics, dispatched to the implementation of <see cref="Runtime.KernelBackend.Current"/>. Inputs must
/// be finite (else <see cref="Runtime.KernelInputException"/>). The class shares its namespace's name: from other
/// namespaces, alias it (<c>using RankingMetrics = PerceptionJudge.Kernels.Ranking.Ranking;</c>).
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Naming", "CA1724", Justification = "The mandated API names the façade after the math, like its family.")]
public static class Ranking
{
    /// <summary>
    /// Kendall τ-b with tie correction (scipy.stats.kendalltau default):
    /// <c>(C − D) / sqrt((n0 − n1)(n0 − n2))</c>; NaN when n &lt; 2 or an input is constant.
    /// </summary>
    public static double KendallTau(ReadOnlySpan<double> x, ReadOnlySpan<double> y) =>
        RankingKernels.Current.KendallTau(x, y);

    /// <summary>Spearman ρ: Pearson correlation of average ranks (ties share the mean rank); NaN when a rank vector
    /// is constant.</summary>
    public static double Spearman(ReadOnlySpan<double> x, ReadOnlySpan<double> y) =>
        RankingKernels.Current.Spearman(x, y);

    /// <summary>Levenshtein distance over UTF-16 code units (unit insert, delete, substitute).</summary>
    public static int Levenshtein(ReadOnlySpan<char> a, ReadOnlySpan<char> b) =>
        RankingKernels.Current.Levenshtein(a, b);

    /// <summary><c>Levenshtein(a, b) / max(|a|, |b|)</c> in [0, 1]; 0 for two empty strings.</summary>
    public static double NormalizedLevenshtein(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        int longest = Math.Max(a.Length, b.Length);
        return longest == 0 ? 0 : (double)Levenshtein(a, b) / longest;
    }

    /// <summary>
    /// NDCG@k, sklearn <c>ndcg_score</c> convention: linear gain, discount 1/log2(i + 1) for 1-based position i,
    /// relevances taken in the given (predicted) order, so tied predictions keep that order; divided by the ideal
    /// DCG@k; 0 when the ideal DCG is 0. Relevances finite and ≥ 0, k ≥ 1.
    /// </summary>
    public static double Ndcg(ReadOnlySpan<double> relevanceInPredictedOrder, int k = int.MaxValue) =>
        RankingKernels.Current.Ndcg(relevanceInPredictedOrder, k);

    /// <summary>Inversions <c>#{i &lt; j : p_i &gt; p_j}</c> of a permutation of 0..n−1 (the discordant pairs
    /// between it and the identity).</summary>
    public static long DiscordantPairs(ReadOnlySpan<int> permutation) =>
        RankingKernels.Current.DiscordantPairs(permutation);
}
