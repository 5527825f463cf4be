using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Ranking;

/// <summary>
/// The ranking family's operation set: judge rewards (parse + score) and ranking metrics. Implemented by
/// <see cref="RankingReference"/> (the spec), <see cref="RankingCpu"/> (fast),
/// <see cref="RankingVulkan"/> (GLSL, parsing on the host) and <see cref="RankingIlgpu"/> (ILGPU, likewise); pick one with
/// <see cref="RankingKernels.For"/>. Model output never throws (garbage scores 0); bad ground truth or bad metric
/// input throws <see cref="KernelInputException"/> naming the field.
/// </summary>
public interface IRankingKernels
{
    /// <summary>Batch-ranking reward of one generation; see <see cref="JudgeReward.BatchRanking(string, string)"/>.
    /// </summary>
    float BatchRankingReward(string solutionStr, string groundTruth);

    /// <summary>The batch-ranking reward of every (solution, ground truth) row into <paramref name="rewards"/>.
    /// </summary>
    void BatchRankingReward(IReadOnlyList<string> solutions, IReadOnlyList<string> groundTruths, Span<float> rewards);

    /// <summary>Pair reward of one generation; see <see cref="JudgeReward.Pair"/>.</summary>
    float PairReward(string solutionStr, string groundTruth);

    /// <summary>
    /// Batched reward of already-parsed rankings: row i of <paramref name="predicted"/> and <paramref name="truth"/>
    /// (n ints each, <c>[rows][n]</c> row-major) holds the place of each response (0 = best), a permutation of
    /// 0..n-1; <c>rewards[i] = 1 − discordant pairs / C(n,2)</c>.
    /// </summary>
    void PermutationRewards(ReadOnlySpan<int> predicted, ReadOnlySpan<int> truth, int n, Span<float> rewards);

    /// <summary>Kendall τ-b; see <see cref="Ranking.KendallTau"/>.</summary>
    double KendallTau(ReadOnlySpan<double> x, ReadOnlySpan<double> y);

    /// <summary>Spearman ρ; see <see cref="Ranking.Spearman"/>.</summary>
    double Spearman(ReadOnlySpan<double> x, ReadOnlySpan<double> y);

    /// <summary>Levenshtein distance; see <see cref="Ranking.Levenshtein"/>.</summary>
    int Levenshtein(ReadOnlySpan<char> a, ReadOnlySpan<char> b);

    /// <summary>NDCG@k; see <see cref="Ranking.Ndcg"/>.</summary>
    double Ndcg(ReadOnlySpan<double> relevanceInPredictedOrder, int k);

    /// <summary>Inversions of a permutation of 0..n-1; see <see cref="Ranking.DiscordantPairs"/>.</summary>
    long DiscordantPairs(ReadOnlySpan<int> permutation);
}

/// <summary>The ranking implementation of each backend.</summary>
public static class RankingKernels
{
    private static readonly RankingReference s_reference = new();
    private static readonly RankingCpu s_cpu = new();
    private static readonly Lazy<RankingVulkan> s_vulkan = new(() => new RankingVulkan());
    private static readonly Lazy<RankingIlgpu> s_ilgpu = new(() => new RankingIlgpu(Runtime.Ilgpu.IlgpuRuntime.Shared));

    /// <summary>The implementation for <paramref name="backend"/> (Vulkan: <see cref="RankingVulkan"/>; ILGPU:
    /// <see cref="RankingIlgpu"/>, which throws with the reason when no accelerator opened).</summary>
    public static IRankingKernels For(Backend backend) => backend switch
    {
        Backend.Reference => s_reference,
        Backend.Cpu => s_cpu,
        Backend.Vulkan => s_vulkan.Value,
        Backend.Ilgpu => s_ilgpu.Value,
        _ => throw new KernelInputException("backend", $"{backend} is not available for the ranking kernels"),
    };

    /// <summary>The implementation for <see cref="KernelBackend.Current"/>.</summary>
    internal static IRankingKernels Current => For(KernelBackend.Current);
}
