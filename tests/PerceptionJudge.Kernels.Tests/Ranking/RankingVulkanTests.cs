using PerceptionJudge.Kernels.Ranking;
using PerceptionJudge.Kernels.Runtime.Vulkan;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.Ranking;

/// <summary>The ranking shaders on both reduction variants (subgroup, shared memory), Spearman and NDCG.
/// </summary>
public sealed class RankingVulkanTests
{
    private static VulkanContext Open(bool subgroups)
    {
        if (!VulkanRuntime.IsAvailable)
        {
            Assert.Ignore($"Vulkan tests skipped: {VulkanRuntime.UnavailableReason}");
        }

        return VulkanContext.Create(null, subgroups);
    }

    /// <summary>Rows longer than 32 take the workgroup layout (integer workgroup sums); Kendall τ spans several
    /// workgroups; both equal the reference exactly.</summary>
    [Test]
    public void CountsMatchReferenceExactlyOnBothVariants([Values(true, false)] bool subgroups)
    {
        using var context = Open(subgroups);
        var kernels = new RankingVulkan(context);
        var reference = new RankingReference();
        var rng = TestRandom.Create(41);
        foreach (int n in new[] { 2, 31, 33, 300 })
        {
            int rows = 7;
            var predicted = new int[rows * n];
            var truth = new int[rows * n];
            for (int i = 0; i < rows; i++)
            {
                var p = predicted.AsSpan(i * n, n);
                var t = truth.AsSpan(i * n, n);
                for (int k = 0; k < n; k++)
                {
                    (p[k], t[k]) = (k, k);
                }

                rng.Shuffle(p);
                rng.Shuffle(t);
            }

            var (actual, expected) = (new float[rows], new float[rows]);
            kernels.PermutationRewards(predicted, truth, n, actual);
            reference.PermutationRewards(predicted, truth, n, expected);
            Assert.That(actual, Is.EqualTo(expected), $"n = {n}");

            double[] x = [.. Enumerable.Range(0, n).Select(_ => (double)rng.Next(9) - 4)];
            double[] y = [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5)];
            x[0] = -0.0;
            y[^1] = 0.0;
            Assert.That(kernels.KendallTau(x, y), Is.EqualTo(reference.KendallTau(x, y)), $"τ n = {n}");
        }
    }

    /// <summary>Spearman's integer rank sums give the reference's value (1e-12), NDCG's float32 sums agree within
    /// 1e-5 relative; n = 300 spans several workgroups, and a rerun gives the same bits on each variant.</summary>
    [Test]
    public void SpearmanAndNdcgMatchReferenceAndRepeatBitForBit([Values(true, false)] bool subgroups)
    {
        using var context = Open(subgroups);
        var kernels = new RankingVulkan(context);
        var reference = new RankingReference();
        var rng = TestRandom.Create(77);
        foreach (int n in new[] { 2, 65, 300 })
        {
            double[] x = [.. Enumerable.Range(0, n).Select(_ => (double)rng.Next(11) - 5)];
            double[] y = [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5)];
            x[0] = -0.0;
            x[^1] = 0.0;
            double rho = kernels.Spearman(x, y);
            Assert.That(rho, Is.EqualTo(reference.Spearman(x, y)).Within(1e-12), $"ρ n = {n}");
            Assert.That(BitConverter.DoubleToInt64Bits(kernels.Spearman(x, y)),
                Is.EqualTo(BitConverter.DoubleToInt64Bits(rho)), $"ρ rerun n = {n}");

            double[] rel = [.. Enumerable.Range(0, n).Select(_ => rng.NextDouble() * 3e-200)];
            rel[n / 2] = 0;
            foreach (int k in new[] { 1, 10, n })
            {
                double ndcg = kernels.Ndcg(rel, k);
                double expected = reference.Ndcg(rel, k);
                Assert.That(ndcg, Is.EqualTo(expected).Within(1e-5 * expected), $"ndcg n = {n} k = {k}");
                Assert.That(BitConverter.DoubleToInt64Bits(kernels.Ndcg(rel, k)),
                    Is.EqualTo(BitConverter.DoubleToInt64Bits(ndcg)), $"ndcg rerun n = {n} k = {k}");
            }
        }
    }
}
