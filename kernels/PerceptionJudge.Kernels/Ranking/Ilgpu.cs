using ILGPU;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;
using static PerceptionJudge.Kernels.Ranking.RankingIlgpuDevice;

namespace PerceptionJudge.Kernels.Ranking;

/// <summary>
/// The ranking kernels as ILGPU kernels (<see cref="RankingIlgpuDevice"/>) on an <see cref="IlgpuContext"/>, the
/// formulas of <see cref="RankingReference"/>. As on Vulkan, parsing is not math: the judge's text
/// (<see cref="JudgeOutput"/>) and the ground truth are parsed on the host (the first malformed ground truth throws,
/// naming its row), and the math runs on the device: the discordant pairs behind the batch-ranking reward
/// 1 − D / C(n,2), <see cref="PermutationRewards"/> and <see cref="DiscordantPairs"/> (one thread per element, then
/// per row); Kendall τ-b's pair counts; Spearman's average ranks and their Pearson correlation; NDCG's ideal order
/// and both DCGs; the Levenshtein DP. Counts are exact and the double sums run in the reference's order, so the
/// results are the reference's bits (τ-b is formed on the host from the exact counts, as the reference forms it).
/// <see cref="PairReward"/> is a parse and one comparison: it runs on the host. Bad input gets the shared
/// <see cref="RankingChecks"/> errors.
/// </summary>
public sealed class RankingIlgpu : IRankingKernels
{
    private readonly IlgpuContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="IlgpuRuntime.Shared"/> when null.
    /// </summary>
    public RankingIlgpu(IlgpuContext? context = null) => _context = context;

    /// <summary>The ranking operations this backend runs as ILGPU kernels (all of them; pair_reward on the host).
    /// </summary>
    public static IReadOnlyList<string> Ported => RankingVulkan.Ported;

    private IlgpuContext Context => _context ?? IlgpuRuntime.Shared;

    /// <inheritdoc />
    public float BatchRankingReward(string solutionStr, string groundTruth)
    {
        var rewards = new float[1];
        BatchRankingReward([solutionStr], [groundTruth], rewards);
        return rewards[0];
    }

    /// <summary>Parses every row on the host in order (rows that do not parse get n = 0 and score 0), then one launch
    /// over all rows at a stride of <see cref="JudgeOutput.MaxResponses"/> places.</summary>
    public void BatchRankingReward(
        IReadOnlyList<string> solutions, IReadOnlyList<string> groundTruths, Span<float> rewards)
    {
        RankingChecks.Batch(solutions, groundTruths, rewards);
        const int Stride = JudgeOutput.MaxResponses;
        var predicted = new int[solutions.Count * Stride];
        var truth = new int[solutions.Count * Stride];
        var counts = new int[solutions.Count];
        for (int i = 0; i < solutions.Count; i++)
        {
            int n = RankingChecks.GroundTruthRanking(groundTruths[i], truth.AsSpan(i * Stride, Stride), i);
            bool parsed = JudgeOutput.TryParseRanking(
                solutions[i] ?? string.Empty, n, predicted.AsSpan(i * Stride, Stride));
            counts[i] = parsed ? n : 0;
        }

        Discordant(predicted, truth, counts, Stride, rewards, default);
    }

    /// <summary>On the host: the verdict parse and one comparison (<see cref="RankingReference.PairReward"/>).
    /// </summary>
    public float PairReward(string solutionStr, string groundTruth) =>
        RankingReference.Pair(solutionStr, groundTruth);

    /// <inheritdoc />
    public void PermutationRewards(ReadOnlySpan<int> predicted, ReadOnlySpan<int> truth, int n, Span<float> rewards)
    {
        RankingChecks.AtLeastTwo(n);
        Guard.Length(predicted, rewards.Length * n, "predicted");
        Guard.Length(truth, rewards.Length * n, "truth");
        for (int i = 0; i < rewards.Length; i++)
        {
            RankingChecks.Permutation(predicted.Slice(i * n, n), "predicted", i);
            RankingChecks.Permutation(truth.Slice(i * n, n), "truth", i);
        }

        var counts = new int[rewards.Length];
        Array.Fill(counts, n);
        Discordant(predicted, truth, counts, n, rewards, default);
    }

    /// <summary>Inversions: the discordant pairs of the permutation against the identity, on the device.</summary>
    public long DiscordantPairs(ReadOnlySpan<int> permutation)
    {
        RankingChecks.Permutation(permutation, "permutation");
        var total = new long[1];
        Discordant(permutation, default, [permutation.Length], permutation.Length, default, total);
        return total[0];
    }

