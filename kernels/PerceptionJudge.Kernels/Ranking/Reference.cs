using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Ranking;

/// <summary>
/// The ranking family's specification: plain O(n²) / O(nm) scalar code in double. Every fast path is tested against
/// it. Rewards follow the Perception-Judge batch-ranking recipe (reward = 1 − discordant pairs / C(n,2), 0 when the
/// output does not parse) and MLLM-as-a-Judge pair comparison (Chen et al. 2024, verdicts A/B/C=tie).
/// </summary>
public sealed class RankingReference : IRankingKernels
{
    /// <summary>
    /// <c>r = 1 − D / C(n,2)</c> where D counts response pairs ordered one way by the judge's ranking
    /// (<see cref="JudgeOutput.TryParseRanking"/>) and the other way by the ground truth; 0 when the ranking does not
    /// parse (wrong count, duplicate scores, garbage). Source: the released Perception-Judge reward, which reads
    /// the scores as <c>re.findall(r"&lt;answer&gt;(\d+)&lt;/answer&gt;", output)</c> mapped through <c>int()</c>
    /// (<see cref="AnswerTags"/>), ranks them higher-first and compares with the ground-truth letters in either case.
    /// </summary>
    public float BatchRankingReward(string solutionStr, string groundTruth) =>
        Reward(solutionStr, groundTruth, null);

    /// <summary>Row by row, in order.</summary>
    public void BatchRankingReward(
        IReadOnlyList<string> solutions, IReadOnlyList<string> groundTruths, Span<float> rewards)
    {
        RankingChecks.Batch(solutions, groundTruths, rewards);
        for (int i = 0; i < solutions.Count; i++)
        {
            rewards[i] = Reward(solutions[i], groundTruths[i], i);
        }
    }

    /// <summary><c>1</c> when the parsed verdict (<see cref="JudgeOutput.ParseVerdict"/>) equals the ground truth,
    /// else 0 (no verdict and conflicting verdicts included).</summary>
    public float PairReward(string solutionStr, string groundTruth) => Pair(solutionStr, groundTruth);

    /// <summary><see cref="PairReward"/> as a static: every backend runs it on the host (a parse and one
    /// comparison, no math).</summary>
    internal static float Pair(string? solutionStr, string? groundTruth)
    {
        var truth = RankingChecks.PairTruth(groundTruth);
        return JudgeOutput.ParseVerdict(solutionStr ?? string.Empty) == truth ? 1f : 0f;
    }

    /// <summary><c>rewards[i] = 1 − D_i / C(n,2)</c>, D_i counted over all pairs of row i.</summary>
    public void PermutationRewards(ReadOnlySpan<int> predicted, ReadOnlySpan<int> truth, int n, Span<float> rewards)
    {
        RankingChecks.AtLeastTwo(n);
        Guard.Length(predicted, rewards.Length * n, "predicted");
        Guard.Length(truth, rewards.Length * n, "truth");
        for (int i = 0; i < rewards.Length; i++)
        {
            var p = predicted.Slice(i * n, n);
            var t = truth.Slice(i * n, n);
            RankingChecks.Permutation(p, "predicted", i);
            RankingChecks.Permutation(t, "truth", i);
            rewards[i] = (float)(1.0 - (double)Discordant(p, t) / RankingChecks.PairCount(n));
        }
    }

    /// <summary>
    /// Kendall τ-b (scipy.stats.kendalltau default): <c>(C − D) / sqrt((n0 − n1)(n0 − n2))</c> with C/D the
    /// concordant/discordant pairs, n0 = C(n,2), n1/n2 the pairs tied in x/y. NaN when n &lt; 2 or either input is
    /// constant.
    /// </summary>
    public double KendallTau(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        RankingChecks.Pair(x, y);
        long c = 0, d = 0, tx = 0, ty = 0;
        for (int i = 0; i < x.Length; i++)
        {
            for (int j = i + 1; j < x.Length; j++)
            {
                int sx = Math.Sign(x[i] - x[j]);
                int sy = Math.Sign(y[i] - y[j]);
                c += sx * sy > 0 ? 1 : 0;
                d += sx * sy < 0 ? 1 : 0;
                tx += sx == 0 ? 1 : 0;
                ty += sy == 0 ? 1 : 0;
            }
        }

        long n0 = RankingChecks.PairCount(x.Length);
        return (c - d) / Math.Sqrt((double)(n0 - tx) * (n0 - ty));
    }

    /// <summary>
    /// Spearman ρ (scipy.stats.spearmanr): Pearson correlation of the ranks, ties getting the average of the ranks
    /// they span: <c>rank_i = 1 + #{x_j &lt; x_i} + (#{x_j = x_i} − 1)/2</c>. NaN when a rank vector is constant.
    /// </summary>
    public double Spearman(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        RankingChecks.Pair(x, y);
        var rx = AverageRanks(x);
        var ry = AverageRanks(y);
        return Pearson(rx, ry);
    }

