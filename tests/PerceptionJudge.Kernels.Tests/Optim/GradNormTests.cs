using PerceptionJudge.Kernels.Optim;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.Optim;

[TestFixtureSource(typeof(Backends), nameof(Backends.WithDevices))]
public sealed class GradNormTests(Backend backend)
{
    private readonly IOptimKernels _k = Backends.Bind(backend, OptimKernels.For);

    /// <summary>Every optimizer operation is ported: on Vulkan and ILGPU only a missing device skips.</summary>
    [SetUp]
    public void SkipWhereTheDeviceCannotRun() =>
        Backends.SkipUnlessRuns(backend, Ported.All(OptimVulkan.Ported), Ported.All(OptimIlgpu.Ported));

    [Test]
    public void SumSquares_MatchesDoubleLoop([Values(3, 17, 1000, 300_001)] int n)
    {
        var rng = TestRandom.Create(n);
        var a = TestRandom.Normal(rng, n);
        var b = TestRandom.Normal(rng, 7);
        var sums = new double[2];
        _k.SumSquares(new ReadOnlyMemory<float>[] { a, b }, sums);
        Assert.That(sums[0], Is.EqualTo(a.Sum(x => (double)x * x)).Within(1e-12 * n));
        Assert.That(sums[1], Is.EqualTo(b.Sum(x => (double)x * x)).Within(1e-12));
    }

    [Test]
    public void ClipByGlobalNorm_ScalesEveryGradAbove()
    {
        var previous = KernelBackend.Current;
        KernelBackend.Select(backend);
        try
        {
            float[] a = [3f, 0f], b = [4f];
            double norm = GradNorm.ClipByGlobalNorm(new Memory<float>[] { a, b }, 1f);
            Assert.That(norm, Is.EqualTo(5.0).Within(1e-12));
            float c = (float)(1 / (5 + 1e-6));
            Assert.That(a[0], Is.EqualTo(3f * c).Within(1e-7));
            Assert.That(b[0], Is.EqualTo(4f * c).Within(1e-7));

            float[] d = [0.3f, 0.4f];
            Assert.That(GradNorm.ClipByGlobalNorm(new Memory<float>[] { d }, 1f), Is.EqualTo(0.5).Within(1e-7));
            Assert.That(d, Is.EqualTo(new[] { 0.3f, 0.4f }), "coefficient clamped to 1");
        }
        finally
        {
            KernelBackend.Select(previous);
        }
    }

    [Test]
    public void ClipByGlobalNorm_ThrowsForInfinityAndLeavesGrads()
    {
        float[] a = [1f, 2f], b = [float.PositiveInfinity, 1f];
        var ex = Assert.Throws<KernelInputException>(
            () => GradNorm.ClipByGlobalNorm(new Memory<float>[] { a, b }, 1f));
        Assert.That(ex!.Field, Is.EqualTo("grads"));
        Assert.That(ex.Row, Is.EqualTo(1));
        Assert.That(a, Is.EqualTo(new[] { 1f, 2f }));
    }

    [Test]
    public void ClipCoefficient_FollowsTorch()
    {
        Assert.That(GradNorm.ClipCoefficient(0, 1), Is.EqualTo(1.0));
        Assert.That(GradNorm.ClipCoefficient(4, 1), Is.EqualTo(1 / (4 + 1e-6)));
    }
}
