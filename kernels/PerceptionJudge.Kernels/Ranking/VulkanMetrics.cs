using System.Runtime.InteropServices;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Vulkan;

namespace PerceptionJudge.Kernels.Ranking;

/// <summary>Spearman ρ and NDCG@k on the device (<c>spearman.comp</c>, <c>ndcg.comp</c>).</summary>
public sealed partial class RankingVulkan
{
    private const int SpearmanRowsPerGroup = 16;

    /// <summary>
    /// Spearman ρ from exact integer rank sums: the shader counts each value's smaller and equal values on 64-bit
    /// order keys, forms the doubled centred average ranks a, b and sums Σab, Σa², Σb² in 64-bit per workgroup; the
    /// host adds the partials in order and returns Σab / √(Σa²·Σb²), the reference's value up to its own double
    /// rounding (bit-equal whenever the reference's sums are exact). NaN when a rank vector is constant or n &lt; 2.
    /// </summary>
    public double Spearman(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        RankingChecks.Pair(x, y);
        if (x.Length < 2)
        {
            return double.NaN; // one value: its rank vector is constant, as the reference's 0 / 0
        }

        CheckCount(x.Length);
        var context = Context;
        int n = x.Length;
        int groups = (n + SpearmanRowsPerGroup - 1) / SpearmanRowsPerGroup;
        using var xb = VulkanBuffer.From<ulong>(context, OrderKeys(x));
        using var yb = VulkanBuffer.From<ulong>(context, OrderKeys(y));
        using var sums = VulkanBuffer.Create(context, (long)groups * 3 * sizeof(long));
        var push = new KendallPush((uint)n, SpearmanRowsPerGroup, (uint)groups);
        var (gx, gy) = VulkanDispatch.Split(groups);
        context.Run(new VulkanDispatch("spearman", [xb, yb, sums], VulkanDispatch.Bytes(push), gx, gy));
        var parts = sums.AsSpan<long>(); // (lo, hi) little-endian words are one long
        long ab = 0, aa = 0, bb = 0;
        for (int g = 0; g < groups; g++)
        {
            (ab, aa, bb) = (ab + parts[3 * g], aa + parts[3 * g + 1], bb + parts[3 * g + 2]);
        }

        return ab / Math.Sqrt((double)aa * bb);
    }

    /// <summary>
    /// NDCG@k: the shader places every relevance in the ideal order by exact counting on order keys and adds the
    /// discounted gains of both orders in float32 per workgroup (fixed order); the host adds the partials in double.
    /// The relevances go to the device scaled by 1 / max (NDCG does not change), so float32 keeps their relative
    /// precision; the result agrees with the double reference within 1e-5 relative. 0 when the ideal DCG is 0.
    /// </summary>
    public double Ndcg(ReadOnlySpan<double> relevanceInPredictedOrder, int k)
    {
        var rel = relevanceInPredictedOrder;
        RankingReference.NdcgChecks(rel, k);
        double max = 0;
        foreach (double r in rel)
        {
            max = Math.Max(max, r);
        }

        if (max == 0)
        {
            return 0; // every gain is 0, so the ideal DCG is 0: the reference's 0
        }

        var context = Context;
        int n = rel.Length;
        int groups = (n + WorkgroupSize - 1) / WorkgroupSize;
        using var keys = VulkanBuffer.From<ulong>(context, OrderKeys(rel));
        using var gains = VulkanBuffer.Create(context, (long)n * sizeof(float));
        var scaled = gains.AsSpan<float>();
        for (int i = 0; i < n; i++)
        {
            scaled[i] = (float)(rel[i] / max);
        }

        using var partials = VulkanBuffer.Create(context, (long)groups * 2 * sizeof(float));
        var push = new NdcgPush((uint)n, (uint)Math.Min(k, n), (uint)groups);
        var (gx, gy) = VulkanDispatch.Split(groups);
        context.Run(new VulkanDispatch("ndcg", [keys, gains, partials], VulkanDispatch.Bytes(push), gx, gy));
        var parts = partials.AsSpan<float>();
        double dcg = 0, idcg = 0;
        for (int g = 0; g < groups; g++)
        {
            (dcg, idcg) = (dcg + parts[2 * g], idcg + parts[2 * g + 1]);
        }

        return idcg == 0 ? 0 : dcg / idcg;
    }

    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct NdcgPush(uint N, uint Top, uint Groups);
}
