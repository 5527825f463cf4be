using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.LogProb;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.LogProb;

/// <summary>One body per backend: hand-computed values, Reference agreement, gradients, properties, errors.</summary>
[TestFixtureSource(typeof(Backends), nameof(Backends.WithDevices))]
public sealed class LogProbTests(Backend backend)
{
    private static readonly LogProbReference s_reference = new();

    private readonly ILogProbKernels _kernels = Backends.Bind(backend, LogProbKernels.For);

    private ILogProbKernels Kernels => _kernels;

    /// <summary>Forward and backward are ported: on Vulkan and ILGPU only a missing device skips.</summary>
    [SetUp]
    public void SkipWhereTheDeviceCannotRun() =>
        Backends.SkipUnlessRuns(backend, Ported.All(LogProbVulkan.Ported), Ported.All(LogProbIlgpu.Ported));

    [Test]
    public void Forward_MatchesHandComputedVocab3()
    {
        // z = [1,2,3]: S' = 1 + e^-1 + e^-2 = 1.5032147, lse = 3 + ln S' = 3.4076060,
        // p = [0.0900306, 0.2447285, 0.6652410], Σ p·z = 2.5752104, H = lse − Σ p·z = 0.8323956.
        // Row 2, T = 2: z = [1,0,0], lse = ln(e + 2) = 1.5514447, p0 = e/(e+2) = 0.5761169, H = lse − p0 = 0.9753278.
        float[] logits = [1f, 2f, 3f, 1f, 2f, 3f];
        var h = new float[2];
        var lp = new float[2];
        Kernels.Forward(logits, [0, 2], 2, 3, 1f, h, lp);
        TestRandom.AssertClose(h, [0.8323956f, 0.8323956f], 1e-6, "entropy");
        TestRandom.AssertClose(lp, [-2.4076060f, -0.4076060f], 1e-6, "log_prob");

        Kernels.Forward([2f, 0f, 0f], [0], 1, 3, 2f, h.AsSpan(0, 1), lp.AsSpan(0, 1));
        Assert.That(h[0], Is.EqualTo(0.9753278f).Within(1e-6f));
        Assert.That(lp[0], Is.EqualTo(-0.5514447f).Within(1e-6f));
    }

    [TestCase(1)]
    [TestCase(7)]
    [TestCase(1000)]
    [TestCase(32771)]
    public void Forward_UniformLogitsGiveLnVocab(int vocab)
    {
        var logits = Enumerable.Repeat(3.25f, 2 * vocab).ToArray();
        var h = new float[2];
        var lp = new float[2];
        Kernels.Forward(logits, [0, vocab - 1], 2, vocab, 0.8f, h, lp);
        float lnV = MathF.Log(vocab);
        TestRandom.AssertClose(h, [lnV, lnV], 2e-6, "entropy");
        TestRandom.AssertClose(lp, [-lnV, -lnV], 2e-6, "log_prob");
    }

    [Test]
    public void Forward_OneHotLogitsGiveZeroEntropy()
    {
        var logits = new float[1000];
        logits[617] = 100f;
        var h = new float[1];
        var lp = new float[1];
        Kernels.Forward(logits, [617], 1, 1000, 1f, h, lp);
        Assert.That(h[0], Is.InRange(0f, 1e-6f));
        Assert.That(lp[0], Is.InRange(-1e-6f, 0f));
    }

    [TestCase(50, 1)]
    [TestCase(33, 7)]
    [TestCase(200, 1000)]
    [TestCase(5, 32771)]
    [TestCase(2, 151936)]
    public void Forward_MatchesReferenceOnRandomLogits(int tokens, int vocab)
    {
        var rng = TestRandom.Create(tokens + vocab);
        var logits = TestRandom.Normal(rng, tokens * vocab, 0f, 3f);
        // Row 0 ascends so the running max grows in every chunk (exercises the rescale).
        for (int v = 0; v < vocab; v++)
        {
            logits[v] = 0.01f * v;
        }

        var labels = Enumerable.Range(0, tokens).Select(_ => rng.Next(vocab)).ToArray();
        var (h, lp) = Run(Kernels, logits, labels, tokens, vocab, 0.9f);
        var (hRef, lpRef) = Run(s_reference, logits, labels, tokens, vocab, 0.9f);
        TestRandom.AssertClose(h, hRef, 2e-6, "entropy");
        TestRandom.AssertClose(lp, lpRef, 2e-6, "log_prob");
    }

