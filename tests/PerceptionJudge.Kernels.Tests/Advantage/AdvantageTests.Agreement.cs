using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Kernels.Advantage;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Kernels.Tests.Support;

namespace PerceptionJudge.Kernels.Tests.Advantage;

/// <summary>Agreement with the reference on random batches, FsCheck properties, determinism.</summary>
public sealed partial class AdvantageTests
{
    private static readonly string[] s_estimators =
        ["grpo", "grpo_passk", "rloo", "opo", "gpg", "reinforce_plus_plus", "reinforce_plus_plus_baseline", "remax"];

    /// <summary>Random batch: groups of 2..8 rows (uneven, shuffled), prefix masks, normal rewards.</summary>
    private static (float[] Rewards, float[] Mask, GroupIndex Index, float[] Baselines) Batch(
        int rows, int cols, int salt)
    {
        var rng = TestRandom.Create(salt);
        var ids = new int[rows];
        int group = 0;
        for (int i = 0; i < rows; group++)
        {
            int size = Math.Min(rows - i, rng.Next(2, 9));
            size = rows - i - size == 1 ? size + 1 : size;
            for (int j = 0; j < size; j++)
            {
                ids[i++] = group;
            }
        }

        rng.Shuffle(ids);
        var mask = new float[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            int length = rng.Next(1, cols + 1);
            mask.AsSpan(i * cols, length).Fill(1);
        }

        return (TestRandom.Normal(rng, rows * cols), mask, GroupIndex.FromIds<int>(ids),
            TestRandom.Normal(rng, rows));
    }

    private static IEnumerable<TestCaseData> Sizes()
    {
        (int Rows, int Cols)[] shapes =
            [(3, 1), (17, 1), (1000, 1), (3, 17), (17, 5), (1000, 3), (300_001, 1), (700, 200)];
        foreach (string estimator in s_estimators)
        {
            foreach (var (rows, cols) in shapes)
            {
                yield return new TestCaseData(estimator, rows, cols).SetArgDisplayNames(estimator, $"{rows}x{cols}");
            }
        }
    }

    [TestCaseSource(nameof(Sizes))]
    public void MatchesReference_OnRandomBatches(string estimator, int rows, int cols)
    {
        Backends.SkipAboveIlgpuCpuBudget(backend, (long)rows * cols);
        var (rewards, mask, index, baselines) = Batch(rows, cols, rows + cols);
        var options = new AdvantageOptions { Gamma = 0.9f };
        var (adv, ret) = Run(estimator, rewards, mask, rows, cols, index, baselines, options);
        var expectedAdv = new float[rows * cols];
        var expectedRet = new float[rows * cols];
        GroupAdvantage.Compute(new AdvantageReference(), estimator,
            new AdvantageInput(rewards, mask, rows, cols, index, baselines), expectedAdv, expectedRet, options);
        // Row sums are float SIMD on Cpu and double on Reference; 1e-4 relative covers that after division by std.
        TestRandom.AssertClose(adv, expectedAdv, 1e-4, $"{estimator} advantages");
        TestRandom.AssertClose(ret, expectedRet, 1e-4, $"{estimator} returns");
    }

    /// <summary>Large offset, small spread (e.g. reward-model scores near 1e3): the fused pass's shifted moments keep
    /// the variance accurate where raw Σs² − (Σs)²/k would cancel.</summary>
    [TestCase(5)]
    [TestCase(8)]
    public void Grpo_LargeOffsetSmallSpreadMatchesReference(int groupSize)
    {
        int rows = groupSize * 4001;
        var rng = TestRandom.Create(groupSize);
        var rewards = TestRandom.Normal(rng, rows, mean: 1000f, std: 0.05f);
        var mask = Enumerable.Repeat(1f, rows).ToArray();
        var index = GroupIndex.FromIds<int>(Enumerable.Range(0, rows).Select(i => i / groupSize).ToArray());
        var (adv, _) = Run("grpo", rewards, mask, rows, 1, index);
        var expected = new float[rows];
        new AdvantageReference().Grpo(new AdvantageInput(rewards, mask, rows, 1, index), expected, new float[rows],
            new AdvantageOptions());
        TestRandom.AssertClose(adv, expected, 1e-5, "advantages");
    }

    /// <summary>verl's layout (n consecutive rollouts per prompt) takes the Cpu contiguous fast path.</summary>
    [TestCase(3, 1, 1, true)]
    [TestCase(5, 3, 1, true)]
    [TestCase(8, 1000, 1, true)]
    [TestCase(5, 60_001, 1, true)]
    [TestCase(5, 60_001, 1, false)]
    [TestCase(8, 20, 7, true)]
    [TestCase(5, 30_000, 5, false)]
    [TestCase(1, 17, 1, true)]
    public void Grpo_ContiguousGroupsMatchReference(int groupSize, int groups, int cols, bool norm)
    {
        int rows = groupSize * groups;
        Backends.SkipAboveIlgpuCpuBudget(backend, (long)rows * cols);
        var rng = TestRandom.Create(rows);
        var rewards = TestRandom.Normal(rng, rows * cols);
        rewards.AsSpan(0, groupSize * cols).Fill(0.1f);
        var mask = Enumerable.Range(0, rows * cols).Select(k => k % 7 == 6 ? 0f : 1f).ToArray();
        var index = GroupIndex.FromIds<int>(Enumerable.Range(0, rows).Select(i => i / groupSize).ToArray());
        var options = new AdvantageOptions { NormAdvByStd = norm };
        var (adv, ret) = Run("grpo", rewards, mask, rows, cols, index, options: options);
        var expected = new float[rows * cols];
        new AdvantageReference().Grpo(new AdvantageInput(rewards, mask, rows, cols, index), expected,
            new float[rows * cols], options);
        TestRandom.AssertClose(adv, expected, 1e-5, "advantages");
        Assert.That(ret, Is.EqualTo(adv));
        if (groupSize > 1)
        {
            Assert.That(adv.AsSpan(0, groupSize * cols).ToArray(), Is.All.EqualTo(0f), "constant group");
        }
    }

