using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.Kl;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.Kl;

[TestFixtureSource(typeof(Backends), nameof(Backends.WithDevices))]
public sealed class KlPenaltyTests(Backend backend)
{
    private readonly IKlKernels _k = Backends.Bind(backend, KlKernels.For);

    /// <summary>Every estimator is ported, so on Vulkan everything runs when a device opened.</summary>
    [SetUp]
    public void SkipWithoutVulkanDevice() =>
        Backends.SkipUnlessRuns(backend, Ported.All(KlVulkan.Ported), Ported.All(KlIlgpu.Ported));

    private static string[] AllModes =>
    [
        "kl", "k1", "abs", "mse", "k2", "low_var_kl", "k3",
        "kl+", "k1+", "abs+", "mse+", "k2+", "low_var_kl+", "k3+",
    ];

    private (float[] Kl, float[] Grad) Run(string mode, float[] logprob, float[] refLogprob)
    {
        var (est, st) = KlPenalty.Parse(mode);
        var kl = new float[logprob.Length];
        var grad = new float[logprob.Length];
        _k.Compute(est, st, logprob, refLogprob, kl, grad);
        return (kl, grad);
    }

    // x = ref − logp. k3 = e^x − x − 1, ∂/∂logp = 1 − e^x; both clamps kill the gradient.
    [TestCase("k1", -1.0, -1.5, 0.5, 1.0)]
    [TestCase("abs", -1.0, -1.5, 0.5, 1.0)]
    [TestCase("abs", -1.5, -1.0, 0.5, -1.0)]
    [TestCase("abs", -1.0, -1.0, 0.0, 0.0)]
    [TestCase("k2", -1.0, -1.5, 0.125, 0.5)]
    [TestCase("k3", -1.0, -1.5, 0.10653066, 0.39346934)]
    [TestCase("k3", 0.0, -5.0, 4.00673795, 0.99326205)]
    [TestCase("k3", 0.0, 2.5, 8.68249396, -11.18249396)]
    [TestCase("k3", 0.0, 3.0, 10.0, 0.0)]
    [TestCase("k3", 0.0, 25.0, 10.0, 0.0)]
    [TestCase("k3", 0.0, -25.0, 10.0, 0.0)]
    [TestCase("k3", 0.0, -12.0, 10.0, 0.0)]
    [TestCase("k3+", -1.0, -1.5, 0.10653066, 0.5)]
    [TestCase("k3+", 0.0, 25.0, 10.0, -25.0)]
    [TestCase("abs+", -1.5, -1.0, 0.5, -0.5)]
    [TestCase("kl+", -1.0, -1.5, 0.5, 0.5)]
    public void Compute_HandComputed(string mode, double logprob, double refLogprob, double kl, double grad)
    {
        // 19 copies so both the vector body and the scalar tail see the case.
        var lp = Enumerable.Repeat((float)logprob, 19).ToArray();
        var rf = Enumerable.Repeat((float)refLogprob, 19).ToArray();
        var (k, g) = Run(mode, lp, rf);
        Assert.That(k, Is.All.EqualTo(kl).Within(1e-5 * Math.Max(1, Math.Abs(kl))));
        Assert.That(g, Is.All.EqualTo(grad).Within(1e-5 * Math.Max(1, Math.Abs(grad))));
    }

    [Test]
    public void Compute_CpuMatchesReference(
        [ValueSource(nameof(AllModes))] string mode, [Values(3, 17, 1000, 140_001)] int n)
    {
        Backends.SkipAboveIlgpuCpuBudget(backend, n);
        var rng = TestRandom.Create(n);
        var lp = TestRandom.Normal(rng, n, -2f, 1f);
        var rf = TestRandom.Normal(rng, n, -2f, 3f);
        var (est, st) = KlPenalty.Parse(mode);
        var kRef = new float[n];
        var gRef = new float[n];
        new KlReference().Compute(est, st, lp, rf, kRef, gRef);
        var (k, g) = Run(mode, lp, rf);
        TestRandom.AssertClose(k, kRef, 1e-5, "kl");
        TestRandom.AssertClose(g, gRef, 1e-5, "grad");
    }