    /// <inheritdoc />
    public double KendallTau(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        RankingChecks.Pair(x, y);
        var context = Context;
        var sums = new long[4];
        lock (context.Gate)
        {
            var a = Metric(context, x, y, counts: 4 * x.Length, ranks: 0);
            context.Kernel<MetricArgs>(KendallPairs)(x.Length, a);
            context.Kernel<MetricArgs>(KendallSum)(1, a);
            context.Download(a.Sums, sums);
        }

        long n0 = RankingChecks.PairCount(x.Length);
        return (sums[0] - sums[1]) / Math.Sqrt((double)(n0 - sums[2]) * (n0 - sums[3]));
    }

    /// <inheritdoc />
    public double Spearman(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        RankingChecks.Pair(x, y);
        var context = Context;
        lock (context.Gate)
        {
            var a = Metric(context, x, y, counts: 0, ranks: x.Length);
            context.Kernel<MetricArgs>(AverageRanks)(x.Length, a);
            context.Kernel<MetricArgs>(Pearson)(1, a);
            return Result(context, a);
        }
    }

    /// <inheritdoc />
    public double Ndcg(ReadOnlySpan<double> relevanceInPredictedOrder, int k)
    {
        var rel = relevanceInPredictedOrder;
        RankingReference.NdcgChecks(rel, k);
        var context = Context;
        lock (context.Gate)
        {
            var a = Metric(context, rel, default, counts: 0, ranks: rel.Length) with { Top = Math.Min(k, rel.Length) };
            context.Kernel<MetricArgs>(IdealPlace)(rel.Length, a);
            context.Kernel<MetricArgs>(NdcgSum)(1, a);
            return Result(context, a);
        }
    }

    /// <summary>The edit distance on the device, the UTF-16 code units widened to ints.</summary>
    public int Levenshtein(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        var context = Context;
        lock (context.Gate)
        {
            var args = new EditArgs(context.Upload<int>("rank.editA", Widen(a)),
                context.Upload<int>("rank.editB", Widen(b)), context.Buffer<int>("rank.editRows", 2L * (b.Length + 1)),
                context.Buffer<int>("rank.distance", 1));
            context.Kernel<EditArgs>(RankingIlgpuDevice.Levenshtein)(1, args);
            var distance = new int[1];
            context.Download(args.Distance, distance);
            return distance[0];
        }
    }

    /// <summary>
    /// D of every row of up to <paramref name="stride"/> places (row i's n in <paramref name="counts"/>; an empty
    /// <paramref name="truth"/> is the identity) into <paramref name="rewards"/> as 1 − D / C(n,2) and, when given,
    /// into <paramref name="totals"/>.
    /// </summary>
    private void Discordant(
        ReadOnlySpan<int> predicted, ReadOnlySpan<int> truth, int[] counts, int stride, Span<float> rewards,
        Span<long> totals)
    {
        var context = Context;
        int rows = counts.Length;
        lock (context.Gate)
        {
            var a = new PairArgs(context.Upload("rank.predicted", predicted), context.Upload("rank.truth", truth),
                context.Upload<int>("rank.count", counts), stride, truth.IsEmpty ? 1 : 0,
                context.Buffer<int>("rank.partners", (long)rows * stride), context.Buffer<long>("rank.total", rows),
                context.Buffer<float>("rank.rewards", rows));
            context.Kernel<PairArgs>(RankingIlgpuDevice.Discordant)((long)rows * stride, a);
            context.Kernel<PairArgs>(DiscordantRows)(rows, a);
            context.Download(a.Rewards.SubView(0, rewards.Length), rewards);
            context.Download(a.Total.SubView(0, totals.Length), totals);
        }
    }

    /// <summary>Uploads the value vectors and binds the pool's buffers for the metric kernels.</summary>
    private static MetricArgs Metric(
        IlgpuContext context, ReadOnlySpan<double> x, ReadOnlySpan<double> y, int counts, int ranks) =>
        new(context.Upload("rank.x", x), context.Upload("rank.y", y), context.Buffer<int>("rank.counts", counts),
            context.Buffer<long>("rank.sums", 4), context.Buffer<double>("rank.rankX", ranks),
            context.Buffer<double>("rank.rankY", ranks), 0, context.Buffer<double>("rank.out", 1));

    private static double Result(IlgpuContext context, MetricArgs a)
    {
        var result = new double[1];
        context.Download(a.Out, result);
        return result[0];
    }

    private static int[] Widen(ReadOnlySpan<char> text)
    {
        var codes = new int[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            codes[i] = text[i];
        }

        return codes;
    }
}
