using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.LossAgg;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.LossAgg;

[TestFixtureSource(typeof(Backends), nameof(Backends.WithDevices))]
public sealed class LossAggregationTests(Backend backend)
{
    private static readonly float[] s_x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];

    // Row 1 is fully masked: it must not count in any seq-mean denominator.
    private static readonly float[] s_m = [1, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0];

    private readonly ILossAggKernels _k = Backends.Bind(backend, LossAggKernels.For);

    /// <summary>Every mode is ported, so on Vulkan and ILGPU everything runs when a device opened.</summary>
    [SetUp]
    public void SkipWithoutVulkanDevice() =>
        Backends.SkipUnlessRuns(backend, Ported.All(LossAggVulkan.Ported), Ported.All(LossAggIlgpu.Ported));

    private float Run(string mode, float[] x, float[] m, int rows, int cols, float[] grad) =>
        _k.Aggregate(LossAggregation.Parse(mode), x, m, rows, cols, grad);

    [TestCase("token-mean", 33.0 / 5, 1.0 / 5, 1.0 / 5)]
    [TestCase("seq-mean-token-sum", 33.0 / 2, 1.0 / 2, 1.0 / 2)]
    [TestCase("seq-mean-token-mean", (1.5 + 10.0) / 2, 1.0 / 4, 1.0 / 6)]
    [TestCase("seq-mean-token-sum-norm", 33.0 / 4, 1.0 / 4, 1.0 / 4)]
    public void Aggregate_HandComputedWithEmptyRow(string mode, double loss, double gradRow0, double gradRow2)
    {
        var grad = new float[12];
        Assert.That(Run(mode, s_x, s_m, 3, 4, grad), Is.EqualTo(loss).Within(1e-5));
        var expected = new float[12];
        for (int t = 0; t < 4; t++)
        {
            expected[t] = (float)(gradRow0 * s_m[t]);
            expected[8 + t] = (float)(gradRow2 * s_m[8 + t]);
        }

        TestRandom.AssertClose(grad, expected, 1e-6, mode);
    }

    [Test]
    public void SumNorm_DividesByLossScaleFactorWhenGiven()
    {
        var grad = new float[12];
        float loss = _k.Aggregate(AggMode.SeqMeanTokenSumNorm, s_x, s_m, 3, 4, grad, lossScaleFactor: 8f);
        Assert.That(loss, Is.EqualTo(33.0 / 8).Within(1e-5));
        TestRandom.AssertClose(grad, s_m.Select(m => m / 8f).ToArray(), 1e-7, "grad");
        float tokenMean = _k.Aggregate(AggMode.TokenMean, s_x, s_m, 3, 4, [], lossScaleFactor: 8f);
        Assert.That(tokenMean, Is.EqualTo(33.0 / 5).Within(1e-5), "other modes ignore the factor");
    }

    [Test]
    public void Aggregate_ThrowsForNonPositiveLossScaleFactor() =>
        Assert.That(() => LossAggregation.Aggregate("seq-mean-token-sum-norm", s_x, s_m, 3, 4, default, 0f),
            Throws.TypeOf<KernelInputException>().With.Property("Field").EqualTo("loss_scale_factor"));

    [TestCaseSource(nameof(AllModes))]
    public void Aggregate_AllZeroMaskGivesZeroLossAndGradient(string mode)
    {
        var grad = Enumerable.Repeat(7f, 12).ToArray();
        Assert.That(Run(mode, s_x, new float[12], 3, 4, grad), Is.EqualTo(0f));
        Assert.That(grad, Is.All.EqualTo(0f));
    }

    [Test]
    public void Aggregate_CpuMatchesReferenceOnRandomData(
        [ValueSource(nameof(AllModes))] string mode, [Values(3, 17, 1000, 140_140)] int n)
    {
        Backends.SkipAboveIlgpuCpuBudget(backend, n);
        int cols = n switch { 3 => 3, 17 => 17, 1000 => 100, _ => 1001 };
        int rows = n / cols;
        var rng = TestRandom.Create(n);
        var x = TestRandom.Normal(rng, rows * cols);
        var m = AggOracle.Mask(rng, rows, cols);
        var gRef = new float[x.Length];
        var gCpu = new float[x.Length];
        float lRef = new LossAggReference().Aggregate(LossAggregation.Parse(mode), x, m, rows, cols, gRef);
        float l = Run(mode, x, m, rows, cols, gCpu);
        Assert.That(l, Is.EqualTo(lRef).Within(1e-5 * Math.Max(1, Math.Abs(lRef))));
        TestRandom.AssertClose(gCpu, gRef, 1e-6, "grad");
        var again = new float[x.Length];
        Assert.That(Run(mode, x, m, rows, cols, again), Is.EqualTo(l), "same bits on a rerun");
        Assert.That(again, Is.EqualTo(gCpu), "same gradient bits on a rerun");
    }

    [Test]
    public void Aggregate_GradientMatchesFiniteDifferencesInDouble([ValueSource(nameof(AllModes))] string mode)
    {
        const int rows = 6, cols = 7;
        var rng = TestRandom.Create(7);
        var x = TestRandom.Normal(rng, rows * cols);
        var m = AggOracle.Mask(rng, rows, cols);
        var grad = new float[x.Length];
        float loss = Run(mode, x, m, rows, cols, grad);
        var md = AggOracle.ToDouble(m);
        double oracle = AggOracle.Aggregate(mode, AggOracle.ToDouble(x), md, rows, cols);
        Assert.That(loss, Is.EqualTo(oracle).Within(1e-5));
        var fd = AggOracle.CentralDifference(v => AggOracle.Aggregate(mode, v, md, rows, cols), AggOracle.ToDouble(x));
        AggOracle.AssertGradClose(grad, fd, 1e-5, mode);
    }

    [Test]
    public void TokenMean_OfAConstantIsTheConstant() =>
        Prop.ForAll<int, NormalFloat>((seed, c) =>
        {
            var rng = new Random(seed);
            int rows = rng.Next(1, 6), cols = rng.Next(1, 9);
            var m = AggOracle.Mask(rng, rows, cols, withEmptyRow: false);
            var x = Enumerable.Repeat((float)Math.Clamp(c.Get, -1e6, 1e6), rows * cols).ToArray();
            float loss = Run("token-mean", x, m, rows, cols, []);
            return Math.Abs(loss - x[0]) <= 1e-5 * Math.Max(1, Math.Abs(x[0]));
        }).QuickCheckThrowOnFailure();

    [Test]
    public void SeqMeanTokenMean_EqualsTokenMeanWhenEveryRowIsFull() =>
        Prop.ForAll<int>(seed =>
        {
            var rng = new Random(seed);
            int rows = rng.Next(1, 6), cols = rng.Next(1, 9);
            var x = TestRandom.Normal(rng, rows * cols);
            var m = Enumerable.Repeat(1f, rows * cols).ToArray();
            float a = Run("seq-mean-token-mean", x, m, rows, cols, []);
            float b = Run("token-mean", x, m, rows, cols, []);
            return Math.Abs(a - b) <= 1e-5;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Aggregate_ThrowsForUnknownModeListingValidOnes()
    {
        var ex = Assert.Throws<KernelInputException>(() => LossAggregation.Aggregate("token-sum", s_x, s_m, 3, 4));
        Assert.That(ex!.Field, Is.EqualTo("loss_agg_mode"));
        Assert.That(ex.Message, Does.Contain("seq-mean-token-sum-norm"));
    }

    [Test]
    public void Aggregate_ThrowsForRaggedMask()
    {
        var ex = Assert.Throws<KernelInputException>(
            () => LossAggregation.Aggregate("token-mean", s_x, s_m.AsSpan(0, 11), 3, 4));
        Assert.That(ex!.Field, Is.EqualTo("loss_mask"));
    }

    [Test]
    public void Aggregate_ThrowsForNaNNamingTheRow()
    {
        var x = (float[])s_x.Clone();
        x[9] = float.NaN;
        var ex = Assert.Throws<KernelInputException>(() => LossAggregation.Aggregate("token-mean", x, s_m, 3, 4));
        Assert.That(ex!.Field, Is.EqualTo("loss_mat"));
        Assert.That(ex.Row, Is.EqualTo(2));
    }

    [Test]
    public void Modes_AreVerlNames() =>
        Assert.That(LossAggregation.Modes, Is.EquivalentTo(AllModes));

    private static string[] AllModes =>
        ["token-mean", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm"];
}