    [Test]
    public void Compute_SameBitsOnARerun([Values("k3", "abs+")] string mode)
    {
        Backends.SkipAboveIlgpuCpuBudget(backend, 70_001);
        var rng = TestRandom.Create(29);
        var lp = TestRandom.Normal(rng, 70_001, -2f, 1f);
        var rf = TestRandom.Normal(rng, 70_001, -2f, 3f);
        var first = Run(mode, lp, rf);
        var second = Run(mode, lp, rf);
        Assert.That(second.Kl, Is.EqualTo(first.Kl));
        Assert.That(second.Grad, Is.EqualTo(first.Grad));
    }

    [Test]
    public void Compute_GradientMatchesFiniteDifferencesInDouble([Values("k1", "abs", "k2", "k3")] string mode)
    {
        var rng = TestRandom.Create(3);
        var lp = TestRandom.Normal(rng, 40, -2f, 1f);
        var rf = TestRandom.Normal(rng, 40, -2f, 1.5f);
        var (_, g) = Run(mode, lp, rf);
        for (int k = 0; k < lp.Length; k++)
        {
            double r = rf[k];
            Func<double, double> f = mode switch
            {
                "k1" => x => x - r,
                "abs" => x => Math.Abs(x - r),
                "k2" => x => 0.5 * (x - r) * (x - r),
                _ => x => Math.Clamp(Math.Exp(Math.Clamp(r - x, -20, 20)) - Math.Clamp(r - x, -20, 20) - 1, -10, 10),
            };
            const double h = 1e-6;
            double fd = (f(lp[k] + h) - f(lp[k] - h)) / (2 * h);
            Assert.That(g[k], Is.EqualTo(fd).Within(1e-4 * Math.Max(1, Math.Abs(fd))), $"{mode}[{k}]");
        }
    }

    [Test]
    public void StraightThrough_KeepsTheValueAndTakesK2Gradient([Values("kl", "abs", "low_var_kl")] string mode)
    {
        var rng = TestRandom.Create(11);
        var lp = TestRandom.Normal(rng, 50);
        var rf = TestRandom.Normal(rng, 50);
        var (k, _) = Run(mode, lp, rf);
        var (kPlus, gPlus) = Run(mode + "+", lp, rf);
        var (_, g2) = Run("k2", lp, rf);
        Assert.That(kPlus, Is.EqualTo(k));
        Assert.That(gPlus, Is.EqualTo(g2));
    }

    [Test]
    public void K3_IsNonNegative() =>
        Prop.ForAll<int>(seed =>
        {
            var rng = new Random(seed);
            var lp = TestRandom.Normal(rng, 33, 0f, 10f);
            var rf = TestRandom.Normal(rng, 33, 0f, 10f);
            return Run("k3", lp, rf).Kl.All(v => v >= 0f && v <= 10f);
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Compute_ThrowsForUnknownModeListingValidOnes()
    {
        var ex = Assert.Throws<KernelInputException>(() => KlPenalty.Compute("full", [0f], [0f], new float[1]));
        Assert.That(ex!.Field, Is.EqualTo("kl_penalty"));
        Assert.That(ex.Message, Does.Contain("low_var_kl+"));
    }

    [Test]
    public void Compute_ThrowsForRaggedRef() =>
        Assert.That(() => KlPenalty.Compute("k3", [0f, 1f], [0f], new float[2]),
            Throws.TypeOf<KernelInputException>().With.Property("Field").EqualTo("ref_logprob"));

    [Test]
    public void Compute_ThrowsForNaNLogprob() =>
        Assert.That(() => KlPenalty.Compute("k1", [0f, float.NaN], [0f, 0f], new float[2]),
            Throws.TypeOf<KernelInputException>().With.Property("Field").EqualTo("logprob"));

    [Test]
    public void Modes_ListsEveryVerlName() => Assert.That(KlPenalty.Modes, Is.EquivalentTo(AllModes));

    [Test]
    public void Compute_WithoutGradientSpanStillFillsKl()
    {
        var kl = new float[20];
        KlPenalty.Compute("k3", Enumerable.Repeat(-1f, 20).ToArray(), Enumerable.Repeat(-1.5f, 20).ToArray(), kl);
        Assert.That(kl, Is.All.EqualTo(0.10653066f).Within(1e-6));
    }
}