    /// <summary>
    /// Levenshtein distance (unit insert/delete/substitute) by the classic DP over UTF-16 code units:
    /// <c>D[i][j] = min(D[i−1][j] + 1, D[i][j−1] + 1, D[i−1][j−1] + [a_i ≠ b_j])</c>, D[i][0] = i, D[0][j] = j.
    /// </summary>
    public int Levenshtein(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            prev[j] = j;
        }

        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                cur[j] = Math.Min(Math.Min(prev[j] + 1, cur[j - 1] + 1), sub);
            }

            (prev, cur) = (cur, prev);
        }

        return prev[b.Length];
    }

    /// <summary>
    /// NDCG@k with sklearn's <c>ndcg_score</c> convention: linear gain, <c>DCG@k = Σ_{i=1..min(k,n)} rel_i /
    /// log2(i + 1)</c> over the given (predicted) order, divided by the DCG@k of the relevances sorted descending;
    /// 0 when that ideal DCG is 0. Relevances must be finite and ≥ 0; k ≥ 1.
    /// </summary>
    public double Ndcg(ReadOnlySpan<double> relevanceInPredictedOrder, int k)
    {
        var rel = relevanceInPredictedOrder;
        NdcgChecks(rel, k);
        var ideal = rel.ToArray();
        Array.Sort(ideal, (p, q) => q.CompareTo(p));
        double dcg = 0, idcg = 0;
        int top = Math.Min(k, rel.Length);
        for (int i = 0; i < top; i++)
        {
            double discount = 1.0 / Math.Log2(i + 2);
            dcg += rel[i] * discount;
            idcg += ideal[i] * discount;
        }

        return idcg == 0 ? 0 : dcg / idcg;
    }

    /// <summary>Inversions of a permutation of 0..n-1: <c>#{i &lt; j : p_i &gt; p_j}</c>, counted pair by pair.
    /// </summary>
    public long DiscordantPairs(ReadOnlySpan<int> permutation)
    {
        RankingChecks.Permutation(permutation, "permutation");
        long inversions = 0;
        for (int i = 0; i < permutation.Length; i++)
        {
            for (int j = i + 1; j < permutation.Length; j++)
            {
                inversions += permutation[i] > permutation[j] ? 1 : 0;
            }
        }

        return inversions;
    }

    internal static void NdcgChecks(ReadOnlySpan<double> rel, int k)
    {
        Guard.Positive(k, "k");
        for (int i = 0; i < rel.Length; i++)
        {
            if (!double.IsFinite(rel[i]) || rel[i] < 0)
            {
                throw new KernelInputException(
                    "relevance", $"value {rel[i]} at index {i} must be finite and non-negative");
            }
        }
    }

    private static float Reward(string? solution, string groundTruth, int? row)
    {
        Span<int> truth = stackalloc int[JudgeOutput.MaxResponses];
        Span<int> predicted = stackalloc int[JudgeOutput.MaxResponses];
        int n = RankingChecks.GroundTruthRanking(groundTruth, truth, row);
        if (!JudgeOutput.TryParseRanking(solution ?? string.Empty, n, predicted))
        {
            return 0f;
        }

        return (float)(1.0 - (double)Discordant(predicted[..n], truth[..n]) / RankingChecks.PairCount(n));
    }

    /// <summary>Pairs (r, s) whose places are in opposite order in <paramref name="p"/> and <paramref name="t"/>.
    /// </summary>
    private static long Discordant(ReadOnlySpan<int> p, ReadOnlySpan<int> t)
    {
        long d = 0;
        for (int r = 0; r < p.Length; r++)
        {
            for (int s = r + 1; s < p.Length; s++)
            {
                d += (p[r] - p[s]) * (long)(t[r] - t[s]) < 0 ? 1 : 0;
            }
        }

        return d;
    }

    private static double[] AverageRanks(ReadOnlySpan<double> v)
    {
        var ranks = new double[v.Length];
        for (int i = 0; i < v.Length; i++)
        {
            int less = 0, equal = 0;
            for (int j = 0; j < v.Length; j++)
            {
                less += v[j] < v[i] ? 1 : 0;
                equal += v[j] == v[i] ? 1 : 0;
            }

            ranks[i] = 1 + less + (equal - 1) / 2.0;
        }

        return ranks;
    }

    private static double Pearson(double[] a, double[] b)
    {
        double ma = 0, mb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            ma += a[i];
            mb += b[i];
        }

        ma /= a.Length;
        mb /= b.Length;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sab += (a[i] - ma) * (b[i] - mb);
            saa += (a[i] - ma) * (a[i] - ma);
            sbb += (b[i] - mb) * (b[i] - mb);
        }

        return sab / Math.Sqrt(saa * sbb);
    }
}
