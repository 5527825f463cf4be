using PerceptionJudge.Kernels.LossAgg;
using PerceptionJudge.Kernels.Runtime.Vulkan;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.LossAgg;

/// <summary>
/// The Vulkan agg_loss on both SPIR-V variants (subgroup and shared-memory reductions): more rows than the finishing
/// workgroup (256) and rows longer than a row workgroup (64), fractional mask weights, empty rows; the same bits on
/// a second run. The float32 GPU sums differ from the double reference in order only, bound 1e-5 relative.
/// </summary>
public sealed class LossAggVulkanTests
{
    private static string[] AllModes => [.. LossAggVulkan.Ported];

    [Test]
    public void Aggregate_BothReductionVariantsMatchReferenceAndRepeatBitForBit(
        [ValueSource(nameof(AllModes))] string mode, [Values(true, false)] bool subgroups)
    {
        if (!VulkanRuntime.IsAvailable)
        {
            Assert.Ignore($"Vulkan tests skipped: {VulkanRuntime.UnavailableReason}");
        }

        using var context = VulkanContext.Create(null, subgroups);
        const int rows = 601, cols = 333;
        var rng = TestRandom.Create(41);
        var x = TestRandom.Normal(rng, rows * cols, 0.3f, 2f);
        var m = AggOracle.Mask(rng, rows, cols);
        for (int k = 0; k < m.Length; k += 3)
        {
            m[k] *= 0.5f;
        }

        var agg = LossAggregation.Parse(mode);
        var gRef = new float[x.Length];
        float expected = new LossAggReference().Aggregate(agg, x, m, rows, cols, gRef);
        var kernels = new LossAggVulkan(context);
        var g = new float[x.Length];
        float actual = kernels.Aggregate(agg, x, m, rows, cols, g);
        Assert.That(actual, Is.EqualTo(expected).Within(1e-5 * Math.Max(1, Math.Abs(expected))));
        TestRandom.AssertClose(g, gRef, 1e-6, "grad");

        var again = new float[x.Length];
        Assert.That(BitConverter.SingleToInt32Bits(kernels.Aggregate(agg, x, m, rows, cols, again)),
            Is.EqualTo(BitConverter.SingleToInt32Bits(actual)), "loss bits on a second run");
        Assert.That(again, Is.EqualTo(g), "gradient bits on a second run");
        Assert.That(context.LastTimings.Select(t => t.Shader),
            Is.EqualTo(new[] { "agg_rows", "agg_finish", "agg_scale" }));
    }
}
