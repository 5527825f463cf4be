using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.PolicyLoss;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Tests.LossAgg;
using PerceptionJudge.Kernels.Tests.Support;
using Loss = PerceptionJudge.Kernels.PolicyLoss.PolicyLoss;

namespace PerceptionJudge.Kernels.Tests.PolicyLoss;

[TestFixtureSource(typeof(Backends), nameof(Backends.WithDevices))]
public sealed class PolicyLossTests(Backend backend)
{
    private readonly IPolicyLossKernels _k = Backends.Bind(backend, PolicyLossKernels.For);

    /// <summary>On Vulkan only tests of ported modes (<see cref="PolicyLossVulkan.Ported"/>) and mode-independent ones
    /// run; ILGPU ports every mode.</summary>
    [SetUp]
    public void SkipWhereTheDeviceCannotRun() => Backends.SkipUnlessRuns(
        backend, Ported.Only(OnVulkan(TestContext.CurrentContext.Test), PolicyLossVulkan.Ported),
        Ported.All(PolicyLossIlgpu.Ported));

    private static bool OnVulkan(TestContext.TestAdapter test) =>
        test.MethodName is string name
        && (name.StartsWith("Vanilla_", StringComparison.Ordinal)
            || name.StartsWith("KlCov_", StringComparison.Ordinal)
            || name.StartsWith("ClipCov_", StringComparison.Ordinal)
            || name.StartsWith("Compute_Throws", StringComparison.Ordinal)
            || name is "MaximumAndMinimum_SplitTheGradientEvenlyAtTies" or "Modes_AreVerlNames"
                or "Options_DefaultToVerl"
            || (test.Arguments.Length > 0 && test.Arguments[0] is string mode
                && PolicyLossVulkan.Ported.Contains(mode)));

    private static string[] AllModes => ["vanilla", "gspo", "gpg", "geo_mean", "kl_cov", "clip_cov", "cispo", "sapo"];

    private static string[] AggModes =>
        ["token-mean", "seq-mean-token-sum", "seq-mean-token-mean", "seq-mean-token-sum-norm"];

    private PolicyLossResult Run(string mode, Batch b, float[] grad, PolicyLossOptions? o = null) =>
        _k.Compute(Loss.Parse(mode), new PolicyLossInput(b.Old, b.Lp, b.Adv, b.Mask, b.Rows, b.Cols), grad,
            o ?? new PolicyLossOptions());

    // One token per case, token-mean over a mask of 1: loss = pg, grad = d pg / d log_prob (ε = 0.2, c = 3).
    [TestCase(-1.0, 1.1, 1.1, 1.1, 0, 0, TestName = "Vanilla_NegativeAdvantageRatioInside")]
    [TestCase(-1.0, 1.5, 1.5, 1.5, 0, 0, TestName = "Vanilla_NegativeAdvantageRatioAboveUpperIsUnclipped")]
    [TestCase(-1.0, 0.5, 0.8, 0.0, 1, 0, TestName = "Vanilla_NegativeAdvantageRatioBelowLowerIsClipped")]
    [TestCase(-1.0, 4.0, 3.0, 0.0, 0, 1, TestName = "Vanilla_NegativeAdvantageRatioAboveClipCIsDualClipped")]
    [TestCase(-2.0, 3.5, 6.0, 0.0, 0, 1, TestName = "Vanilla_DualClipScalesWithAdvantage")]
    [TestCase(1.0, 1.5, -1.2, 0.0, 1, 0, TestName = "Vanilla_PositiveAdvantageRatioAboveUpperIsClipped")]
    [TestCase(1.0, 0.5, -0.5, -0.5, 0, 0, TestName = "Vanilla_PositiveAdvantageRatioBelowLowerIsUnclipped")]
    [TestCase(1.0, 1.0, -1.0, -1.0, 0, 0, TestName = "Vanilla_RatioOne")]
    public void Vanilla_HandComputed(double adv, double ratio, double loss, double grad, int clip, int lower)
    {
        var b = Batch.Single((float)Math.Log(ratio), (float)adv);
        var g = new float[1];
        var r = Run("vanilla", b, g);
        Assert.That(r.PgLoss, Is.EqualTo(loss).Within(1e-5));
        Assert.That(g[0], Is.EqualTo(grad).Within(1e-5));
        Assert.That(r.PgClipfrac, Is.EqualTo(clip).Within(1e-6));
        Assert.That(r.PgClipfracLower, Is.EqualTo(lower).Within(1e-6));
        Assert.That(r.PpoKl, Is.EqualTo(-Math.Log(ratio)).Within(1e-6));
    }

