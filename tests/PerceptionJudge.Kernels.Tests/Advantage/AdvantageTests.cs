using PerceptionJudge.Kernels.Advantage;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.Advantage;

/// <summary>
/// Hand-worked cases of every estimator, on every backend. Expected numbers are derived in the comments and written
/// as the formula's arithmetic, never copied from the kernel's output.
/// </summary>
[TestFixtureSource(typeof(Backends), nameof(Backends.WithDevices))]
public sealed partial class AdvantageTests(Backend backend)
{
    private const float Eps = 1e-6f;
    private readonly IAdvantageKernels _kernels = Backends.Bind(backend, AdvantageKernels.For);

    /// <summary>On Vulkan only the tests of ported estimators (and backend-independent ones) run, see
    /// <see cref="OnVulkan"/>; ILGPU runs every estimator.</summary>
    [SetUp]
    public void SkipWhereTheDeviceCannotRun() => Backends.SkipUnlessRuns(
        backend, Ported.Only(OnVulkan(TestContext.CurrentContext.Test), AdvantageVulkan.Ported),
        Ported.All(AdvantageIlgpu.Ported));

    /// <summary>Test-name prefixes and the estimator each exercises.</summary>
    private static readonly (string Prefix, string Estimator)[] s_prefixes =
    [
        ("Grpo_", "grpo"), ("GrpoPassK_", "grpo_passk"), ("Rloo_", "rloo"), ("Opo_", "opo"), ("Gpg_", "gpg"),
        ("Remax_", "remax"), ("ReinforcePlusPlus_", "reinforce_plus_plus"),
        ("ReinforcePlusPlusBaseline_", "reinforce_plus_plus_baseline"), ("Trl_", "trl"),
    ];

    /// <summary>Tests that exercise only ported estimators or no kernel at all.</summary>
    private static bool OnVulkan(TestContext.TestAdapter test) =>
        test.MethodName is string name
        && (s_prefixes.Any(p => name.StartsWith(p.Prefix, StringComparison.Ordinal)
                && (AdvantageVulkan.Ported.Contains(p.Estimator) || p.Estimator == "trl"))
            || name is "Compute_UnknownEstimatorListsValidNames" or "Estimators_AreVerlNames"
                or "Register_ThrowsForDuplicateName" or "For_VulkanNeedsADevice"
            || (name == "MatchesReference_OnRandomBatches" && AdvantageVulkan.Ported.Contains(test.Arguments[0])));

    private (float[] Adv, float[] Ret) Run(
        string estimator, float[] rewards, float[] mask, int rows, int cols, GroupIndex index,
        float[]? baselines = null, AdvantageOptions? options = null)
    {
        var adv = new float[rows * cols];
        var ret = new float[rows * cols];
        var input = new AdvantageInput(rewards, mask, rows, cols, index, baselines);
        GroupAdvantage.Compute(_kernels, estimator, input, adv, ret, options);
        return (adv, ret);
    }

    private static float[] Ones(int n) => Enumerable.Repeat(1f, n).ToArray();

    // Rows 0, 2, 3 form group "a" with scores 1, 2, 3 (rewards spread over tokens); row 1 is "b" alone, score 5.
    // Group a: mean 2, unbiased std sqrt((1 + 0 + 1) / 2) = 1.
    private static readonly float[] s_rewards = [0, 0, 1, 2, 3, 0, 1, 1, 0, 3, 0, 0];
    private static readonly float[] s_mask = [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1];
    private static GroupIndex Abaa() => GroupIndex.FromIds<string>(["a", "b", "a", "a"]);

    private static float[] Expand(float[] perRow, float[] mask, int cols) =>
        mask.Select((m, k) => perRow[k / cols] * m).ToArray();

    [Test]
    public void Grpo_HandComputedGroupsAndGroupOfOne()
    {
        var (adv, ret) = Run("grpo", s_rewards, s_mask, 4, 3, Abaa());
        float[] perRow = [(1 - 2) / (1 + Eps), 5 / (1 + Eps), (2 - 2) / (1 + Eps), (3 - 2) / (1 + Eps)];
        TestRandom.AssertClose(adv, Expand(perRow, s_mask, 3), 1e-6, "advantages");
        Assert.That(ret, Is.EqualTo(adv), "returns = advantages");
        Assert.That(adv[8], Is.EqualTo(0f), "masked token");
    }

