using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.Listwise;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.Listwise;

/// <summary>
/// One body per backend (Reference, Cpu, ILGPU): hand-computed PerPO values, Reference agreement, gradients,
/// properties.
/// </summary>
[TestFixtureSource(typeof(Backends), nameof(Backends.WithIlgpu))]
public sealed class PerPOTests(Backend backend)
{
    private static readonly ListwiseReference s_reference = new();

    private readonly IListwiseKernels _kernels = Backends.Bind(backend, ListwiseKernels.For);

    private IListwiseKernels Kernels => _kernels;

    /// <summary>PerPO is ported to ILGPU: there only a missing device skips.</summary>
    [SetUp]
    public void SkipWhereTheDeviceCannotRun() =>
        Backends.SkipUnlessRuns(backend, Ported.All([]), Ported.All(ListwiseIlgpu.Ported));

    [Test]
    public void PerPO_MatchesHandComputedPair()
    {
        // h = 0.5·(−1 − −1.5) = 0.25, h' = 0.5·(−2 − −1.5) = −0.25, u = 0.5 − 0.2·(1 − 0) = 0.3,
        // loss = ln(1 + e^−0.3) = 0.5543552, dloss/dπ0 = β(σ(0.3) − 1) = −0.2127787 = −dloss/dπ1.
        var grad = new float[2];
        float loss = Kernels.PerPOLoss(
            [-1f, -2f], [-1.5f, -1.5f], [1f, 0f], Lists(0, 0), new PerPOOptions { Beta = 0.5f, Gamma = 0.2f }, grad);
        Assert.That(loss, Is.EqualTo(0.5543552f).Within(1e-6f));
        TestRandom.AssertClose(grad, [-0.2127787f, 0.2127787f], 1e-6, "grad");
    }

    [Test]
    public void PerPO_SkipsTiedRewards()
    {
        // Rewards [1, 1, 0]: pairs (0,2), (1,2) only; u = 0 in both: loss = ln 2, grads (σ(0) − 1)/2 each.
        var grad = new float[3];
        float loss = Kernels.PerPOLoss(
            [0f, 0f, 0f], [0f, 0f, 0f], [1f, 1f, 0f], Lists(5, 5, 5), new PerPOOptions { Beta = 1f, Gamma = 0f }, grad);
        Assert.That(loss, Is.EqualTo(MathF.Log(2f)).Within(1e-6f));
        TestRandom.AssertClose(grad, [-0.25f, -0.25f, 0.5f], 1e-6, "grad");
    }

    [Test]
    public void PerPO_AllTiesGiveZeroLossAndGradient()
    {
        var grad = new float[] { 9f, 9f, 9f };
        float loss = Kernels.PerPOLoss([-1f, -2f, -3f], [0f, 0f, 0f], [2f, 2f, 2f], Lists(1, 1, 2), new(), grad);
        Assert.That(loss, Is.Zero);
        Assert.That(grad, Is.All.Zero);
    }

    [TestCase(1, 4)]
    [TestCase(300, 8)]
    [TestCase(97, 16)]
    public void PerPO_MatchesReferenceOnRandomLists(int listCount, int listSize)
    {
        var rng = TestRandom.Create(listCount * listSize);
        var (pi, rho, r, lists) = RandomBatch(rng, listCount, listSize);
        var options = new PerPOOptions { Beta = 0.2f, Gamma = 1.5f };
        var grad = new float[pi.Length];
        var gradRef = new float[pi.Length];
        float loss = Kernels.PerPOLoss(pi, rho, r, lists, options, grad);
        float lossRef = s_reference.PerPOLoss(pi, rho, r, lists, options, gradRef);
        Assert.That(loss, Is.EqualTo(lossRef).Within(1e-5 * Math.Max(1, lossRef)));
        TestRandom.AssertClose(grad, gradRef, 1e-5, "grad");
    }

    [Test]
    public void PerPO_ExtremeMarginsStayFinite()
    {
        var grad = new float[4];
        float loss = Kernels.PerPOLoss(
            [-1e4f, 0f, 0f, -1e4f], [0f, 0f, 0f, 0f], [1f, 0f, 1f, 0f], Lists(0, 0, 1, 1),
            new PerPOOptions { Beta = 1f, Gamma = 0f }, grad);
        // List 0: u = −1e4 → loss 1e4, dU = −1; list 1: u = +1e4 → loss ≈ 0, dU ≈ 0. Mean over 2 pairs.
        Assert.That(loss, Is.EqualTo(5000f).Within(1e-2f));
        TestRandom.AssertClose(grad, [-0.5f, 0.5f, 0f, 0f], 1e-6, "grad");
    }

    [Test]
    public void PerPO_GradientMatchesFiniteDifferencesInDouble()
    {
        var rng = TestRandom.Create(41);
        var (pi, rho, r, lists) = RandomBatch(rng, 5, 6);
        var options = new PerPOOptions { Beta = 0.7f, Gamma = 0.9f };
        var grad = new float[pi.Length];
        Kernels.PerPOLoss(pi, rho, r, lists, options, grad);
        var x = pi.Select(v => (double)v).ToArray();
        const double step = 1e-5;
        for (int i = 0; i < x.Length; i++)
        {
            double keep = x[i];
            x[i] = keep + step;
            double up = LossD(x, rho, r, lists, options);
            x[i] = keep - step;
            double down = LossD(x, rho, r, lists, options);
            x[i] = keep;
            Assert.That(grad[i], Is.EqualTo((up - down) / (2 * step)).Within(1e-5), $"row {i}");
        }
    }

