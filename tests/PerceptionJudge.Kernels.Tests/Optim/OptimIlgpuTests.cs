using PerceptionJudge.Kernels.Optim;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.Optim;

/// <summary>
/// The ILGPU optimizer beyond the shared fixture: three clipped AdamW steps over tensors of one sum-of-squares chunk
/// each give the reference's norm, params and moments bit for bit (the reference's double arithmetic in its order);
/// a tensor of several chunks gives its sum of squares within 1e-12 relative; and a repeated step allocates no
/// device buffer and compiles no kernel. Sizes stay within <see cref="Backends.IlgpuCpuBudget"/>.
/// </summary>
public sealed class OptimIlgpuTests
{
    [SetUp]
    public void SkipWithoutAnAccelerator() =>
        Backends.SkipUnlessRuns(Backend.Ilgpu, Ported.All([]), Ported.All(OptimIlgpu.Ported));

    private static (float[][] P, float[][] G, float[][] M, float[][] V) Random(int seed, int[] sizes)
    {
        var rng = TestRandom.Create(seed);
        return ([.. sizes.Select(n => TestRandom.Normal(rng, n))],
            [.. sizes.Select(n => TestRandom.Normal(rng, n, 0f, 0.3f))], [.. sizes.Select(n => new float[n])],
            [.. sizes.Select(n => new float[n])]);
    }

    private static ParamSlot[] Slots((float[][] P, float[][] G, float[][] M, float[][] V) t) =>
        [.. t.P.Select((p, i) => ParamSlot.Of(p, t.G[i], t.M[i], t.V[i]))];

    [Test]
    public void AdamW_GivesTheReferenceBitsAndReusesThePool([Values(false, true)] bool clip)
    {
        int[] sizes = [1, 257, 1000, 7];
        var device = Random(11, sizes);
        var reference = Random(11, sizes);
        var context = IlgpuRuntime.Shared;
        var kernels = new OptimIlgpu(context);
        var options = new AdamWOptions(Lr: 2e-2, WeightDecay: 0.05, MaxGradNorm: clip ? 1.5 : null);
        (int, int) pool = default;
        for (int step = 1; step <= 3; step++)
        {
            double norm = FusedAdamW.Step(kernels, Slots(device), step, options);
            double expected = FusedAdamW.Step(new OptimReference(), Slots(reference), step, options);
            Assert.That(norm, Is.EqualTo(expected), $"norm, step {step}");
            if (step == 1)
            {
                pool = (context.Allocations, context.CompiledKernels);
            }
        }

        Assert.That(device.P, Is.EqualTo(reference.P), "params");
        Assert.That(device.M, Is.EqualTo(reference.M), "exp_avg");
        Assert.That(device.V, Is.EqualTo(reference.V), "exp_avg_sq");
        Assert.That((context.Allocations, context.CompiledKernels), Is.EqualTo(pool),
            "later steps allocate no device buffer and compile no kernel");
    }

    [Test]
    public void SumSquares_SeveralChunksMatchTheDoubleLoopAndScaleIsExact()
    {
        var rng = TestRandom.Create(3);
        float[] a = TestRandom.Normal(rng, 3 * OptimIlgpu.Chunk + 5), b = TestRandom.Normal(rng, 9);
        var kernels = new OptimIlgpu(IlgpuRuntime.Shared);
        var sums = new double[2];
        kernels.SumSquares(new ReadOnlyMemory<float>[] { a, b }, sums);
        double exact = a.Sum(x => (double)x * x);
        Assert.That(sums[0], Is.EqualTo(exact).Within(1e-12 * exact));
        Assert.That(sums[1], Is.EqualTo(b.Aggregate(0.0, (s, x) => s + (double)x * x)), "one chunk: the loop's bits");

        float[] c = [.. b], d = [.. a];
        kernels.Scale(new Memory<float>[] { c, Memory<float>.Empty, d }, 0.37f);
        Assert.That(c, Is.EqualTo(b.Select(x => x * 0.37f).ToArray()), "x·factor in float, in place");
        Assert.That(d, Is.EqualTo(a.Select(x => x * 0.37f).ToArray()), "the tensor after an empty one");
    }
}
