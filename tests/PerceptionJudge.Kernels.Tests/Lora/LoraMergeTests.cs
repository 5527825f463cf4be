using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.Lora;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.Lora;

[TestFixtureSource(typeof(Backends), nameof(Backends.WithDevices))]
public sealed class LoraMergeTests(Backend backend)
{
    private readonly ILoraKernels _k = Backends.Bind(backend, LoraKernels.For);

    /// <summary>Merge, unmerge and delta are all ported: on Vulkan and ILGPU only a missing device skips.</summary>
    [SetUp]
    public void SkipWhereTheDeviceCannotRun() =>
        Backends.SkipUnlessRuns(backend, Ported.All(LoraVulkan.Ported), Ported.All(LoraIlgpu.Ported));

    private static (float[] W, float[] A, float[] B) Random(int seed, LoraShape s)
    {
        var rng = TestRandom.Create(seed);
        return (TestRandom.Normal(rng, s.OutFeatures * s.InFeatures), TestRandom.Normal(rng, s.Rank * s.InFeatures),
            TestRandom.Normal(rng, s.OutFeatures * s.Rank, 0f, 0.1f));
    }

    private void WithBackend(Action body)
    {
        var previous = KernelBackend.Current;
        KernelBackend.Select(backend);
        try
        {
            body();
        }
        finally
        {
            KernelBackend.Select(previous);
        }
    }

    // W [2][3] = 0, A [1][3] = (1, 2, 3), B [2][1] = (1, −2), α = 2, r = 1 → scale 2:
    // scale·B·A = 2·[[1, 2, 3], [−2, −4, −6]] = [[2, 4, 6], [−4, −8, −12]].
    // With W = 1 everywhere, merge adds it.
    [Test]
    public void Merge_HandComputed2x3() => WithBackend(() =>
    {
        var shape = new LoraShape(2, 3, 1);
        float[] w = [1, 1, 1, 1, 1, 1], a = [1, 2, 3], b = [1, -2];
        LoraMerge.Merge(w, a, b, shape, new LoraOptions(2));
        Assert.That(w, Is.EqualTo(new float[] { 3, 5, 7, -3, -7, -11 }));
        var d = new float[6];
        LoraMerge.Delta(d, a, b, shape, new LoraOptions(2));
        Assert.That(d, Is.EqualTo(new float[] { 2, 4, 6, -4, -8, -12 }));
        LoraMerge.Unmerge(w, a, b, shape, new LoraOptions(2));
        Assert.That(w, Is.All.EqualTo(1f));
    });

    // r = 2, A = [[1, 0, 1], [0, 1, 1]], B = [[1, 1], [2, −1]], α = 4: scale 2, or 4/√2 = 2√2 with rsLoRA.
    // B·A = [[1, 1, 2], [2, −1, 1]].
    [TestCase(false, 2.0)]
    [TestCase(true, 2.8284271247461903)]
    public void Delta_HandComputedRank2(bool rsLora, double scale) => WithBackend(() =>
    {
        var d = new float[6];
        LoraMerge.Delta(d, [1, 0, 1, 0, 1, 1], [1, 1, 2, -1], new LoraShape(2, 3, 2), new LoraOptions(4, rsLora));
        double[] ba = [1, 1, 2, 2, -1, 1];
        Assert.That(d, Is.EqualTo(ba.Select(x => x * scale).ToArray()).Within(1e-6));
    });

    [TestCase(3, 5, 1)]
    [TestCase(17, 33, 4)]
    [TestCase(37, 100, 8)]
    [TestCase(300, 1000, 16)]
    [TestCase(70, 4096, 32)]
    public void AddScaledProduct_MatchesReference(int outF, int inF, int r)
    {
        Backends.SkipAboveIlgpuCpuBudget(backend, (long)outF * inF);
        var shape = new LoraShape(outF, inF, r);
        var (w, a, b) = Random(outF + inF + r, shape);
        var expected = (float[])w.Clone();
        new LoraReference().AddScaledProduct(expected, a, b, shape, 0.5f, true);
        _k.AddScaledProduct(w, a, b, shape, 0.5f, true);
        TestRandom.AssertClose(w, expected, 2e-6, "weight");
        var d = new float[outF * inF];
        var dRef = new float[outF * inF];
        new LoraReference().AddScaledProduct(dRef, a, b, shape, -1.5f, false);
        Array.Fill(d, float.NaN);
        _k.AddScaledProduct(d, a, b, shape, -1.5f, false);
        TestRandom.AssertClose(d, dRef, 2e-6, "delta");
    }

    [Test]
    public void Merge_IsDeterministic() => WithBackend(() =>
    {
        Backends.SkipAboveIlgpuCpuBudget(backend, 300 * 1000);
        var shape = new LoraShape(300, 1000, 8);
        var (w, a, b) = Random(9, shape);
        var w2 = (float[])w.Clone();
        LoraMerge.Merge(w, a, b, shape, new LoraOptions(16));
        LoraMerge.Merge(w2, a, b, shape, new LoraOptions(16));
        Assert.That(w, Is.EqualTo(w2));
    });

    // Merge then unmerge: two roundings, |error| ≤ 2⁻²³·(|W| + |scale·B·A|) per element.
    [Test]
    public void MergeThenUnmerge_RestoresWeight() =>
        Prop.ForAll<int, int, int>((seed, o, i) =>
        {
            var shape = new LoraShape(1 + Math.Abs(o % 40), 1 + Math.Abs(i % 70), 1 + Math.Abs(seed % 9));
            var (w, a, b) = Random(seed, shape);
            var original = (float[])w.Clone();
            var delta = new float[w.Length];
            var opts = new LoraOptions(2 * shape.Rank, seed % 2 == 0);
            bool ok = true;
            WithBackend(() =>
            {
                LoraMerge.Delta(delta, a, b, shape, opts);
                LoraMerge.Merge(w, a, b, shape, opts);
                LoraMerge.Unmerge(w, a, b, shape, opts);
                for (int k = 0; k < w.Length; k++)
                {
                    ok &= Math.Abs(w[k] - original[k]) <= 1.2e-7 * (Math.Abs(original[k]) + Math.Abs(delta[k])) + 1e-30;
                }
            });
            return ok;
        }).QuickCheckThrowOnFailure();

    [TestCase(5, 12, 6, "weight")]
    [TestCase(6, 11, 6, "lora_A")]
    [TestCase(6, 12, 5, "lora_B")]
    public void Merge_ThrowsForWrongShapeNamingTheTensor(int w, int a, int b, string field) =>
        Assert.That(() => LoraMerge.Merge(new float[w], new float[a], new float[b], new LoraShape(3, 2, 6),
                new LoraOptions(8)),
            Throws.TypeOf<KernelInputException>().With.Property("Field").EqualTo(field));

    [Test]
    public void Merge_ThrowsForNaNInLoraBNamingTheRow()
    {
        float[] b = [0, 0, float.NaN, 0];
        var ex = Assert.Throws<KernelInputException>(
            () => LoraMerge.Merge(new float[6], new float[6], b, new LoraShape(2, 3, 2), new LoraOptions(1)));
        Assert.That(ex!.Field, Is.EqualTo("lora_B"));
        Assert.That(ex.Row, Is.EqualTo(1));
    }

    [Test]
    public void Merge_ThrowsForZeroRank() =>
        Assert.That(() => LoraMerge.Merge(new float[6], [], [], new LoraShape(2, 3, 0), new LoraOptions(1)),
            Throws.TypeOf<KernelInputException>().With.Property("Field").EqualTo("r"));
}
