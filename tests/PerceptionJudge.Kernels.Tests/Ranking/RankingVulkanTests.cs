using PerceptionJudge.Kernels.Ranking;
using PerceptionJudge.Kernels.Runtime.Vulkan;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.Ranking;

/// <summary>The ranking shaders on both reduction variants (subgroup, shared memory), and the not-ported errors.
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

    [Test]
    public void UnportedMetricsThrowListingThePortedOnes()
    {
        using var context = Open(subgroups: true);
        var kernels = new RankingVulkan(context);
        var ex = Assert.Throws<NotSupportedException>(() => kernels.Spearman([1, 2], [2, 1]));
        Assert.That(ex!.Message, Does.Contain("'spearman' is not ported").And.Contain("kendall_tau"));
        ex = Assert.Throws<NotSupportedException>(() => kernels.Ndcg([1, 2], 2));
        Assert.That(ex!.Message, Does.Contain("'ndcg' is not ported"));
    }
}
