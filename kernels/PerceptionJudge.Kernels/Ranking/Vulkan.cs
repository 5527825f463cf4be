using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.Ranking;

/// <summary>
/// Ranking kernels as GLSL compute shaders on the shared <see cref="VulkanContext"/>. The split: parsing is not math,
/// so the judge's text (<see cref="JudgeOutput"/>) and the ground truth are parsed on the host, and the rankings'
/// math runs on the device:
/// <list type="bullet">
/// <item><c>permutation_reward.comp</c>: discordant pairs of parsed rankings, for the batch-ranking reward
/// (1 − D / C(n,2)), <see cref="PermutationRewards"/> and <see cref="DiscordantPairs"/>;</item>
/// <item><c>kendall_tau.comp</c>: the concordant / discordant / tied pair counts of Kendall τ-b;</item>
/// <item><c>levenshtein.comp</c>: the edit distance of int sequences (UTF-16 code units widened), an anti-diagonal
/// wavefront, which also gives <see cref="Ranking.NormalizedLevenshtein"/>.</item>
/// </list>
/// The shaders count exactly (integers); the host forms each ratio in double as the reference does, so results are
/// the reference's bits. <see cref="PairReward"/> is a parse and one comparison, no math: it runs on the host.
/// Spearman ρ and NDCG run on the device too (<c>spearman.comp</c>, <c>ndcg.comp</c>; see VulkanMetrics.cs).
/// </summary>
public sealed partial class RankingVulkan : IRankingKernels
{
    /// <summary>The largest n whose C(n, 2) pair count fits the shaders' 32-bit counters.</summary>
    internal const int MaxResponses = 92_681;

    private const int WorkgroupSize = 64;
    private const int PerInvocationMaxN = 32;
    private const int KendallRowsPerGroup = 16;
    private readonly VulkanContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="VulkanRuntime.Shared"/> when null.
    /// </summary>
    public RankingVulkan(VulkanContext? context = null) => _context = context;

    /// <summary>The ranking operations this backend runs on the GPU.</summary>
    public static IReadOnlyList<string> Ported { get; } =
        ["batch_ranking_reward", "permutation_rewards", "discordant_pairs", "kendall_tau", "spearman", "levenshtein",
            "ndcg"];

    private VulkanContext Context => _context ?? VulkanRuntime.Shared;

    /// <inheritdoc />
    public float BatchRankingReward(string solutionStr, string groundTruth)
    {
        var rewards = new float[1];
        BatchRankingReward([solutionStr], [groundTruth], rewards);
        return rewards[0];
    }

    /// <summary>
    /// Parses every row on the host in order (the first malformed ground truth throws, naming its row), then runs
    /// one dispatch per distinct response count over the rows that parsed; rows that do not parse score 0.
    /// </summary>
    public void BatchRankingReward(
        IReadOnlyList<string> solutions, IReadOnlyList<string> groundTruths, Span<float> rewards)
    {
        RankingChecks.Batch(solutions, groundTruths, rewards);
        var byCount = new SortedDictionary<int, (List<int> Rows, List<int> Predicted, List<int> Truth)>();
        Span<int> truth = stackalloc int[JudgeOutput.MaxResponses];
        Span<int> predicted = stackalloc int[JudgeOutput.MaxResponses];
        for (int i = 0; i < solutions.Count; i++)
        {
            int n = RankingChecks.GroundTruthRanking(groundTruths[i], truth, i);
            rewards[i] = 0f;
            if (!JudgeOutput.TryParseRanking(solutions[i] ?? string.Empty, n, predicted))
            {
                continue;
            }

            if (!byCount.TryGetValue(n, out var batch))
            {
                batch = ([], [], []);
                byCount.Add(n, batch);
            }

            batch.Rows.Add(i);
            batch.Predicted.AddRange(predicted[..n]);
            batch.Truth.AddRange(truth[..n]);
        }

        foreach (var (n, batch) in byCount)
        {
            var counts = Discordant(CollectionsMarshal.AsSpan(batch.Predicted), CollectionsMarshal.AsSpan(batch.Truth),
                n, batch.Rows.Count);
            for (int k = 0; k < counts.Length; k++)
            {
                rewards[batch.Rows[k]] = Reward(counts[k], n);
            }
        }
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
        CheckCount(n);
        for (int i = 0; i < rewards.Length; i++)
        {
            RankingChecks.Permutation(predicted.Slice(i * n, n), "predicted", i);
            RankingChecks.Permutation(truth.Slice(i * n, n), "truth", i);
        }

        var counts = Discordant(predicted, truth, n, rewards.Length);
        for (int i = 0; i < rewards.Length; i++)
        {
            rewards[i] = Reward(counts[i], n);
        }
    }

    /// <inheritdoc />
    public double KendallTau(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        RankingChecks.Pair(x, y);
        var context = Context;
        int n = x.Length;
        int groups = KendallGroups(n);
        using var xb = VulkanBuffer.From<ulong>(context, OrderKeys(x));
        using var yb = VulkanBuffer.From<ulong>(context, OrderKeys(y));
        using var counts = VulkanBuffer.Create(context, (long)groups * 4 * sizeof(uint));
        context.Run(KendallDispatch(xb, yb, counts, n));
        var parts = counts.AsSpan<uint>();
        long c = 0, d = 0, tx = 0, ty = 0;
        for (int g = 0; g < groups; g++)
        {
            (c, d, tx, ty) = (c + parts[4 * g], d + parts[4 * g + 1], tx + parts[4 * g + 2], ty + parts[4 * g + 3]);
        }

        long n0 = RankingChecks.PairCount(n);
        return (c - d) / Math.Sqrt((double)(n0 - tx) * (n0 - ty));
    }