    [Test]
    public void Forward_ExtremeLogitsStayFinite()
    {
        const int vocab = 300;
        var rng = TestRandom.Create(7);
        var logits = new float[3 * vocab];
        for (int i = 0; i < logits.Length; i++)
        {
            logits[i] = rng.Next(3) switch { 0 => -1e4f, 1 => 1e4f, _ => (float)(rng.NextDouble() * 2e4 - 1e4) };
        }

        int[] labels = [0, 150, 299];
        foreach (float temp in new[] { 1f, 0.05f, 30f })
        {
            var (h, lp) = Run(Kernels, logits, labels, 3, vocab, temp);
            var (hRef, lpRef) = Run(s_reference, logits, labels, 3, vocab, temp);
            Assert.That(h.Concat(lp).All(float.IsFinite), Is.True, $"T={temp}");
            TestRandom.AssertClose(h, hRef, 1e-4, $"entropy T={temp}");
            TestRandom.AssertClose(lp, lpRef, 1e-4, $"log_prob T={temp}");
        }
    }

    [Test]
    public void Forward_TemperatureEqualsDividingTheLogits()
    {
        var rng = TestRandom.Create(11);
        var logits = TestRandom.Normal(rng, 4 * 100, 0f, 2f);
        int[] labels = [1, 2, 3, 99];
        var (h, lp) = Run(Kernels, logits, labels, 4, 100, 0.6f);
        var (hDiv, lpDiv) = Run(Kernels, logits.Select(x => x / 0.6f).ToArray(), labels, 4, 100, 1f);
        TestRandom.AssertClose(h, hDiv, 1e-5, "entropy");
        TestRandom.AssertClose(lp, lpDiv, 1e-5, "log_prob");
    }

    [Test]
    public void Forward_IsBitwiseRepeatable()
    {
        var rng = TestRandom.Create(13);
        var logits = TestRandom.Normal(rng, 40 * 5003);
        var labels = Enumerable.Range(0, 40).Select(t => t * 97 % 5003).ToArray();
        var a = Run(Kernels, logits, labels, 40, 5003, 1f);
        var b = Run(Kernels, logits, labels, 40, 5003, 1f);
        Assert.That(a.H, Is.EqualTo(b.H));
        Assert.That(a.Lp, Is.EqualTo(b.Lp));
    }

    [TestCase(7, 1f)]
    [TestCase(40, 0.7f)]
    public void Backward_MatchesFiniteDifferencesInDouble(int vocab, float temp)
    {
        const int tokens = 3;
        var rng = TestRandom.Create(vocab);
        var logits = TestRandom.Normal(rng, tokens * vocab, 0f, 1.5f);
        int[] labels = [0, vocab / 2, vocab - 1];
        float[] gH = [0.7f, -1.3f, 0.25f];
        float[] gL = [-0.4f, 0.9f, 1.1f];
        var grad = new float[tokens * vocab];
        Kernels.Backward(logits, labels, tokens, vocab, temp, gH, gL, grad);

        const double step = 1e-4;
        for (int t = 0; t < tokens; t++)
        {
            var row = logits.Skip(t * vocab).Take(vocab).Select(x => (double)x).ToArray();
            for (int v = 0; v < vocab; v++)
            {
                double keep = row[v];
                row[v] = keep + step;
                double up = gH[t] * EntropyD(row, temp) + gL[t] * LogProbD(row, labels[t], temp);
                row[v] = keep - step;
                double down = gH[t] * EntropyD(row, temp) + gL[t] * LogProbD(row, labels[t], temp);
                row[v] = keep;
                double fd = (up - down) / (2 * step);
                Assert.That(grad[t * vocab + v], Is.EqualTo(fd).Within(2e-5), $"token {t} vocab {v}");
            }
        }
    }