    [Test]
    public void Grpo_DrGrpoSkipsTheStdDivision()
    {
        var (adv, _) = Run("grpo", s_rewards, s_mask, 4, 3, Abaa(), options: new() { NormAdvByStd = false });
        TestRandom.AssertClose(adv, Expand([-1, 5, 0, 1], s_mask, 3), 1e-6, "advantages");
    }

    [Test]
    public void Grpo_ConstantGroupGivesZero()
    {
        var (adv, _) = Run("grpo", [0.1f, 0.1f, 0.1f], Ones(3), 3, 1, GroupIndex.FromIds<int>([7, 7, 7]));
        Assert.That(adv, Is.EqualTo(new float[3]));
    }

    [Test]
    public void Grpo_UsesTheGivenEpsilon()
    {
        // Scores 0 and 2: mean 1, unbiased std sqrt(2); with ε = 0.5 the advantages are ±1 / (√2 + 0.5).
        var (adv, _) = Run("grpo", [0, 2], Ones(2), 2, 1, GroupIndex.FromIds<int>([1, 1]),
            options: new() { Epsilon = 0.5f });
        double a = 1 / (Math.Sqrt(2) + 0.5);
        TestRandom.AssertClose(adv, [(float)-a, (float)a], 1e-6, "advantages");
    }

    [Test]
    public void GrpoPassK_OnlyTheBestRowGetsTheGap()
    {
        // Group scores 1, 3, 2: best is row 1, gap 3 − 2 = 1, unbiased std 1 → 1 / (1 + ε); others 0.
        var index = GroupIndex.FromIds<int>([0, 0, 0, 9, 9]);
        float[] rewards = [1, 3, 2, 4, 4];
        var (adv, ret) = Run("grpo_passk", rewards, Ones(5), 5, 1, index);
        TestRandom.AssertClose(adv, [0, 1 / (1 + Eps), 0, 0, 0], 1e-6, "advantages (tie in group 9 gives 0)");
        Assert.That(ret, Is.EqualTo(adv));
        var (raw, _) = Run("grpo_passk", rewards, Ones(5), 5, 1, index, options: new() { NormAdvByStd = false });
        TestRandom.AssertClose(raw, [0, 1, 0, 0, 0], 1e-6, "without std");
    }

    [Test]
    public void Rloo_LeaveOneOutBaseline()
    {
        // Group a: (s − 2) · 3 / 2 = −1.5, 0, 1.5; the lone row keeps its score 5.
        var (adv, _) = Run("rloo", s_rewards, s_mask, 4, 3, Abaa());
        TestRandom.AssertClose(adv, Expand([-1.5f, 5, 0, 1.5f], s_mask, 3), 1e-6, "advantages");
    }

    [Test]
    public void Opo_LengthWeightedBaseline()
    {
        // Scores 1 and 3 with lengths 1 and 3: baseline (1·1 + 3·3) / 4 = 2.5 → −1.5, 0.5. Row 2 alone keeps 7.
        float[] rewards = [1, 0, 0, 1, 1, 1, 7, 0, 0];
        float[] mask = [1, 0, 0, 1, 1, 1, 1, 1, 0];
        var (adv, _) = Run("opo", rewards, mask, 3, 3, GroupIndex.FromIds<string>(["x", "x", "y"]));
        TestRandom.AssertClose(adv, Expand([-1.5f, 0.5f, 7], mask, 3), 1e-6, "advantages");
    }

    [Test]
    public void Gpg_ScalesByBatchOverNonZeroCount()
    {
        // Scores 0, 2, 4 (group a, mean 2) and 6 alone: 3 of 4 non-zero → α = 4/3.
        var (adv, _) = Run("gpg", [0, 2, 4, 6], Ones(4), 4, 1, GroupIndex.FromIds<int>([1, 1, 1, 2]));
        float alpha = 4f / 3f;
        TestRandom.AssertClose(adv, [alpha * -2, 0, alpha * 2, alpha * 6], 1e-6, "advantages");
    }

    [Test]
    public void ReinforcePlusPlus_DiscountResetByMaskThenWhiten()
    {
        // γ = 0.5. Row 0 rewards [0, 0, 1], full mask → returns [0.25, 0.5, 1].
        // Row 1 rewards [0, 2, 0.5], mask [1, 1, 0]: t2 G = 0.5 (then reset), t1 G = 2, t0 G = 1 → [1, 2, 0.5].
        float[] rewards = [0, 0, 1, 0, 2, 0.5f];
        float[] mask = [1, 1, 1, 1, 1, 0];
        var (adv, ret) = Run("reinforce_plus_plus", rewards, mask, 2, 3, GroupIndex.FromIds<int>([0, 1]),
            options: new() { Gamma = 0.5f });
        TestRandom.AssertClose(ret, [0.25f, 0.5f, 1, 1, 2, 0.5f], 1e-6, "returns (not masked)");
        float[] expected = Whitened([0.25, 0.5, 1, 1, 2, 0.5], mask);
        TestRandom.AssertClose(adv, expected, 1e-5, "advantages");
        Assert.That(adv[5], Is.EqualTo(0f));
    }

