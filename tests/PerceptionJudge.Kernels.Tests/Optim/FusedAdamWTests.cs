using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.Optim;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.Optim;

[TestFixtureSource(typeof(Backends), nameof(Backends.WithDevices))]
public sealed class FusedAdamWTests(Backend backend)
{
    private readonly IOptimKernels _k = Backends.Bind(backend, OptimKernels.For);

    /// <summary>Every optimizer operation is ported: on Vulkan and ILGPU only a missing device skips.</summary>
    [SetUp]
    public void SkipWhereTheDeviceCannotRun() =>
        Backends.SkipUnlessRuns(backend, Ported.All(OptimVulkan.Ported), Ported.All(OptimIlgpu.Ported));

    private sealed record Tensors(float[][] P, float[][] G, float[][] M, float[][] V)
    {
        public ParamSlot[] Slots => [.. P.Select((p, i) => ParamSlot.Of(p, G[i], M[i], V[i]))];

        public Tensors Duplicate() => new(Copy(P), Copy(G), Copy(M), Copy(V));

        private static float[][] Copy(float[][] a) => [.. a.Select(x => (float[])x.Clone())];
    }

    private static Tensors Random(int seed, params int[] sizes)
    {
        var rng = TestRandom.Create(seed);
        return new Tensors(
            [.. sizes.Select(n => TestRandom.Normal(rng, n))],
            [.. sizes.Select(n => TestRandom.Normal(rng, n, 0f, 0.1f))],
            [.. sizes.Select(n => TestRandom.Normal(rng, n, 0f, 0.01f))],
            [.. sizes.Select(n => TestRandom.Normal(rng, n).Select(x => 1e-4f * x * x).ToArray())]);
    }

    private double Step(Tensors t, int step, AdamWOptions o) => FusedAdamW.Step(_k, t.Slots, step, o);

    // lr 0.1, wd 0.01, p = 1, g1 = 0.5, g2 = −0.25, defaults otherwise.
    // t=1: p = 0.999; m = 0.05; v = 0.00025; bc1 = 0.1, bc2 = 0.001; m/bc1 = 0.5, √v/√bc2 = 0.5;
    //      p = 0.999 − 0.1·0.5/(0.5 + 1e-8) = 0.899000002.
    // t=2: p = 0.899000002·0.999 = 0.898101002; m = 0.045 − 0.025 = 0.02; v = 0.00024975 + 0.0000625 = 0.00031225;
    //      bc1 = 0.19, bc2 = 0.001999; m/bc1 = 0.105263158; √v/√bc2 = 0.017670597/0.044710178 = 0.395222;
    //      p = 0.898101002 − 0.1·0.105263158/0.395222 = 0.871467299.
    [Test]
    public void Step_HandComputedTwoSteps()
    {
        var t = new Tensors([Enumerable.Repeat(1f, 19).ToArray()], [Enumerable.Repeat(0.5f, 19).ToArray()],
            [new float[19]], [new float[19]]);
        var o = new AdamWOptions(Lr: 0.1);
        Step(t, 1, o);
        Assert.That(t.P[0], Is.All.EqualTo(0.899000002).Within(1e-6));
        Assert.That(t.M[0], Is.All.EqualTo(0.05).Within(1e-8));
        Assert.That(t.V[0], Is.All.EqualTo(0.00025).Within(1e-10));
        Array.Fill(t.G[0], -0.25f);
        Step(t, 2, o);
        Assert.That(t.P[0], Is.All.EqualTo(0.871467299).Within(1e-6));
        Assert.That(t.M[0], Is.All.EqualTo(0.02).Within(1e-8));
        Assert.That(t.V[0], Is.All.EqualTo(0.00031225).Within(1e-10));
    }