    [Test]
    public void Vanilla_LogRatioIsClampedAtTwentyWithZeroGradientOutside()
    {
        var up = Batch.Single(25f, 1f);
        var g = new float[1];
        var r = Run("vanilla", up, g);
        Assert.That(r.PgLoss, Is.EqualTo(-1.2f).Within(1e-6));
        Assert.That(r.PpoKl, Is.EqualTo(-20f).Within(1e-5));
        Assert.That(g[0], Is.EqualTo(0f));

        var down = Batch.Single(-25f, 1f);
        r = Run("vanilla", down, g);
        Assert.That(r.PgLoss, Is.EqualTo(-Math.Exp(-20)).Within(1e-12));
        Assert.That(r.PpoKl, Is.EqualTo(20f).Within(1e-5));
        Assert.That(g[0], Is.EqualTo(0f), "clamp passes no gradient below −20 although L1 is the active branch");
    }

    [Test]
    public void MaximumAndMinimum_SplitTheGradientEvenlyAtTies()
    {
        Assert.That(PolicyLossMath.Maximum(1f, 2f, 1f, 4f, out float dMax), Is.EqualTo(1f));
        Assert.That(dMax, Is.EqualTo(3f));
        PolicyLossMath.Minimum(1f, 0f, 1f, 4f, out float dMin);
        Assert.That(dMin, Is.EqualTo(2f));
        PolicyLossMath.Maximum(2f, 2f, 1f, 4f, out dMax);
        Assert.That(dMax, Is.EqualTo(2f));
    }

    [Test]
    public void Compute_CpuMatchesReference([ValueSource(nameof(AllModes))] string mode, [Values(3, 17, 1000)] int n) =>
        AssertMatchesReference(mode, n);

    // Above Partition.SerialThreshold the fused vanilla kernel runs row chunks in parallel; the other modes share
    // the reference code on every backend, so one of them suffices here.
    [Test]
    public void Compute_CpuMatchesReferenceAboveSerialThreshold([Values("vanilla", "gspo")] string mode)
    {
        Backends.SkipAboveIlgpuCpuBudget(backend, 136_000);
        AssertMatchesReference(mode, 136_000);
    }

    private void AssertMatchesReference(string mode, int n)
    {
        var b = Batch.Random(n, salt: n);
        foreach (string agg in mode == "vanilla" ? (string[])[.. AggModes, "dr-grpo"] : ["token-mean", "dr-grpo"])
        {
            // "dr-grpo": seq-mean-token-sum-norm with a constant loss_scale_factor instead of cols.
            var o = agg == "dr-grpo"
                ? new PolicyLossOptions { LossAggMode = "seq-mean-token-sum-norm", LossScaleFactor = 4096f }
                : new PolicyLossOptions { LossAggMode = agg, KlCovRatio = 0.05, ClipCovRatio = 0.05 };
            var gRef = new float[n];
            var g = new float[n];
            var expected = new PolicyLossReference().Compute(
                Loss.Parse(mode), new PolicyLossInput(b.Old, b.Lp, b.Adv, b.Mask, b.Rows, b.Cols), gRef, o);
            var actual = Run(mode, b, g, o);
            double tol = 2e-5 * Math.Max(1, Math.Abs(expected.PgLoss));
            Assert.That(actual.PgLoss, Is.EqualTo(expected.PgLoss).Within(tol));
            Assert.That(actual.PgClipfrac, Is.EqualTo(expected.PgClipfrac).Within(1e-5));
            Assert.That(actual.PpoKl, Is.EqualTo(expected.PpoKl).Within(1e-5));
            Assert.That(actual.PgClipfracLower, Is.EqualTo(expected.PgClipfracLower).Within(1e-5));
            AggOracle.AssertGradClose(g, AggOracle.ToDouble(gRef), 1e-5, $"{mode}/{agg}");
            var again = new float[n];
            Assert.That(Run(mode, b, again, o), Is.EqualTo(actual), "same bits on a rerun");
            Assert.That(again, Is.EqualTo(g));
        }
    }

    [Test]
    public void Compute_GradientMatchesFiniteDifferencesInDouble([ValueSource(nameof(AllModes))] string mode)
    {
        var b = Batch.Random(6 * 9, salt: 5, cols: 9);
        foreach (string agg in AggModes)
        {
            var o = new PolicyLossOptions
            {
                LossAggMode = agg,
                KlCovRatio = 0.1,
                ClipCovLb = 1e30f,
                ClipCovUb = float.MaxValue,
            };
            var g = new float[b.Old.Length];
            var r = Run(mode, b, g, o);
            ISet<int>? selected = mode == "kl_cov"
                ? CovLosses.TopCovariance(new PolicyLossInput(b.Old, b.Lp, b.Adv, b.Mask, b.Rows, b.Cols), 0.1)
                    .ToHashSet()
                : null;
            var (old, lp, adv, m) = (b.D(b.Old), b.D(b.Lp), b.D(b.Adv), b.D(b.Mask));
            double value = LossOracle.Loss(mode, old, lp, lp, adv, m, b.Rows, b.Cols, o, selected);
            Assert.That(r.PgLoss, Is.EqualTo(value).Within(1e-5 * Math.Max(1, Math.Abs(value))), $"{mode}/{agg} value");
            var fd = AggOracle.CentralDifference(
                x => LossOracle.Loss(mode, old, lp, x, adv, m, b.Rows, b.Cols, o, selected), (double[])lp.Clone());
            AggOracle.AssertGradClose(g, fd, 2e-4, $"{mode}/{agg}");
        }
    }

