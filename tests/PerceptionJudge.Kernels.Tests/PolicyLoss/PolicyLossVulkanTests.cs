using PerceptionJudge.Kernels.PolicyLoss;
using PerceptionJudge.Kernels.Runtime.Vulkan;
using PerceptionJudge.Kernels.Tests.LossAgg;
using Loss = PerceptionJudge.Kernels.PolicyLoss.PolicyLoss;

namespace PerceptionJudge.Kernels.Tests.PolicyLoss;

/// <summary>
/// Every Vulkan policy-loss shader on both SPIR-V variants (subgroup and shared-memory reductions): rows longer than a
/// workgroup (64), fractional mask weights, empty rows, a seq-mean aggregation; the same bits on a second run. The
/// float32 row sums differ from the double reference in order only: bound 1e-5 relative (gradient: of its largest).
/// </summary>
public sealed class PolicyLossVulkanTests
{
    private static string[] Ported => [.. PolicyLossVulkan.Ported];

    [Test]
    public void Compute_BothReductionVariantsMatchReferenceAndRepeatBitForBit(
        [ValueSource(nameof(Ported))] string mode, [Values(true, false)] bool subgroups)
    {
        if (!VulkanRuntime.IsAvailable)
        {
            Assert.Ignore($"Vulkan tests skipped: {VulkanRuntime.UnavailableReason}");
        }

        using var context = VulkanContext.Create(null, subgroups);
        var b = Batch.Random(41 * 300, salt: 77, cols: 300, spread: 0.4f);
        for (int k = 0; k < b.Mask.Length; k += 4)
        {
            b.Mask[k] *= 0.5f;
        }

        var o = new PolicyLossOptions { LossAggMode = "seq-mean-token-mean", ClipRatioHigh = 0.28f };
        MatchesReferenceAndRepeats(context, Loss.Parse(mode), b, o, mode);
    }

    /// <summary>
    /// kl_cov's device top-k against the reference selection: large ratios and many exact ties (quantised advantages
    /// and log-probs), so the k-th covariance is shared by many tokens and the lower-index rule decides; a wrong
    /// selection moves the gradient by ppo_kl_coef·sign(d) at that token, far outside the bound.
    /// </summary>
    [Test]
    public void KlCov_TopKWithTiesMatchesReferenceSelection(
        [Values(0.0002, 0.05, 0.3, 1.0)] double ratio, [Values(true, false)] bool subgroups)
    {
        if (!VulkanRuntime.IsAvailable)
        {
            Assert.Ignore($"Vulkan tests skipped: {VulkanRuntime.UnavailableReason}");
        }

        using var context = VulkanContext.Create(null, subgroups);
        var b = Batch.Random(23 * 257, salt: 5, cols: 257, spread: 0.4f);
        for (int k = 0; k < b.Lp.Length; k++)
        {
            b.Adv[k] = MathF.Round(b.Adv[k]);
            b.Lp[k] = MathF.Round(b.Lp[k] * 4f) / 4f;
        }

        var o = new PolicyLossOptions { KlCovRatio = ratio, PpoKlCoef = 2f };
        MatchesReferenceAndRepeats(context, PolicyLossMode.KlCov, b, o, $"kl_cov ratio {ratio}");
    }

    /// <summary>
    /// clip_cov with many candidates drawn (the device's candidate flags and the host's seeded draw must pick the
    /// reference's tokens: a wrong pick zeroes another token's gradient, far outside the bound), several seeds.
    /// </summary>
    [Test]
    public void ClipCov_ManyDrawsMatchReferenceSelection(
        [Values(0.0002, 0.05, 0.5)] double ratio, [Values(1, 2)] int seed, [Values(true, false)] bool subgroups)
    {
        if (!VulkanRuntime.IsAvailable)
        {
            Assert.Ignore($"Vulkan tests skipped: {VulkanRuntime.UnavailableReason}");
        }

        using var context = VulkanContext.Create(null, subgroups);
        var b = Batch.Random(19 * 300, salt: 9, cols: 300, spread: 0.4f);
        var o = new PolicyLossOptions { ClipCovRatio = ratio, ClipCovLb = -1f, ClipCovUb = 3f, Seed = seed };
        MatchesReferenceAndRepeats(context, PolicyLossMode.ClipCov, b, o, $"clip_cov ratio {ratio}");
    }

    /// <summary>
    /// The Vulkan result against the double reference (losses and clip fractions within 1e-5, the gradient within
    /// 1e-5 of its largest), then a rerun that must give the same bits.
    /// </summary>
    private static void MatchesReferenceAndRepeats(
        VulkanContext context, PolicyLossMode mode, Batch b, PolicyLossOptions o, string label)
    {
        var input = new PolicyLossInput(b.Old, b.Lp, b.Adv, b.Mask, b.Rows, b.Cols);
        var gRef = new float[b.Old.Length];
        var expected = new PolicyLossReference().Compute(mode, input, gRef, o);
        var kernels = new PolicyLossVulkan(context);
        var g = new float[b.Old.Length];
        var actual = kernels.Compute(mode, input, g, o);
        Assert.That(actual.PgLoss, Is.EqualTo(expected.PgLoss).Within(1e-5 * Math.Max(1, Math.Abs(expected.PgLoss))),
            label);
        Assert.That(actual.PgClipfrac, Is.EqualTo(expected.PgClipfrac).Within(1e-5), label);
        Assert.That(actual.PpoKl, Is.EqualTo(expected.PpoKl).Within(1e-5), label);
        Assert.That(actual.PgClipfracLower, Is.EqualTo(expected.PgClipfracLower).Within(1e-5), label);
        AggOracle.AssertGradClose(g, AggOracle.ToDouble(gRef), 1e-5, label);

        var again = new float[g.Length];
        Assert.That(kernels.Compute(mode, input, again, o), Is.EqualTo(actual), "same bits on a rerun");
        Assert.That(again, Is.EqualTo(g), "same gradient bits on a rerun");
    }
}