    [Test]
    public void Step_MatchesReference([Values(3, 17, 1000, 300_001)] int n, [Values(false, true)] bool clip)
    {
        Backends.SkipAboveIlgpuCpuBudget(backend, n + 5 + n / 3 + 1);
        var t = Random(n, n, 5, n / 3 + 1);
        var r = t.Duplicate();
        var o = new AdamWOptions(Lr: 3e-3, WeightDecay: 0.1, MaxGradNorm: clip ? 0.5 : null);
        for (int step = 1; step <= 3; step++)
        {
            double norm = Step(t, step, o);
            double refNorm = FusedAdamW.Step(new OptimReference(), r.Slots, step, o);
            Assert.That(norm, Is.EqualTo(refNorm).Within(1e-12 * refNorm));
        }

        for (int i = 0; i < t.P.Length; i++)
        {
            TestRandom.AssertClose(t.P[i], r.P[i], 2e-6, $"p{i}");
            TestRandom.AssertClose(t.M[i], r.M[i], 1e-6, $"m{i}");
            TestRandom.AssertClose(t.V[i], r.V[i], 1e-6, $"v{i}");
        }
    }

    [Test]
    public void Step_IsDeterministic()
    {
        Backends.SkipAboveIlgpuCpuBudget(backend, 370_001);
        var a = Random(1, 300_001, 70_000);
        var b = a.Duplicate();
        Step(a, 1, new AdamWOptions(MaxGradNorm: 1f));
        Step(b, 1, new AdamWOptions(MaxGradNorm: 1f));
        Assert.That(a.P, Is.EqualTo(b.P));
    }

    // f(p) = ½ Σ c_j (p_j − 1)²; an independent torch-style loop (step_size, denom with bias_correction2_sqrt).
    [Test]
    public void Step_FollowsTorchTrajectoryOnAQuadratic()
    {
        int[] sizes = [3, 17, 40];
        var t = new Tensors([.. sizes.Select(n => new float[n])], [.. sizes.Select(n => new float[n])],
            [.. sizes.Select(n => new float[n])], [.. sizes.Select(n => new float[n])]);
        double[][] p = [.. sizes.Select(n => new double[n])], m = [.. sizes.Select(n => new double[n])];
        double[][] v = [.. sizes.Select(n => new double[n])];
        var o = new AdamWOptions(Lr: 0.05);
        double Curv(int j) => 0.5 + j % 5;
        double loss0 = 0, loss = 0;
        for (int step = 1; step <= 100; step++)
        {
            loss = 0;
            for (int i = 0; i < sizes.Length; i++)
            {
                for (int j = 0; j < sizes[i]; j++)
                {
                    t.G[i][j] = (float)(Curv(j) * (t.P[i][j] - 1));
                    loss += 0.5 * Curv(j) * (t.P[i][j] - 1) * (t.P[i][j] - 1);
                    double g = Curv(j) * (p[i][j] - 1);
                    p[i][j] *= 1 - 0.05 * 0.01;
                    m[i][j] = 0.9 * m[i][j] + 0.1 * g;
                    v[i][j] = 0.999 * v[i][j] + 0.001 * g * g;
                    double stepSize = 0.05 / (1 - Math.Pow(0.9, step));
                    double denom = Math.Sqrt(v[i][j]) / Math.Sqrt(1 - Math.Pow(0.999, step)) + 1e-8;
                    p[i][j] -= stepSize * m[i][j] / denom;
                }
            }

            loss0 = step == 1 ? loss : loss0;
            Step(t, step, o);
        }

        Assert.That(loss, Is.LessThan(0.01 * loss0));
        for (int i = 0; i < sizes.Length; i++)
        {
            TestRandom.AssertClose(t.P[i], [.. p[i].Select(x => (float)x)], 1e-4, $"p{i}");
        }
    }

    [Test]
    public void Step_ClipsWhenNormAboveMax()
    {
        // grads (3, 4) and (12): total norm 13; max 1.3 → coefficient 1.3 / (13 + 1e-6).
        var t = new Tensors([[0f, 0f], [0f]], [[3f, 4f], [12f]], [[0f, 0f], [0f]], [[0f, 0f], [0f]]);
        double norm = Step(t, 1, new AdamWOptions(Lr: 0.1, WeightDecay: 0f, MaxGradNorm: 1.3));
        Assert.That(norm, Is.EqualTo(13.0).Within(1e-12));
        double c = 1.3 / (13 + 1e-6);
        Assert.That(t.M[0][0], Is.EqualTo(0.1 * 3 * c).Within(1e-7));
        Assert.That(t.M[1][0], Is.EqualTo(0.1 * 12 * c).Within(1e-7));
        Assert.That(t.V[0][1], Is.EqualTo(0.001 * 16 * c * c).Within(1e-9));
        Assert.That(t.G[0], Is.EqualTo(new[] { 3f, 4f }), "grads are not written");
    }