    /// <summary>The edit distance on the device, the UTF-16 code units widened to ints.</summary>
    public int Levenshtein(ReadOnlySpan<char> a, ReadOnlySpan<char> b)
    {
        var context = Context;
        using var ab = VulkanBuffer.Create(context, (long)a.Length * sizeof(int));
        using var bb = VulkanBuffer.Create(context, (long)b.Length * sizeof(int));
        Widen(a, ab.AsSpan<int>());
        Widen(b, bb.AsSpan<int>());
        using var diagonals = VulkanBuffer.Create(context, LevenshteinScratchBytes(a.Length));
        using var distance = VulkanBuffer.Create(context, sizeof(int));
        context.Run(LevenshteinDispatch(ab, bb, diagonals, distance, a.Length, b.Length));
        return distance.AsSpan<int>()[0];
    }

    /// <summary>Workgroups of the Kendall pair count over n values (16 rows of the pair matrix each).</summary>
    internal static int KendallGroups(int n) => (n + KendallRowsPerGroup - 1) / KendallRowsPerGroup;

    /// <summary>The Kendall pair-count dispatch over (x keys, y keys, 4 counts per group) of
    /// <see cref="OrderKeys"/>.</summary>
    internal static VulkanDispatch KendallDispatch(VulkanBuffer x, VulkanBuffer y, VulkanBuffer counts, int n)
    {
        int groups = KendallGroups(n);
        var push = new KendallPush((uint)n, KendallRowsPerGroup, (uint)groups);
        var (gx, gy) = VulkanDispatch.Split(groups);
        return new VulkanDispatch("kendall_tau", [x, y, counts], VulkanDispatch.Bytes(push), gx, gy);
    }

    /// <summary>Bytes of the Levenshtein scratch buffer (three anti-diagonals) for a first string of
    /// <paramref name="lengthA"/>.</summary>
    internal static long LevenshteinScratchBytes(int lengthA) => 3L * (lengthA + 1) * sizeof(int);

    /// <summary>The one-workgroup Levenshtein dispatch over (a, b, scratch, distance), the code units widened to
    /// ints.</summary>
    internal static VulkanDispatch LevenshteinDispatch(
        VulkanBuffer a, VulkanBuffer b, VulkanBuffer scratch, VulkanBuffer distance, int lengthA, int lengthB) =>
        new("levenshtein", [a, b, scratch, distance],
            VulkanDispatch.Bytes(new LevenshteinPush((uint)lengthA, (uint)lengthB)), 1);

    /// <summary>Inversions: the discordant pairs of the permutation against the identity, on the device.</summary>
    public long DiscordantPairs(ReadOnlySpan<int> permutation)
    {
        RankingChecks.Permutation(permutation, "permutation");
        CheckCount(permutation.Length);
        var identity = new int[permutation.Length];
        for (int i = 0; i < identity.Length; i++)
        {
            identity[i] = i;
        }

        return Discordant(permutation, identity, permutation.Length, 1)[0];
    }

    /// <summary>D_i for each of <paramref name="rows"/> rows of n places (one dispatch).</summary>
    private uint[] Discordant(ReadOnlySpan<int> predicted, ReadOnlySpan<int> truth, int n, int rows)
    {
        var context = Context;
        using var p = VulkanBuffer.From(context, predicted);
        using var t = VulkanBuffer.From(context, truth);
        using var d = VulkanBuffer.Create(context, (long)rows * sizeof(uint));
        context.Run(DiscordantDispatch(p, t, d, n, rows));
        return d.AsSpan<uint>()[..rows].ToArray();
    }

    /// <summary>The discordant-pair dispatch over (predicted, truth, D) of <paramref name="rows"/> rankings of n
    /// places: one invocation per row up to n = 32, else one workgroup per row.</summary>
    internal static VulkanDispatch DiscordantDispatch(
        VulkanBuffer predicted, VulkanBuffer truth, VulkanBuffer discordant, int n, int rows)
    {
        bool perInvocation = n <= PerInvocationMaxN;
        long workgroups = perInvocation ? (rows + WorkgroupSize - 1) / WorkgroupSize : rows;
        var (x, y) = VulkanDispatch.Split(workgroups);
        var push = new RewardPush((uint)rows, (uint)n, perInvocation ? 1u : 0u);
        return new VulkanDispatch("permutation_reward", [predicted, truth, discordant], VulkanDispatch.Bytes(push),
            x, y);
    }

    private static float Reward(uint discordant, int n) =>
        (float)(1.0 - (double)discordant / RankingChecks.PairCount(n));

    private static void CheckCount(int n)
    {
        if (n > MaxResponses)
        {
            throw new KernelInputException(
                "n", $"{n} places exceed the Vulkan backend's {MaxResponses} (32-bit pair counts); use --backend cpu");
        }
    }

    /// <summary>64-bit keys whose unsigned order is the order of the finite doubles (−0 as +0): the sign bit
    /// flipped for positives, every bit flipped for negatives.</summary>
    internal static ulong[] OrderKeys(ReadOnlySpan<double> values)
    {
        var keys = new ulong[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            ulong bits = BitConverter.DoubleToUInt64Bits(values[i] == 0 ? 0.0 : values[i]);
            ulong key = (bits >> 63) != 0 ? ~bits : bits | (1UL << 63);
            keys[i] = (key << 32) | (key >> 32); // (hi, lo) → uvec2(x = hi, y = lo) in memory order
        }

        return keys;
    }

    private static void Widen(ReadOnlySpan<char> text, Span<int> codes)
    {
        for (int i = 0; i < text.Length; i++)
        {
            codes[i] = text[i];
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct RewardPush(uint Rows, uint N, uint PerInvocation);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct KendallPush(uint N, uint RowsPerGroup, uint Groups);

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct LevenshteinPush(uint La, uint Lb);
}