    [Test]
    public void KlCov_HandComputedTopTwoCovariance()
    {
        // d = log_prob; cov = (A − 0.1)(lp − 0) = [0.09, −0.22, −0.57, 0.16, 0.84]: tokens 4 and 3 get |d|.
        float[] lp = [0.1f, 0.2f, -0.3f, 0.4f, -0.4f];
        float[] adv = [1f, -1f, 2f, 0.5f, -2f];
        var b = new Batch(new float[5], lp, adv, [1, 1, 1, 1, 1], 1, 5);
        var g = new float[5];
        var r = Run("kl_cov", b, g, new PolicyLossOptions { KlCovRatio = 0.4 });
        double expected = Enumerable.Range(0, 5).Sum(k => -adv[k] * Math.Exp(lp[k])) + 0.4 + 0.4;
        Assert.That(r.PgLoss, Is.EqualTo(expected / 5).Within(1e-6));
        Assert.That(r.PpoKl, Is.EqualTo(0.28).Within(1e-6));
        for (int k = 0; k < 5; k++)
        {
            double sel = k == 3 ? 1 : k == 4 ? -1 : 0;
            Assert.That(g[k], Is.EqualTo((-adv[k] * Math.Exp(lp[k]) + sel) / 5).Within(1e-6), $"token {k}");
        }
    }

    [Test]
    public void ClipCov_DropsHighCovarianceCandidatesDeterministically()
    {
        // ratio 1 everywhere (nothing clipped); mean A = 0.5, cov = [2.5, 3.5, 0, 0]: tokens 0 and 1 are candidates.
        var b = new Batch([1, -1, 0, 0], [1, -1, 0, 0], [3, -3, 1, 1], [1, 1, 1, 1], 1, 4);
        var g = new float[4];
        var all = Run("clip_cov", b, g, new PolicyLossOptions { ClipCovRatio = 1.0 });
        Assert.That(all.PgLoss, Is.EqualTo(-0.5f).Within(1e-6));
        Assert.That(all.PgClipfrac, Is.EqualTo(0.5f).Within(1e-6));
        Assert.That(g, Is.EqualTo(new[] { 0f, 0f, -0.25f, -0.25f }).Within(1e-6));

        var o = new PolicyLossOptions { ClipCovRatio = 0.25, Seed = 7 };
        var one = Run("clip_cov", b, g, o);
        Assert.That(one.PgClipfrac, Is.EqualTo(0.25f).Within(1e-6));
        Assert.That(g.Take(2).Count(v => v == 0f), Is.EqualTo(1));
        var g2 = new float[4];
        Assert.That(Run("clip_cov", b, g2, o), Is.EqualTo(one));
        Assert.That(g2, Is.EqualTo(g));
    }