    [Test]
    public void PerPO_IsNonNegativeAndInvariantToListOrder() =>
        Prop.ForAll<int, byte>((seed, size) =>
        {
            var rng = new Random(seed);
            var (pi, rho, r, lists) = RandomBatch(rng, 4, 2 + size % 9);
            var options = new PerPOOptions { Beta = 0.3f, Gamma = 0.8f };
            var grad = new float[pi.Length];
            float loss = Kernels.PerPOLoss(pi, rho, r, lists, options, grad);

            var perm = Enumerable.Range(0, pi.Length).OrderBy(_ => rng.Next()).ToArray();
            var ids = lists.GroupOf.ToArray();
            var permGrad = new float[pi.Length];
            float permLoss = Kernels.PerPOLoss(
                perm.Select(p => pi[p]).ToArray(), perm.Select(p => rho[p]).ToArray(),
                perm.Select(p => r[p]).ToArray(), GroupIndex.FromIds<int>(perm.Select(p => ids[p] * 7).ToArray()),
                options, permGrad);
            bool gradsMatch = perm.Select((p, k) => Math.Abs(permGrad[k] - grad[p]) <= 1e-6f).All(b => b);
            return loss >= 0f && Math.Abs(permLoss - loss) <= 1e-5f * Math.Max(1f, loss) && gradsMatch;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void PerPO_ThrowsForRaggedInputs()
    {
        var ex = Assert.Throws<KernelInputException>(
            () => Kernels.PerPOLoss(new float[3], new float[2], new float[3], Lists(0, 0, 1), new(), default));
        Assert.That(ex!.Field, Is.EqualTo("ref_log_prob"));
        ex = Assert.Throws<KernelInputException>(
            () => Kernels.PerPOLoss(new float[3], new float[3], new float[3], Lists(0, 0), new(), default));
        Assert.That(ex!.Field, Is.EqualTo("index"));
        ex = Assert.Throws<KernelInputException>(
            () => Kernels.PerPOLoss(new float[3], new float[3], new float[3], Lists(0, 0, 1), new(), new float[2]));
        Assert.That(ex!.Field, Is.EqualTo("grad_log_prob"));
    }

    [Test]
    public void PerPO_ThrowsForNaNRewardNamingTheRow()
    {
        var ex = Assert.Throws<KernelInputException>(
            () => Kernels.PerPOLoss(new float[3], new float[3], [0f, 1f, float.NaN], Lists(0, 0, 1), new(), default));
        Assert.That(ex!.Field, Is.EqualTo("rewards"));
        Assert.That(ex.Row, Is.EqualTo(2));
    }

    [Test]
    public void PerPO_ThrowsForBadOptions()
    {
        var ex = Assert.Throws<KernelInputException>(() => Kernels.PerPOLoss(
            new float[2], new float[2], new float[2], Lists(0, 0), new PerPOOptions { Beta = 0f }, default));
        Assert.That(ex!.Field, Is.EqualTo("beta"));
        ex = Assert.Throws<KernelInputException>(() => Kernels.PerPOLoss(
            new float[2], new float[2], new float[2], Lists(0, 0), new PerPOOptions { Gamma = -1f }, default));
        Assert.That(ex!.Field, Is.EqualTo("gamma"));
    }

    [Test]
    public void Facade_DispatchesAndVulkanIsUnavailable()
    {
        var grad = new float[2];
        float loss = PerPO.Loss([-1f, -2f], [-1.5f, -1.5f], [1f, 0f], Lists(0, 0), new PerPOOptions(), grad);
        Assert.That(loss, Is.GreaterThan(0f));
        Assert.That(grad[0], Is.LessThan(0f));
        Assert.Throws<KernelInputException>(() => ListwiseKernels.For(Backend.Vulkan));
    }

    private static GroupIndex Lists(params int[] ids) => GroupIndex.FromIds<int>(ids);

    /// <summary>Interleaved lists, rewards on a coarse grid so ties occur.</summary>
    private static (float[] Pi, float[] Rho, float[] R, GroupIndex Lists) RandomBatch(Random rng, int lists, int size)
    {
        int n = lists * size;
        var pi = TestRandom.Normal(rng, n, -20f, 5f);
        var rho = pi.Select(p => p + (float)(rng.NextDouble() * 4 - 2)).ToArray();
        var r = Enumerable.Range(0, n).Select(_ => rng.Next(5) / 4f).ToArray();
        var ids = Enumerable.Range(0, n).Select(k => k % lists).ToArray();
        return (pi, rho, r, GroupIndex.FromIds<int>(ids));
    }

    /// <summary>Independent double evaluation of the loss for finite differences.</summary>
    private static double LossD(double[] pi, float[] rho, float[] r, GroupIndex lists, PerPOOptions o)
    {
        double total = 0;
        int pairs = 0;
        for (int i = 0; i < pi.Length; i++)
        {
            for (int j = 0; j < pi.Length; j++)
            {
                if (lists.GroupOf[i] == lists.GroupOf[j] && r[i] > r[j])
                {
                    double u = o.Beta * (pi[i] - rho[i]) - o.Beta * (pi[j] - rho[j]) - o.Gamma * ((double)r[i] - r[j]);
                    total += -Math.Log(1.0 / (1.0 + Math.Exp(-u)));
                    pairs++;
                }
            }
        }

        return pairs == 0 ? 0 : total / pairs;
    }
}
