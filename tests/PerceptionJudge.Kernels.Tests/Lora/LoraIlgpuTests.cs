using PerceptionJudge.Kernels.Lora;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.Lora;

/// <summary>
/// The ILGPU LoRA kernel beyond the shared fixture: merge, unmerge and delta give the reference's bits (the double
/// rank-r dot in k order, one rounding), and a second call of the same shape allocates no device buffer and
/// compiles no kernel. Sizes stay within <see cref="Backends.IlgpuCpuBudget"/>.
/// </summary>
public sealed class LoraIlgpuTests
{
    [SetUp]
    public void SkipWithoutAnAccelerator() =>
        Backends.SkipUnlessRuns(Backend.Ilgpu, Ported.All([]), Ported.All(LoraIlgpu.Ported));

    [TestCase(1, 1, 1)]
    [TestCase(37, 61, 8)]
    [TestCase(16, 200, 64)]
    public void AddScaledProduct_GivesTheReferenceBitsAndReusesThePool(int outF, int inF, int r)
    {
        var shape = new LoraShape(outF, inF, r);
        var rng = TestRandom.Create(outF * inF + r);
        var (w, a, b) = (TestRandom.Normal(rng, outF * inF), TestRandom.Normal(rng, r * inF),
            TestRandom.Normal(rng, outF * r, 0f, 0.1f));
        var context = IlgpuRuntime.Shared;
        var kernels = new LoraIlgpu(context);
        foreach (var (scale, accumulate) in new[] { (0.75f, true), (-0.75f, true), (2.5f, false) })
        {
            var (device, expected) = ((float[])w.Clone(), (float[])w.Clone());
            new LoraReference().AddScaledProduct(expected, a, b, shape, scale, accumulate);
            kernels.AddScaledProduct(device, a, b, shape, scale, accumulate);
            Assert.That(device, Is.EqualTo(expected), $"scale {scale}, accumulate {accumulate}");
        }

        var (allocations, compiled) = (context.Allocations, context.CompiledKernels);
        var again = (float[])w.Clone();
        kernels.AddScaledProduct(again, a, b, shape, 0.75f, true);
        var once = (float[])w.Clone();
        new LoraReference().AddScaledProduct(once, a, b, shape, 0.75f, true);
        Assert.That(again, Is.EqualTo(once), "same bits on a repeated call");
        Assert.That((context.Allocations, context.CompiledKernels), Is.EqualTo((allocations, compiled)),
            "the repeated call allocates no device buffer and compiles no kernel");
    }
}