    [Test]
    public void Step_LeavesGradsUnscaledWhenNormBelowMax()
    {
        var t = new Tensors([[0f, 0f]], [[3f, 4f]], [[0f, 0f]], [[0f, 0f]]);
        double norm = Step(t, 1, new AdamWOptions(MaxGradNorm: 10));
        Assert.That(norm, Is.EqualTo(5.0).Within(1e-12));
        Assert.That(t.M[0][0], Is.EqualTo(0.3).Within(1e-7));
        Assert.That(t.M[0][1], Is.EqualTo(0.4).Within(1e-7));
    }

    [Test]
    public void Step_ThrowsForNaNGradAndModifiesNothing([Values(5, 300_001)] int n)
    {
        var t = Random(4, 7, n, 9);
        t.G[1][n - 2] = float.NaN;
        var before = t.Duplicate();
        var ex = Assert.Throws<KernelInputException>(() => Step(t, 1, new AdamWOptions(MaxGradNorm: 1f)));
        Assert.That(ex!.Field, Is.EqualTo("grads"));
        Assert.That(ex.Row, Is.EqualTo(1));
        Assert.That(t.P, Is.EqualTo(before.P));
        Assert.That(t.M, Is.EqualTo(before.M));
        Assert.That(t.V, Is.EqualTo(before.V));
    }

    [Test]
    public void Step_EmptyListReturnsZeroNorm() =>
        Assert.That(FusedAdamW.Step(_k, ReadOnlySpan<ParamSlot>.Empty, 1, new AdamWOptions()), Is.Zero);

    [Test]
    public void Step_ThrowsForMismatchedLengthsNamingTheTensor()
    {
        var t = Random(5, 4, 6);
        t.M[1] = new float[5];
        var ex = Assert.Throws<KernelInputException>(() => Step(t, 1, new AdamWOptions()));
        Assert.That(ex!.Field, Is.EqualTo("exp_avgs"));
        Assert.That(ex.Row, Is.EqualTo(1));
        t = Random(5, 4, 6);
        t.G[0] = new float[3];
        Assert.That(() => Step(t, 1, new AdamWOptions()),
            Throws.TypeOf<KernelInputException>().With.Property("Field").EqualTo("grads")
                .And.Property("Row").EqualTo(0));
    }

    [TestCase(0, 0.9f, 1e-3f, "step")]
    [TestCase(1, 1.0f, 1e-3f, "betas")]
    [TestCase(1, 0.9f, -1e-3f, "lr")]
    public void Step_ThrowsForBadOptions(int step, float beta1, float lr, string field) =>
        Assert.That(() => Step(Random(6, 3), step, new AdamWOptions(Lr: lr, Beta1: beta1)),
            Throws.TypeOf<KernelInputException>().With.Property("Field").EqualTo(field));

    // lr = 0 scales both the Adam term and the decoupled decay (1 − lr·wd = 1): params unchanged.
    [Test]
    public void Step_ZeroLrLeavesParamsUnchanged() =>
        Prop.ForAll<int, int>((seed, len) =>
        {
            var t = Random(seed, 1 + Math.Abs(len % 70), 3);
            var before = t.Duplicate();
            Step(t, 1 + Math.Abs(seed % 5), new AdamWOptions(Lr: 0, WeightDecay: 0.3, MaxGradNorm: 0.1));
            return t.P.Zip(before.P).All(x => x.First.SequenceEqual(x.Second));
        }).QuickCheckThrowOnFailure();

    // Zero grads, zero moments and no decay: m stays 0, so the update 0 / (0 + eps) is 0.
    [Test]
    public void Step_ZeroGradsWithoutDecayLeaveParamsUnchanged() =>
        Prop.ForAll<int>(seed =>
        {
            var t = Random(seed, 33, 2);
            var before = t.Duplicate();
            foreach (var a in t.G.Concat(t.M).Concat(t.V))
            {
                Array.Clear(a);
            }

            Step(t, 1, new AdamWOptions(Lr: 0.5, WeightDecay: 0f));
            return t.P.Zip(before.P).All(x => x.First.SequenceEqual(x.Second));
        }).QuickCheckThrowOnFailure();
}
