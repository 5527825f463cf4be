using PerceptionJudge.Kernels.Optim;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Vulkan;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.Optim;

/// <summary>
/// The Vulkan optimizer shaders beyond the shared suites: both reduction variants (subgroup, shared memory) times both
/// sums of squares (double where the device has <c>shaderFloat64</c>, compensated float otherwise), their error
/// bounds against the double loop, and the same bits run after run.
/// </summary>
public sealed class OptimVulkanTests
{
    private static VulkanContext Open(bool subgroups)
    {
        if (!VulkanRuntime.IsAvailable)
        {
            Assert.Ignore($"Vulkan tests skipped: {VulkanRuntime.UnavailableReason}");
        }

        return VulkanContext.Create(null, subgroups);
    }

    /// <summary>Double sums differ from the CPU only in the order of additions (bound 1e-12 relative); the
    /// compensated float sum is within its stated 1e-6 relative bound.</summary>
    [Test]
    public void SumSquares_EveryVariantWithinItsBoundAndRepeatsBitForBit(
        [Values(true, false)] bool subgroups, [Values(true, false)] bool float64)
    {
        using var context = Open(subgroups);
        if (float64 && !context.Float64)
        {
            Assert.Ignore("the device has no shaderFloat64");
        }

        var kernels = new OptimVulkan(context, float64);
        Assert.That(kernels.UsesFloat64, Is.EqualTo(float64));
        var rng = TestRandom.Create(20261122);
        int[] sizes = [1, 255, 4096, 4097, 100_003];
        var tensors = sizes.Select(n => TestRandom.Normal(rng, n, 0.5f, 3f)).ToArray();
        var memories = tensors.Select(t => (ReadOnlyMemory<float>)t).ToArray();
        var first = new double[sizes.Length];
        var second = new double[sizes.Length];
        kernels.SumSquares(memories, first);
        kernels.SumSquares(memories, second);
        Assert.That(second, Is.EqualTo(first), "same bits run after run");
        double bound = float64 ? 1e-12 : 1e-6;
        for (int i = 0; i < sizes.Length; i++)
        {
            double expected = tensors[i].Sum(x => (double)x * x);
            Assert.That(first[i], Is.EqualTo(expected).Within(bound * expected), $"tensor {i}");
        }
    }

    [Test]
    public void SumSquares_CompensatedFloatReportsOverflowOfFiniteValues()
    {
        using var context = Open(subgroups: true);
        var kernels = new OptimVulkan(context, allowFloat64: false);
        var sums = new double[2];
        var ex = Assert.Throws<KernelInputException>(() =>
            kernels.SumSquares(new ReadOnlyMemory<float>[] { new[] { 1f }, new[] { 3e19f, 1f } }, sums));
        Assert.That(ex!.Row, Is.EqualTo(1));
        Assert.That(ex.Message, Does.Contain("overflows float"));
    }

    [Test]
    public void AdamW_BothReductionVariantsMatchTheReference([Values(true, false)] bool subgroups)
    {
        using var context = Open(subgroups);
        var rng = TestRandom.Create(7);
        int[] sizes = [5000, 3, 70_001];
        float[][] Make(float sd) => [.. sizes.Select(n => TestRandom.Normal(rng, n, 0f, sd))];
        var (p, g, m) = (Make(1f), Make(0.1f), Make(0.01f));
        var v = sizes.Select(n => TestRandom.Normal(rng, n).Select(x => 1e-4f * x * x).ToArray()).ToArray();
        float[][] Copy(float[][] a) => [.. a.Select(x => (float[])x.Clone())];
        var (rp, rm, rv) = (Copy(p), Copy(m), Copy(v));
        var o = new AdamWOptions(Lr: 1e-2, WeightDecay: 0.1, MaxGradNorm: 1.0);
        var slots = sizes.Select((_, i) => ParamSlot.Of(p[i], g[i], m[i], v[i])).ToArray();
        var refSlots = sizes.Select((_, i) => ParamSlot.Of(rp[i], g[i], rm[i], rv[i])).ToArray();
        double norm = FusedAdamW.Step(new OptimVulkan(context), slots, 2, o);
        double refNorm = FusedAdamW.Step(new OptimReference(), refSlots, 2, o);
        Assert.That(norm, Is.EqualTo(refNorm).Within(1e-6 * refNorm));
        for (int i = 0; i < sizes.Length; i++)
        {
            TestRandom.AssertClose(p[i], rp[i], 2e-6, $"p{i}");
            TestRandom.AssertClose(m[i], rm[i], 1e-6, $"m{i}");
            TestRandom.AssertClose(v[i], rv[i], 1e-6, $"v{i}");
        }
    }
}