    [TestCase(TrlScaleRewards.Group, 17)]
    [TestCase(TrlScaleRewards.Batch, 1000)]
    [TestCase(TrlScaleRewards.None, 300_001)]
    [TestCase(TrlScaleRewards.Batch, 300_001)]
    public void Trl_MatchesReference(TrlScaleRewards scale, int rows)
    {
        Backends.SkipAboveIlgpuCpuBudget(backend, rows);
        var (rewards, _, index, _) = Batch(rows, 1, rows);
        var adv = new float[rows];
        var expected = new float[rows];
        _kernels.Trl(rewards, index, scale, adv);
        new AdvantageReference().Trl(rewards, index, scale, expected);
        TestRandom.AssertClose(adv, expected, 1e-5, "advantages");
    }

    [Test]
    public void Grpo_SameBitsEveryRun()
    {
        Backends.SkipAboveIlgpuCpuBudget(backend, 300_000);
        var (rewards, mask, index, _) = Batch(100_000, 3, 5);
        var (first, _) = Run("grpo", rewards, mask, 100_000, 3, index);
        var (second, _) = Run("grpo", rewards, mask, 100_000, 3, index);
        Assert.That(second, Is.EqualTo(first));
    }

    /// <summary>
    /// Scores from ints (one decimal) and groups 0..3 from the same ints. For every group of ≥ 2 rows with
    /// non-constant scores the advantages have mean 0 (|mean| ≤ 1e-5) and unbiased std 1 within 1e-4:
    /// std/(std + 1e-6) ≥ 1 − 1e-5 since distinct scores differ by at least 0.1.
    /// </summary>
    [Test]
    public void Grpo_ZeroMeanUnitStdPerGroup() =>
        Prop.ForAll<int[]>(values =>
        {
            if (values.Length == 0)
            {
                return true;
            }

            var scores = values.Select(v => v % 1000 / 10f).ToArray();
            var ids = values.Select(v => Math.Abs(v / 1000 % 4)).ToArray();
            var index = GroupIndex.FromIds<int>(ids);
            var (adv, _) = Run("grpo", scores, Ones(scores.Length), scores.Length, 1, index);
            for (int g = 0; g < index.GroupCount; g++)
            {
                var rows = index.RowsOf(g).ToArray();
                if (rows.Length < 2 || rows.All(r => scores[r] == scores[rows[0]]))
                {
                    continue;
                }

                double mean = rows.Average(r => (double)adv[r]);
                double std = Math.Sqrt(rows.Sum(r => (adv[r] - mean) * (adv[r] - mean)) / (rows.Length - 1));
                if (Math.Abs(mean) > 1e-5 || Math.Abs(std - 1) > 1e-4)
                {
                    return false;
                }
            }

            return true;
        }).QuickCheckThrowOnFailure();

    /// <summary>Permuting rows together with their ids permutes the advantages (same values within 1e-5).</summary>
    [Test]
    public void Grpo_InvariantToRowPermutation() =>
        Prop.ForAll<int[], int>((values, seed) =>
        {
            int rows = values.Length;
            if (rows == 0)
            {
                return true;
            }

            const int cols = 2;
            var rewards = values.SelectMany(v => new[] { v % 100 / 10f, v % 7 / 3f }).ToArray();
            var ids = values.Select(v => Math.Abs(v % 3)).ToArray();
            var perm = Enumerable.Range(0, rows).ToArray();
            new Random(seed).Shuffle(perm);
            var permRewards = perm.SelectMany(p => rewards.Skip(p * cols).Take(cols)).ToArray();
            var permIds = perm.Select(p => ids[p]).ToArray();
            var (adv, _) = Run("grpo", rewards, Ones(rows * cols), rows, cols, GroupIndex.FromIds<int>(ids));
            var (permAdv, _) = Run("grpo", permRewards, Ones(rows * cols), rows, cols,
                GroupIndex.FromIds<int>(permIds));
            for (int k = 0; k < rows * cols; k++)
            {
                float expected = adv[perm[k / cols] * cols + k % cols];
                if (Math.Abs(permAdv[k] - expected) > 1e-5 * Math.Max(1, Math.Abs(expected)))
                {
                    return false;
                }
            }

            return true;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Rloo_Grpo_GroupsOfOneKeepVerlConventions()
    {
        // Every row alone: grpo → s / (1 + ε), Dr.GRPO → s, rloo → s, opo → s, rf++-baseline centres on 0.
        float[] s = [2, -3, 0.5f];
        var index = GroupIndex.FromIds<int>([1, 2, 3]);
        TestRandom.AssertClose(Run("grpo", s, Ones(3), 3, 1, index).Adv, s.Select(v => v / (1 + Eps)).ToArray(),
            1e-6, "grpo");
        TestRandom.AssertClose(Run("grpo", s, Ones(3), 3, 1, index, options: new() { NormAdvByStd = false }).Adv,
            s, 1e-6, "dr.grpo");
        TestRandom.AssertClose(Run("rloo", s, Ones(3), 3, 1, index).Adv, s, 1e-6, "rloo");
        TestRandom.AssertClose(Run("opo", s, Ones(3), 3, 1, index).Adv, s, 1e-6, "opo");
    }
}
