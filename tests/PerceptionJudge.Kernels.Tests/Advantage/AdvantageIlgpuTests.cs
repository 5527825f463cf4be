using PerceptionJudge.Kernels.Advantage;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Ilgpu;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.Advantage;

/// <summary>
/// The ILGPU estimators beyond the shared fixture: interleaved groups of about 6 and of 150 rows with groups of one,
/// against the double reference (the statistics are the reference's, in its order: bound 1e-6 relative), the same
/// bits on a second call, and no device allocation or kernel compile on that second call (the pool and the kernel
/// cache). Sizes stay within <see cref="Backends.IlgpuCpuBudget"/> (ILGPU's CPU accelerator runs them).
/// </summary>
public sealed class AdvantageIlgpuTests
{
    private static string[] Estimators => [.. GroupAdvantage.Estimators];

    [SetUp]
    public void SkipWithoutAnAccelerator() =>
        Backends.SkipUnlessRuns(Backend.Ilgpu, Ported.All([]), Ported.All(AdvantageIlgpu.Ported));

    [Test]
    public void Compute_MatchesReferenceRepeatsBitForBitAndReusesThePool(
        [ValueSource(nameof(Estimators))] string estimator, [Values(6, 150)] int groupSize)
    {
        const int rows = 603, cols = 3;
        var rng = TestRandom.Create(groupSize);
        bool singles = estimator != "grpo_passk"; // grpo_passk refuses groups of one
        var ids = Enumerable.Range(0, rows)
            .Select(i => singles && i % 97 == 0 ? -1 - i : i * 7919 % (rows / groupSize)).ToArray();
        var rewards = TestRandom.Normal(rng, rows * cols, 0.5f, 1f);
        var mask = Enumerable.Range(0, rows * cols).Select(k => k % cols <= k / cols % cols ? 1f : 0f).ToArray();
        var input = new AdvantageInput(
            rewards, mask, rows, cols, GroupIndex.FromIds<int>(ids), TestRandom.Normal(rng, rows));
        var (expected, expectedRet) = (new float[rows * cols], new float[rows * cols]);
        GroupAdvantage.Compute(new AdvantageReference(), estimator, input, expected, expectedRet);

        var context = IlgpuRuntime.Shared;
        var kernels = new AdvantageIlgpu(context);
        var (adv, ret) = (new float[rows * cols], new float[rows * cols]);
        GroupAdvantage.Compute(kernels, estimator, input, adv, ret);
        TestRandom.AssertClose(adv, expected, 1e-6, $"{estimator} advantages");
        TestRandom.AssertClose(ret, expectedRet, 1e-6, $"{estimator} returns");

        var (allocations, compiled) = (context.Allocations, context.CompiledKernels);
        var again = new float[rows * cols];
        GroupAdvantage.Compute(kernels, estimator, input, again, new float[rows * cols]);
        Assert.That(again, Is.EqualTo(adv), "same bits on a second run");
        Assert.That((context.Allocations, context.CompiledKernels), Is.EqualTo((allocations, compiled)),
            "the second call allocates no device buffer and compiles no kernel");
    }

    [Test]
    public void Trl_MatchesReferenceAndRepeatsBitForBit([Values] TrlScaleRewards scale)
    {
        const int rows = 1000;
        var rng = TestRandom.Create(rows);
        var rewards = TestRandom.Normal(rng, rows, 2f, 3f);
        var index = GroupIndex.FromIds<int>([.. Enumerable.Range(0, rows).Select(i => i % 13 == 0 ? -i : i % 60)]);
        var expected = new float[rows];
        new AdvantageReference().Trl(rewards, index, scale, expected);
        var kernels = new AdvantageIlgpu(IlgpuRuntime.Shared);
        var (first, second) = (new float[rows], new float[rows]);
        kernels.Trl(rewards, index, scale, first);
        kernels.Trl(rewards, index, scale, second);
        TestRandom.AssertClose(first, expected, 1e-6, $"trl {scale}");
        Assert.That(second, Is.EqualTo(first), "same bits on a second run");
    }
}
