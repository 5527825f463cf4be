using PerceptionJudge.Kernels.Advantage;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Tests.Advantage;

/// <summary>Bad input: each error names verl's field and, where it has one, the row.</summary>
public sealed partial class AdvantageTests
{
    private KernelInputException Throws(
        string estimator, float[] rewards, float[] mask, int rows, int cols, GroupIndex index,
        float[]? baselines = null)
    {
        var ex = Assert.Throws<KernelInputException>(() =>
            Run(estimator, rewards, mask, rows, cols, index, baselines));
        return ex!;
    }

    [Test]
    public void Grpo_ThrowsForRaggedRows()
    {
        // 2 rows of 3 need 6 rewards; 5 leave row 1 incomplete.
        var ex = Throws("grpo", new float[5], Ones(6), 2, 3, GroupIndex.FromIds<int>([0, 0]));
        Assert.That(ex.Field, Is.EqualTo("token_level_rewards"));
        Assert.That(ex.Row, Is.EqualTo(1));
    }

    [Test]
    public void Grpo_ThrowsForMaskShapeMismatch()
    {
        var ex = Throws("grpo", new float[6], Ones(4), 2, 3, GroupIndex.FromIds<int>([0, 0]));
        Assert.That(ex.Field, Is.EqualTo("response_mask"));
    }

    [Test]
    public void Grpo_ThrowsForIndexOfWrongLength()
    {
        var ex = Throws("grpo", new float[6], Ones(6), 2, 3, GroupIndex.FromIds<int>([0, 0, 1]));
        Assert.That(ex.Field, Is.EqualTo("index"));
    }

    [Test]
    public void Grpo_ThrowsForShortOutput()
    {
        var ex = Assert.Throws<KernelInputException>(() =>
            GroupAdvantage.Compute(_kernels, "grpo",
                new AdvantageInput(new float[4], Ones(4), 2, 2, GroupIndex.FromIds<int>([0, 0])),
                new float[3], new float[4]));
        Assert.That(ex!.Field, Is.EqualTo("advantages"));
    }

    [TestCase(float.NaN)]
    [TestCase(float.PositiveInfinity)]
    public void Grpo_ThrowsForNonFiniteRewardNamingTheRow(float bad)
    {
        var rewards = new float[12];
        rewards[7] = bad;
        var ex = Throws("grpo", rewards, Ones(12), 4, 3, GroupIndex.FromIds<int>([0, 0, 1, 1]));
        Assert.That(ex.Field, Is.EqualTo("token_level_rewards"));
        Assert.That(ex.Row, Is.EqualTo(2));
        Assert.That(ex.Message, Does.Contain("token_level_rewards[2]"));
    }

    [Test]
    public void Grpo_ThrowsForNaNMask()
    {
        var mask = Ones(4);
        mask[1] = float.NaN;
        Assert.That(Throws("grpo", new float[4], mask, 4, 1, GroupIndex.FromIds<int>([0, 0, 1, 1])).Row,
            Is.EqualTo(1));
    }

    /// <summary>verl's layout takes the fused outcome pass, which folds the NaN/Inf check into its one read; the
    /// bad row is still named, whether it falls in a vector block of eight groups or in the scalar tail.</summary>
    [TestCase(3, float.NaN, false)]
    [TestCase(39, float.PositiveInfinity, false)]
    [TestCase(84, float.NegativeInfinity, false)]
    [TestCase(12, float.NaN, true)]
    [TestCase(83, float.PositiveInfinity, true)]
    public void Grpo_FusedOutcomePathNamesNonFiniteRow(int row, float bad, bool inMask)
    {
        const int groups = 17, size = 5;
        var rewards = Enumerable.Range(0, groups * size).Select(i => (float)(i % 3)).ToArray();
        var mask = Ones(groups * size);
        (inMask ? mask : rewards)[row] = bad;
        var index = GroupIndex.FromIds<int>(Enumerable.Range(0, groups * size).Select(i => i / size).ToArray());
        var ex = Throws("grpo", rewards, mask, groups * size, 1, index);
        Assert.That(ex.Field, Is.EqualTo(inMask ? "response_mask" : "token_level_rewards"));
        Assert.That(ex.Row, Is.EqualTo(row));
    }

    [Test]
    public void Compute_UnknownEstimatorListsValidNames()
    {
        var ex = Throws("grpo2", new float[2], Ones(2), 2, 1, GroupIndex.FromIds<int>([0, 0]));
        Assert.That(ex.Field, Is.EqualTo("adv_estimator"));
        foreach (string name in s_estimators)
        {
            Assert.That(ex.Message, Does.Contain(name));
        }
    }

    [Test]
    public void Estimators_AreVerlNames() =>
        Assert.That(GroupAdvantage.Estimators, Is.EquivalentTo(s_estimators));

    [Test]
    public void Register_ThrowsForDuplicateName() =>
        Assert.Throws<InvalidOperationException>(() => GroupAdvantage.Register("grpo",
            (IAdvantageKernels k, in AdvantageInput x, Span<float> a, Span<float> r, AdvantageOptions o) =>
                k.Rloo(x, a, r)));

    [Test]
    public void GrpoPassK_ThrowsForGroupOfOne()
    {
        var ex = Throws("grpo_passk", [1, 2, 3], Ones(3), 3, 1, GroupIndex.FromIds<int>([0, 1, 0]));
        Assert.That(ex.Field, Is.EqualTo("index"));
        Assert.That(ex.Row, Is.EqualTo(1));
    }

    [Test]
    public void Remax_ThrowsWithoutRewardBaselines() =>
        Assert.That(Throws("remax", [1, 2], Ones(2), 2, 1, GroupIndex.FromIds<int>([0, 0])).Field,
            Is.EqualTo("reward_baselines"));

    [TestCase(0)]
    [TestCase(1)]
    public void ReinforcePlusPlus_ThrowsForMaskSumBelowTwo(int ones)
    {
        var mask = new float[6];
        mask.AsSpan(0, ones).Fill(1);
        Assert.That(Throws("reinforce_plus_plus", new float[6], mask, 2, 3, GroupIndex.FromIds<int>([0, 1])).Field,
            Is.EqualTo("response_mask"));
    }

    [Test]
    public void Opo_ThrowsForGroupWithZeroTotalLength()
    {
        var ex = Throws("opo", [1, 2, 3], [1, 0, 0], 3, 1, GroupIndex.FromIds<int>([0, 1, 1]));
        Assert.That(ex.Field, Is.EqualTo("response_mask"));
        Assert.That(ex.Row, Is.EqualTo(1));
    }

    [Test]
    public void Trl_ThrowsForNaNRewardNamingTheRow()
    {
        var ex = Assert.Throws<KernelInputException>(() =>
            _kernels.Trl([1, float.NaN, 2], GroupIndex.FromIds<int>([0, 0, 0]), TrlScaleRewards.Group,
                new float[3]));
        Assert.That(ex!.Field, Is.EqualTo("rewards"));
        Assert.That(ex.Row, Is.EqualTo(1));
    }

    [Test]
    public void For_VulkanNeedsADevice()
    {
        if (Kernels.Runtime.Vulkan.VulkanRuntime.IsAvailable)
        {
            Assert.That(AdvantageKernels.For(Backend.Vulkan), Is.InstanceOf<AdvantageVulkan>());
        }
        else
        {
            var ex = Assert.Throws<KernelInputException>(() => AdvantageKernels.For(Backend.Vulkan));
            Assert.That(ex!.Message, Does.Contain("mesa-vulkan-drivers libvulkan1 glslang-tools"));
        }
    }
}
