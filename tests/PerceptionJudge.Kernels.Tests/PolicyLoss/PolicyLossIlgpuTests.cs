using PerceptionJudge.Kernels.LossAgg;
using PerceptionJudge.Kernels.PolicyLoss;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;
using PerceptionJudge.Kernels.Tests.LossAgg;
using PerceptionJudge.Kernels.Tests.Support;
using Loss = PerceptionJudge.Kernels.PolicyLoss.PolicyLoss;

namespace PerceptionJudge.Kernels.Tests.PolicyLoss;

/// <summary>
/// The ILGPU policy losses and loss aggregation beyond the shared fixtures: the token math and the aggregation's
/// sums are the reference's own functions in its order, so the loss and every gradient element are the reference's
/// bits; kl_cov's device radix select takes the reference's tokens when many covariances tie at the k-th (±0
/// included), ties going to the lower index; and a second call allocates no device buffer and compiles no kernel.
/// Sizes stay within <see cref="Backends.IlgpuCpuBudget"/>.
/// </summary>
public sealed class PolicyLossIlgpuTests
{
    private static string[] Modes => [.. Loss.Modes];

    [SetUp]
    public void SkipWithoutAnAccelerator() =>
        Backends.SkipUnlessRuns(Backend.Ilgpu, Ported.All([]), Ported.All(PolicyLossIlgpu.Ported));

    [Test]
    public void Compute_IsTheReferenceBitForBitAndReusesThePool([ValueSource(nameof(Modes))] string mode)
    {
        var b = Batch.Random(60 * 40, salt: 11, cols: 40);
        var o = new PolicyLossOptions { LossAggMode = "seq-mean-token-mean", KlCovRatio = 0.05, ClipCovRatio = 0.05 };
        var input = new PolicyLossInput(b.Old, b.Lp, b.Adv, b.Mask, b.Rows, b.Cols);
        var expectedGrad = new float[b.Old.Length];
        var expected = new PolicyLossReference().Compute(Loss.Parse(mode), input, expectedGrad, o);

        var context = IlgpuRuntime.Shared;
        var kernels = new PolicyLossIlgpu(context);
        var grad = new float[b.Old.Length];
        var actual = kernels.Compute(Loss.Parse(mode), input, grad, o);
        Assert.That(actual.PgLoss, Is.EqualTo(expected.PgLoss), $"{mode} loss");
        Assert.That(grad, Is.EqualTo(expectedGrad), $"{mode} gradient");
        Assert.That(actual.PpoKl, Is.EqualTo(expected.PpoKl).Within(1e-6));
        Assert.That(actual.PgClipfrac, Is.EqualTo(expected.PgClipfrac).Within(1e-6));
        Assert.That(actual.PgClipfracLower, Is.EqualTo(expected.PgClipfracLower).Within(1e-6));

        var (allocations, compiled) = (context.Allocations, context.CompiledKernels);
        var again = new float[b.Old.Length];
        Assert.That(kernels.Compute(Loss.Parse(mode), input, again, o), Is.EqualTo(actual), "same bits on a rerun");
        Assert.That(again, Is.EqualTo(grad));
        Assert.That((context.Allocations, context.CompiledKernels), Is.EqualTo((allocations, compiled)),
            "the second call allocates no device buffer and compiles no kernel");
    }

    /// <summary>
    /// Advantages and log-probs from a few levels, so whole blocks of tokens share a covariance (those with A at its
    /// mean give ±0): for every k the selection, read off the gradient, is the reference's.
    /// </summary>
    [Test]
    public void KlCov_TiesAtTheKthCovarianceGoToTheLowerIndex([Values(0.01, 0.1, 0.3, 0.5, 1.0)] double ratio)
    {
        const int rows = 12, cols = 30;
        var rng = TestRandom.Create(41);
        var old = new float[rows * cols];
        var lp = new float[rows * cols];
        var adv = new float[rows * cols];
        var mask = new float[rows * cols];
        for (int k = 0; k < old.Length; k++)
        {
            lp[k] = -1f + 0.5f * rng.Next(3);
            old[k] = lp[k] - 0.25f * rng.Next(-1, 2);
            adv[k] = rng.Next(4) - 1.5f + (k % 5 == 0 ? 0.5f : 0f);
            mask[k] = k % cols < cols - k / cols ? 1f : 0f;
        }

        var input = new PolicyLossInput(old, lp, adv, mask, rows, cols);
        var o = new PolicyLossOptions { KlCovRatio = ratio, PpoKlCoef = 0.75f };
        var expectedGrad = new float[old.Length];
        var expected = new PolicyLossReference().Compute(PolicyLossMode.KlCov, input, expectedGrad, o);
        var grad = new float[old.Length];
        var actual = new PolicyLossIlgpu(IlgpuRuntime.Shared).Compute(PolicyLossMode.KlCov, input, grad, o);
        Assert.That(grad, Is.EqualTo(expectedGrad), "the selected tokens are the reference's");
        Assert.That(actual.PgLoss, Is.EqualTo(expected.PgLoss));
    }

    [Test]
    public void KlCov_NoValidTokenSelectsNothing()
    {
        var b = Batch.Random(4 * 8, salt: 3, cols: 8) with { Mask = new float[32] };
        var input = new PolicyLossInput(b.Old, b.Lp, b.Adv, b.Mask, b.Rows, b.Cols);
        var (expectedGrad, grad) = (new float[32], new float[32]);
        var o = new PolicyLossOptions { LossAggMode = "seq-mean-token-sum-norm" };
        var expected = new PolicyLossReference().Compute(PolicyLossMode.KlCov, input, expectedGrad, o);
        Assert.That(new PolicyLossIlgpu(IlgpuRuntime.Shared).Compute(PolicyLossMode.KlCov, input, grad, o),
            Is.EqualTo(expected));
        Assert.That(grad, Is.EqualTo(expectedGrad));
    }

    [Test]
    public void Aggregate_IsTheReferenceBitForBit([ValueSource(nameof(AggModes))] string mode)
    {
        const int rows = 37, cols = 50;
        var rng = TestRandom.Create(rows);
        var x = TestRandom.Normal(rng, rows * cols, 0.3f, 2f);
        var m = AggOracle.Mask(rng, rows, cols);
        var (expectedGrad, grad) = (new float[x.Length], new float[x.Length]);
        var agg = LossAggregation.Parse(mode);
        float expected = new LossAggReference().Aggregate(agg, x, m, rows, cols, expectedGrad, 64f);
        Assert.That(new LossAggIlgpu(IlgpuRuntime.Shared).Aggregate(agg, x, m, rows, cols, grad, 64f),
            Is.EqualTo(expected));
        Assert.That(grad, Is.EqualTo(expectedGrad));
    }

    private static string[] AggModes => [.. LossAggregation.Modes];
}