    [TestCase(200, 1000)]
    [TestCase(5, 32771)]
    public void Backward_MatchesReferenceAndOverwrites(int tokens, int vocab)
    {
        Backends.SkipAboveIlgpuCpuBudget(backend, (long)tokens * vocab);
        var rng = TestRandom.Create(3 * vocab);
        var logits = TestRandom.Normal(rng, tokens * vocab, 0f, 2f);
        var labels = Enumerable.Range(0, tokens).Select(_ => rng.Next(vocab)).ToArray();
        var gH = TestRandom.Normal(rng, tokens);
        var gL = TestRandom.Normal(rng, tokens);
        var grad = Enumerable.Repeat(float.NaN, logits.Length).ToArray();
        var gradRef = new float[logits.Length];
        Kernels.Backward(logits, labels, tokens, vocab, 1.3f, gH, gL, grad);
        s_reference.Backward(logits, labels, tokens, vocab, 1.3f, gH, gL, gradRef);
        TestRandom.AssertClose(grad, gradRef, 1e-6, "grad_logits");

        // Empty upstream spans mean zero: logp-only equals passing zeros for the entropy gradient.
        Kernels.Backward(logits, labels, tokens, vocab, 1.3f, default, gL, grad);
        s_reference.Backward(logits, labels, tokens, vocab, 1.3f, new float[tokens], gL, gradRef);
        TestRandom.AssertClose(grad, gradRef, 1e-6, "grad_logits (log-prob only)");
    }

    [Test]
    public void Entropy_IsBetweenZeroAndLnVocab() =>
        Prop.ForAll<int, byte, byte>((seed, v, scale) =>
        {
            int vocab = v + 1;
            var logits = TestRandom.Normal(new Random(seed), 2 * vocab, 0f, 1f + scale / 8f);
            var h = new float[2];
            Kernels.Forward(logits, default, 2, vocab, 1f, h, default);
            return h.All(x => x >= 0f && x <= MathF.Log(vocab) + 1e-5f);
        }).QuickCheckThrowOnFailure();