    [Test]
    public void ReinforcePlusPlusBaseline_CentreThenWhiten()
    {
        // Group a scores 1, 2, 3 → −1, 0, 1; row 3 alone keeps 5. Broadcast over 2 columns, then whiten.
        float[] rewards = [1, 0, 0, 2, 3, 0, 5, 0];
        float[] mask = [1, 1, 1, 1, 1, 0, 1, 1];
        var (adv, ret) = Run("reinforce_plus_plus_baseline", rewards, mask, 4, 2,
            GroupIndex.FromIds<int>([3, 3, 3, 4]));
        float[] expected = Whitened([-1, -1, 0, 0, 1, 1, 5, 5], mask);
        TestRandom.AssertClose(adv, expected, 1e-5, "advantages");
        Assert.That(ret, Is.EqualTo(adv));
    }

    [Test]
    public void Remax_ReverseCumSumMinusBaseline()
    {
        // Row 0: suffix sums of [1, 2, 3] = [6, 5, 3], minus baseline 2 → [4, 3, 1].
        // Row 1: masked rewards [1, 1, 0] → [2, 1, 0], minus 0.5 · mask → [1.5, 0.5, 0].
        var (adv, ret) = Run("remax", [1, 2, 3, 1, 1, 1], [1, 1, 1, 1, 1, 0], 2, 3,
            GroupIndex.FromIds<int>([0, 0]), baselines: [2, 0.5f]);
        TestRandom.AssertClose(ret, [6, 5, 3, 2, 1, 0], 1e-6, "returns");
        TestRandom.AssertClose(adv, [4, 3, 1, 1.5f, 0.5f, 0], 1e-6, "advantages");
    }

    [TestCase(TrlScaleRewards.Group)]
    [TestCase(TrlScaleRewards.Batch)]
    [TestCase(TrlScaleRewards.None)]
    public void Trl_ScaleRewardsModes(TrlScaleRewards scale)
    {
        // Interleaved p/q. p: 1, 2, 3 → mean 2, std 1. q: 4, 8 → mean 6, std √8.
        // Batch [1, 4, 2, 8, 3]: mean 3.6, Σ dev² = 29.2, unbiased std √7.3.
        float[] rewards = [1, 4, 2, 8, 3];
        var index = GroupIndex.FromIds<string>(["p", "q", "p", "q", "p"]);
        var adv = new float[5];
        _kernels.Trl(rewards, index, scale, adv);
        double[] centred = [-1, -2, 0, 2, 1];
        double[] std = scale switch
        {
            TrlScaleRewards.Group => [1, Math.Sqrt(8), 1, Math.Sqrt(8), 1],
            TrlScaleRewards.Batch => Enumerable.Repeat(Math.Sqrt(7.3), 5).ToArray(),
            _ => [],
        };
        var expected = centred.Select((c, i) => (float)(std.Length == 0 ? c : c / (std[i] + 1e-4))).ToArray();
        TestRandom.AssertClose(adv, expected, 1e-6, "advantages");
    }

    [Test]
    public void Trl_GroupOfOneHasZeroStd()
    {
        var adv = new float[3];
        _kernels.Trl([5, 1, 3], GroupIndex.FromIds<int>([0, 1, 1]), TrlScaleRewards.Group, adv);
        TestRandom.AssertClose(adv, [0, (float)(-1 / (Math.Sqrt(2) + 1e-4)), (float)(1 / (Math.Sqrt(2) + 1e-4))],
            1e-6, "advantages");
    }

    /// <summary>verl masked_whiten · mask, worked in double from the definition (independent of the kernels).</summary>
    private static float[] Whitened(double[] x, float[] mask)
    {
        double n = mask.Sum(m => (double)m);
        double mean = x.Select((v, k) => v * mask[k]).Sum() / n;
        double var = x.Select((v, k) => (v - mean) * (v - mean) * mask[k]).Sum() / (n - 1);
        return x.Select((v, k) => (float)((v - mean) / Math.Sqrt(var + 1e-8) * mask[k])).ToArray();
    }
}
