using PerceptionJudge.Kernels.Ranking;
using RankingMetrics = PerceptionJudge.Kernels.Ranking.Ranking;

namespace PerceptionJudge.Eval.Metrics;

/// <summary>Batch-ranking distances of one run (lower is better).</summary>
/// <param name="Count">Examples with a generation.</param>
/// <param name="ParseFailures">Generations that are not a ranking of the n responses.</param>
/// <param name="Levenshtein">Mean edit distance between predicted and human letter orders, failures counted as n.
/// </param>
/// <param name="NormalizedLevenshtein">Mean of distance / max(|pred|, |truth|), failures counted as 1.</param>
/// <param name="LevenshteinParsed">Mean edit distance over the parsed examples only; NaN when none parsed.</param>
/// <param name="NormalizedLevenshteinParsed">Mean normalised distance over the parsed examples only.</param>
/// <param name="RankingReward">Mean batch-ranking reward 1 − D / C(n,2) (D: pairs the judge orders against the
/// truth), the training reward; a failure scores 0, as in training. Higher is better.</param>
public sealed record BatchRankingResult(
    int Count, int ParseFailures, double Levenshtein, double NormalizedLevenshtein,
    double LevenshteinParsed, double NormalizedLevenshteinParsed, double RankingReward)
{
    /// <summary>ParseFailures / Count; NaN when Count is 0.</summary>
    public double ParseFailureRate => Count == 0 ? double.NaN : (double)ParseFailures / Count;
}

/// <summary>
/// Batch ranking (MLLM-as-a-Judge, Chen et al. 2024: "Normalized Levenshtein distance" between the judge's and the
/// human's orders). Both orders are letter strings best-first (<c>CDAB</c>); the judge's comes from
/// <see cref="JudgeOutput.TryParseRanking"/> (a letter order, scores in response order, or labelled scores), the
/// distance from <see cref="RankingMetrics.Levenshtein"/> and <see cref="RankingMetrics.NormalizedLevenshtein"/>
/// (<c>d / max(|a|, |b|)</c>). A generation that does not parse is scored as the worst order: distance n, normalised
/// 1 (the distance to the empty string); the means over parsed examples only are reported beside.
/// </summary>
public static class BatchRankingDistance
{
    /// <summary>The judge's order best-first, or null when <paramref name="generation"/> is not a ranking of
    /// <paramref name="n"/> responses.</summary>
    public static string? ParseOrder(string generation, int n)
    {
        Span<int> position = stackalloc int[JudgeOutput.MaxResponses];
        return n is >= 1 and <= JudgeOutput.MaxResponses && JudgeOutput.TryParseRanking(generation, n, position)
            ? RankingText.FromPositions(position[..n])
            : null;
    }

    /// <summary>Distances of predicted orders (null = parse failure) to the human orders.</summary>
    public static BatchRankingResult Compute(IReadOnlyList<string> truth, IReadOnlyList<string?> predicted)
    {
        if (truth.Count != predicted.Count)
        {
            throw new ArgumentException(
                $"{truth.Count} labels and {predicted.Count} predictions; they must pair up", nameof(predicted));
        }

        double sum = 0, sumNorm = 0, sumParsed = 0, sumNormParsed = 0, sumReward = 0;
        int failures = 0;
        for (int i = 0; i < truth.Count; i++)
        {
            if (predicted[i] is { } order)
            {
                int d = RankingMetrics.Levenshtein(order, truth[i]);
                double dn = RankingMetrics.NormalizedLevenshtein(order, truth[i]);
                sum += d;
                sumNorm += dn;
                sumParsed += d;
                sumNormParsed += dn;
                sumReward += Reward(order, truth[i]);
            }
            else
            {
                failures++;
                sum += truth[i].Length;
                sumNorm += truth[i].Length == 0 ? 0 : 1;
            }
        }

        int n = truth.Count, parsed = n - failures;
        return new BatchRankingResult(n, failures, Mean(sum, n), Mean(sumNorm, n),
            Mean(sumParsed, parsed), Mean(sumNormParsed, parsed), Mean(sumReward, n));
    }

    /// <summary>1 − D / C(n,2) for a predicted letter order against the truth (1 when n &lt; 2).</summary>
    public static double Reward(string predicted, string truth)
    {
        int n = truth.Length;
        if (predicted.Length != n)
        {
            throw new ArgumentException($"order '{predicted}' and truth '{truth}' differ in length", nameof(predicted));
        }

        if (n < 2)
        {
            return 1;
        }

        Span<int> truthRank = stackalloc int[n]; // the truth's place of the judge's i-th
        for (int i = 0; i < n; i++)
        {
            truthRank[i] = truth.IndexOf(predicted[i], StringComparison.Ordinal);
            if (truthRank[i] < 0)
            {
                throw new ArgumentException($"order '{predicted}' is not a permutation of '{truth}'", nameof(predicted));
            }
        }

        return 1.0 - (double)RankingMetrics.DiscordantPairs(truthRank) / (n * (n - 1) / 2);
    }

    private static double Mean(double sum, int n) => n == 0 ? double.NaN : sum / n;
}
