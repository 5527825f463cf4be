using PerceptionJudge.Kernels.Advantage;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Runtime.Vulkan;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.Advantage;

/// <summary>
/// The Vulkan estimators beyond grpo on both SPIR-V variants (subgroup and shared-memory reductions), in both group
/// layouts: small groups (one invocation per group) and groups larger than a workgroup (one workgroup per group, its
/// sums by workgroupSum), with groups of one; the same bits on a second run. Float32 sums in another order than the
/// double reference: bound 1e-5 relative (of max(1, |expected|)).
/// </summary>
public sealed class AdvantageVulkanTests
{
    private static string[] Estimators => [.. AdvantageVulkan.Ported];

    [Test]
    public void Compute_BothReductionVariantsAndLayoutsMatchReferenceAndRepeatBitForBit(
        [ValueSource(nameof(Estimators))] string estimator, [Values(true, false)] bool subgroups,
        [Values(6, 150)] int groupSize)
    {
        if (!VulkanRuntime.IsAvailable)
        {
            Assert.Ignore($"Vulkan tests skipped: {VulkanRuntime.UnavailableReason}");
        }

        using var context = VulkanContext.Create(null, subgroups);
        const int rows = 1203, cols = 4;
        var rng = TestRandom.Create(groupSize);

        // Interleaved groups of about groupSize rows (7919 is coprime to the group count), every 97th row alone (not
        // for grpo_passk, which refuses groups of one).
        bool singles = estimator != "grpo_passk";
        var ids = Enumerable.Range(0, rows)
            .Select(i => singles && i % 97 == 0 ? -1 - i : i * 7919 % (rows / groupSize)).ToArray();
        var rewards = TestRandom.Normal(rng, rows * cols, 0.5f, 1f);
        var mask = Enumerable.Range(0, rows * cols).Select(k => k % cols <= k / cols % cols ? 1f : 0f).ToArray();
        var baselines = TestRandom.Normal(rng, rows);
        var input = new AdvantageInput(rewards, mask, rows, cols, GroupIndex.FromIds<int>(ids), baselines);
        var expected = new float[rows * cols];
        GroupAdvantage.Compute(new AdvantageReference(), estimator, input, expected, new float[rows * cols]);

        var kernels = new AdvantageVulkan(context);
        var adv = new float[rows * cols];
        var ret = new float[rows * cols];
        GroupAdvantage.Compute(kernels, estimator, input, adv, ret);
        TestRandom.AssertClose(adv, expected, 1e-5, $"{estimator} advantages");

        var again = new float[rows * cols];
        GroupAdvantage.Compute(kernels, estimator, input, again, new float[rows * cols]);
        Assert.That(again, Is.EqualTo(adv), "same bits on a second run");
    }

    [Test]
    public void Trl_BothReductionVariantsAndLayoutsMatchReferenceAndRepeatBitForBit(
        [Values] TrlScaleRewards scale, [Values(true, false)] bool subgroups, [Values(6, 150)] int groupSize)
    {
        if (!VulkanRuntime.IsAvailable)
        {
            Assert.Ignore($"Vulkan tests skipped: {VulkanRuntime.UnavailableReason}");
        }

        using var context = VulkanContext.Create(null, subgroups);
        const int rows = 1203;
        var rng = TestRandom.Create(groupSize + 1);

        // Interleaved groups of about groupSize rows, every 97th row alone; a constant group centres to exactly 0.
        var ids = Enumerable.Range(0, rows)
            .Select(i => i % 97 == 0 ? -1 - i : i * 7919 % (rows / groupSize)).ToArray();
        var rewards = TestRandom.Normal(rng, rows, 0.5f, 1f);
        var index = GroupIndex.FromIds<int>(ids);
        int constant = Enumerable.Range(0, index.GroupCount).First(g => index.SizeOf(g) > 1);
        foreach (int row in index.RowsOf(constant))
        {
            rewards[row] = 0.3f;
        }

        var expected = new float[rows];
        new AdvantageReference().Trl(rewards, index, scale, expected);
        var kernels = new AdvantageVulkan(context);
        var adv = new float[rows];
        kernels.Trl(rewards, index, scale, adv);
        TestRandom.AssertClose(adv, expected, 1e-5, $"trl {scale} advantages");
        Assert.That(index.RowsOf(constant).ToArray().Select(i => adv[i]), Is.All.EqualTo(0f), "constant group");

        var again = new float[rows];
        kernels.Trl(rewards, index, scale, again);
        Assert.That(again, Is.EqualTo(adv), "same bits on a second run");
    }

    [Test]
    public void Opo_ZeroLengthGroupThrowsNamingTheGroupInTheWorkgroupLayout()
    {
        if (!VulkanRuntime.IsAvailable)
        {
            Assert.Ignore($"Vulkan tests skipped: {VulkanRuntime.UnavailableReason}");
        }

        const int rows = 100;
        var ids = Enumerable.Range(0, rows).Select(i => i < 60 ? 0 : 1).ToArray();
        var mask = Enumerable.Range(0, rows).Select(i => i < 60 ? 1f : 0f).ToArray();
        var rewards = Enumerable.Range(0, rows).Select(i => (float)i).ToArray();
        var ex = Assert.Throws<KernelInputException>(() => AdvantageKernels.For(Backend.Vulkan).Opo(
            new AdvantageInput(rewards, mask, rows, 1, GroupIndex.FromIds<int>(ids)), new float[rows],
            new float[rows]));
        var cpu = Assert.Throws<KernelInputException>(() => new AdvantageReference().Opo(
            new AdvantageInput(rewards, mask, rows, 1, GroupIndex.FromIds<int>(ids)), new float[rows],
            new float[rows]));
        Assert.That(ex!.Message, Is.EqualTo(cpu!.Message));
    }
}