    [Test]
    public void LogProb_IsNonPositiveAndExpSumsToOneOverLabels() =>
        Prop.ForAll<int, byte, byte>((seed, v, scale) =>
        {
            int vocab = v + 1;
            var row = TestRandom.Normal(new Random(seed), vocab, 0f, 1f + scale / 8f);
            var logits = Enumerable.Repeat(row, vocab).SelectMany(r => r).ToArray();
            var lp = new float[vocab];
            Kernels.Forward(logits, Enumerable.Range(0, vocab).ToArray(), vocab, vocab, 1.5f, default, lp);
            double total = lp.Sum(x => Math.Exp(x));
            return lp.All(x => x <= 0f) && Math.Abs(total - 1.0) < 1e-5;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void LogProb_ThrowsForLabelOutOfRangeNamingTheRow()
    {
        var ex = Assert.Throws<KernelInputException>(
            () => Kernels.Forward(new float[6], [1, 3], 2, 3, 1f, default, new float[2]));
        Assert.That(ex!.Field, Is.EqualTo("labels"));
        Assert.That(ex.Row, Is.EqualTo(1));
    }

    [TestCase(1, 7)]
    [TestCase(300, 1000)]
    public void LogProb_ThrowsForNaNLogitsNamingRowAndColumn(int badRow, int vocab)
    {
        var logits = new float[400 * vocab];
        logits[badRow * vocab + 5] = float.NaN;
        logits[(badRow + 50) * vocab + 2] = float.PositiveInfinity;
        var ex = Assert.Throws<KernelInputException>(
            () => Kernels.Forward(logits, default, 400, vocab, 1f, new float[400], default));
        Assert.That(ex!.Field, Is.EqualTo("logits"));
        Assert.That(ex.Row, Is.EqualTo(badRow));
        Assert.That(ex.Message, Does.Contain("column 5"));
    }

    [Test]
    public void LogProb_ThrowsForNegativeInfinityInBackward()
    {
        float[] logits = [0f, 1f, 2f, 0f, float.NegativeInfinity, 2f];
        var ex = Assert.Throws<KernelInputException>(
            () => Kernels.Backward(logits, [0, 1], 2, 3, 1f, default, new float[2], new float[6]));
        Assert.That(ex!.Row, Is.EqualTo(1));
    }

    [Test]
    public void LogProb_ThrowsForShapeMismatch()
    {
        var ex = Assert.Throws<KernelInputException>(
            () => Kernels.Forward(new float[10], default, 2, 4, 1f, new float[2], default));
        Assert.That(ex!.Field, Is.EqualTo("logits"));
        ex = Assert.Throws<KernelInputException>(
            () => Kernels.Forward(new float[8], default, 2, 4, 1f, new float[3], default));
        Assert.That(ex!.Field, Is.EqualTo("entropy"));
        ex = Assert.Throws<KernelInputException>(
            () => Kernels.Backward(new float[8], [0, 0], 2, 4, 1f, default, new float[2], new float[7]));
        Assert.That(ex!.Field, Is.EqualTo("grad_logits"));
        ex = Assert.Throws<KernelInputException>(
            () => Kernels.Forward(new float[8], [0], 2, 4, 1f, default, new float[2]));
        Assert.That(ex!.Field, Is.EqualTo("labels"));
    }

    [TestCase(0f)]
    [TestCase(-1f)]
    [TestCase(float.NaN)]
    public void LogProb_ThrowsForBadTemperature(float temp)
    {
        var ex = Assert.Throws<KernelInputException>(
            () => Kernels.Forward(new float[8], default, 2, 4, temp, new float[2], default));
        Assert.That(ex!.Field, Is.EqualTo("temperature"));
    }

    [Test]
    public void Facade_DispatchesAndChunkedVulkanIsTheGlslBackend()
    {
        float[] logits = [1f, 2f, 3f];
        var h = new float[1];
        var lp = new float[1];
        var both = (H: new float[1], Lp: new float[1]);
        TokenLogProb.Entropy(logits, 1, 3, h);
        TokenLogProb.ChosenLogProb(logits, [2], 1, 3, lp);
        TokenLogProb.EntropyAndLogProb(logits, [2], 1, 3, both.H, both.Lp);
        Assert.That(both.H[0], Is.EqualTo(h[0]));
        Assert.That(both.Lp[0], Is.EqualTo(lp[0]));
        var grad = new float[3];
        TokenLogProb.Backward(logits, [2], 1, 3, default, [1f], grad);
        Assert.That(grad.Sum(), Is.EqualTo(0f).Within(1e-6f), "Σ_v d logp/d z_v = 1 − Σ p = 0");
        Assert.That(ChunkedLogProbKernels.For(Backend.Vulkan), Is.InstanceOf<ChunkedLogProbVulkan>());
    }

    private static (float[] H, float[] Lp) Run(
        ILogProbKernels kernels, float[] logits, int[] labels, int tokens, int vocab, float temp)
    {
        var h = new float[tokens];
        var lp = new float[tokens];
        kernels.Forward(logits, labels, tokens, vocab, temp, h, lp);
        return (h, lp);
    }

    /// <summary>Independent double formula: H = lse(z) − Σ softmax(z)·z, z = x / T.</summary>
    private static double EntropyD(double[] x, double temp)
    {
        var z = x.Select(v => v / temp).ToArray();
        double lse = Lse(z);
        return lse - z.Sum(v => Math.Exp(v - lse) * v);
    }

    private static double LogProbD(double[] x, int label, double temp)
    {
        var z = x.Select(v => v / temp).ToArray();
        return z[label] - Lse(z);
    }

    private static double Lse(double[] z)
    {
        double m = z.Max();
        return m + Math.Log(z.Sum(v => Math.Exp(v - m)));
    }
}