    [Test]
    public void Vanilla_RatioOneGivesMinusAggregatedAdvantage([ValueSource(nameof(AggModes))] string agg) =>
        Prop.ForAll<int>(seed =>
        {
            var b = Batch.Random(40, salt: seed, cols: 8);
            b = b with { Lp = b.Old };
            var r = Run("vanilla", b, [], new PolicyLossOptions { LossAggMode = agg });
            double expected = -AggOracle.Aggregate(agg, b.D(b.Adv), b.D(b.Mask), b.Rows, b.Cols);
            return Math.Abs(r.PgLoss - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected))
                && r.PgClipfrac == 0f && r.PgClipfracLower == 0f && r.PpoKl == 0f;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Clipfracs_AreFractions([ValueSource(nameof(AllModes))] string mode) =>
        Prop.ForAll<int>(seed =>
        {
            var r = Run(mode, Batch.Random(30, salt: seed, cols: 6, spread: 1.5f), []);
            return r.PgClipfrac is >= 0f and <= 1f && r.PgClipfracLower is >= 0f and <= 1f;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Compute_ThrowsForRaggedAdvantages()
    {
        var b = Batch.Random(12, salt: 1, cols: 4);
        var ex = Assert.Throws<KernelInputException>(() => Loss.Compute(
            "vanilla", new PolicyLossInput(b.Old, b.Lp, b.Adv.AsSpan(0, 11), b.Mask, 3, 4), new float[12]));
        Assert.That(ex!.Field, Is.EqualTo("advantages"));
    }

    [Test]
    public void Compute_ThrowsForNaNLogProbNamingTheRow()
    {
        var b = Batch.Random(12, salt: 1, cols: 4);
        b.Lp[6] = float.NaN;
        var ex = Assert.Throws<KernelInputException>(() => Loss.Compute(
            "gspo", new PolicyLossInput(b.Old, b.Lp, b.Adv, b.Mask, 3, 4), new float[12]));
        Assert.That(ex!.Field, Is.EqualTo("log_prob"));
        Assert.That(ex.Row, Is.EqualTo(1));
    }

    [Test]
    public void Compute_ThrowsForUnknownModeListingValidOnes()
    {
        var b = Batch.Random(4, salt: 1, cols: 4);
        var ex = Assert.Throws<KernelInputException>(() => Loss.Compute(
            "ppo", new PolicyLossInput(b.Old, b.Lp, b.Adv, b.Mask, 1, 4), new float[4]));
        Assert.That(ex!.Field, Is.EqualTo("loss_mode"));
        Assert.That(ex.Message, Does.Contain("clip_cov").And.Contain("vanilla"));
    }

    [Test]
    public void Compute_ThrowsForClipRatioCNotAboveOne()
    {
        var b = Batch.Random(4, salt: 1, cols: 4);
        var ex = Assert.Throws<KernelInputException>(() => Loss.Compute(
            "vanilla", new PolicyLossInput(b.Old, b.Lp, b.Adv, b.Mask, 1, 4), new float[4],
            new PolicyLossOptions { ClipRatioC = 1f }));
        Assert.That(ex!.Field, Is.EqualTo("clip_ratio_c"));
    }

    [Test]
    public void Compute_ThrowsForUnknownAggregation()
    {
        var b = Batch.Random(4, salt: 1, cols: 4);
        Assert.That(() => Loss.Compute("gpg", new PolicyLossInput(b.Old, b.Lp, b.Adv, b.Mask, 1, 4), [],
                new PolicyLossOptions { LossAggMode = "token-sum" }),
            Throws.TypeOf<KernelInputException>().With.Property("Field").EqualTo("loss_agg_mode"));
    }

    [Test]
    public void Modes_AreVerlNames() => Assert.That(Loss.Modes, Is.EquivalentTo(AllModes));

    [Test]
    public void Options_DefaultToVerl()
    {
        var o = new PolicyLossOptions();
        Assert.That((o.Low, o.High, o.ClipRatioC, o.LossAggMode), Is.EqualTo((0.2f, 0.2f, 3f, "token-mean")));
        Assert.That((o.KlCovRatio, o.PpoKlCoef, o.ClipCovRatio, o.ClipCovLb, o.ClipCovUb),
            Is.EqualTo((0.0002, 1f, 0.0002, 1f, 5f)));
        Assert.That((o with { ClipRatioHigh = 0.28f }).High, Is.EqualTo(0.28f));
    }
}

/// <summary>A [rows][cols] batch of policy-loss inputs.</summary>
internal sealed record Batch(float[] Old, float[] Lp, float[] Adv, float[] Mask, int Rows, int Cols)
{
    public double[] D(float[] a) => AggOracle.ToDouble(a);

    public static Batch Single(float logRatio, float adv) => new([-1f], [-1f + logRatio], [adv], [1f], 1, 1);

    /// <summary>
    /// old ~ N(−2, 1), log-ratio ~ N(0, spread) with every 7th token at +1.3 (ratio 3.7: dual clip), advantages
    /// ~ N(0, 1), ragged masks with every fifth row empty.
    /// </summary>
    public static Batch Random(int n, int salt, int cols = 0, float spread = 0.25f)
    {
        if (cols == 0)
        {
            cols = n switch { 3 => 3, 17 => 17, 1000 => 125, _ => 1700 };
        }

        int rows = n / cols;
        var rng = TestRandom.Create(salt);
        var old = TestRandom.Normal(rng, rows * cols, -2f, 1f);
        var step = TestRandom.Normal(rng, rows * cols, 0f, spread);
        var lp = new float[rows * cols];
        for (int k = 0; k < lp.Length; k++)
        {
            lp[k] = old[k] + (k % 7 == 3 ? 1.3f : step[k]);
        }

        return new(old, lp, TestRandom.Normal(rng, rows * cols), AggOracle.Mask(rng, rows, cols), rows, cols);
    }
}
