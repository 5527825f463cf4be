using PerceptionJudge.Kernels.Advantage;
using PerceptionJudge.Kernels.Runtime;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.Rewards;
using PerceptionJudge.Training.Rollout;

namespace PerceptionJudge.Training.Grpo;

/// <summary>A rollout batch after rewards, filtering and advantages.</summary>
/// <param name="Judgments">The kept judgments; rows of a group are adjacent.</param>
/// <param name="Rewards">Sequence reward of each kept judgment.</param>
/// <param name="Groups">Dense group id of each kept judgment.</param>
/// <param name="Advantages">Per-token advantages, row r holds its response's tokens.</param>
/// <param name="DroppedGroups">Groups removed by the zero-variance filter.</param>
/// <param name="AllRewards">Rewards of every judgment before the filter (what the metrics report).</param>
public sealed record ScoredRollout(
    IReadOnlyList<Judgment> Judgments, float[] Rewards, int[] Groups, float[][] Advantages, int DroppedGroups,
    float[] AllRewards)
{
    /// <summary>Seconds spent in the advantage kernel.</summary>
    public double AdvantageSeconds { get; init; }
}

/// <summary>
/// Steps 3–4 of a GRPO step: rewards per record type (or Perception-R1), DAPO's zero-variance group filter (Yu et
/// al. 2025: groups whose rewards are all equal carry no GRPO signal), and the advantage estimator from the registry,
/// fed verl-style token-level rewards (the sequence reward on the last response token).
/// </summary>
public static class RolloutScoring
{
    /// <summary>The reward of one judgment under <paramref name="config"/>.</summary>
    public static float Reward(Judgment j, RewardConfig config, bool thinkPrefix)
    {
        float accuracy = JudgeRewards.Task(j.Sample.Task, j.Text, j.Sample.Label);
        if (config.Mode != "perception_r1")
        {
            return accuracy;
        }

        var fact = JudgePrompt.KeyFact(j.Sample.Record);
        string[] facts = fact is null ? [] : [fact];
        return PerceptionR1Reward.Compute(j.Text, accuracy, facts, thinkPrefix, config).Reward;
    }

    /// <summary>Whether the rewards of a group's <paramref name="rows"/> differ (DAPO keeps only such groups).</summary>
    public static bool HasSpread(IReadOnlyList<int> rows, float[] rewards) =>
        rows.Any(i => rewards[i] != rewards[rows[0]]);

    /// <summary>The reward of each judgment; a non-finite one is a <see cref="TrainingException"/> naming it.</summary>
    public static float[] Rewards(IReadOnlyList<Judgment> judgments, Func<Judgment, float> reward)
    {
        var all = judgments.Select(reward).ToArray();
        foreach (var (r, i) in all.Select((r, i) => (r, i)))
        {
            if (!float.IsFinite(r))
            {
                throw new TrainingException($"reward of judgment {i} ({judgments[i].Sample.Record.Id}) is {r}");
            }
        }

        return all;
    }

    /// <summary>
    /// Scores, filters and computes advantages. <paramref name="reward"/>, when given, replaces the config's reward
    /// (<see cref="Reward"/>) for every judgment; <paramref name="precomputed"/>, when given, are those rewards already
    /// computed (<see cref="Rewards"/>, in the order of <paramref name="judgments"/>).
    /// </summary>
    public static ScoredRollout Score(
        IReadOnlyList<Judgment> judgments, TrainConfig config, Func<Judgment, float>? reward = null,
        float[]? precomputed = null)
    {
        reward ??= j => Reward(j, config.Reward, config.Rollout.ThinkPrefix);
        var all = precomputed ?? Rewards(judgments, reward);

        var keep = new List<int>();
        int dropped = 0;
        foreach (var group in Enumerable.Range(0, judgments.Count).GroupBy(i => judgments[i].Group))
        {
            var rows = group.ToList();
            if (!HasSpread(rows, all) && config.Algorithm.DropZeroVarianceGroups)
            {
                dropped++;
                continue;
            }

            keep.AddRange(rows);
        }

        var kept = keep.Select(i => judgments[i]).ToList();
        var rewards = keep.Select(i => all[i]).ToArray();
        var dense = Densify(kept.Select(j => j.Group).ToArray(), out int groupCount);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var advantages = kept.Count == 0
            ? []
            : Advantages(kept, rewards, dense, groupCount, config.Algorithm);
        return new ScoredRollout(kept, rewards, dense, advantages, dropped, all)
        {
            AdvantageSeconds = clock.Elapsed.TotalSeconds,
        };
    }

    private static float[][] Advantages(
        IReadOnlyList<Judgment> rows, float[] rewards, int[] groups, int groupCount, AlgorithmConfig config)
    {
        int cols = Math.Max(1, rows.Max(j => j.ResponseIds.Length));
        var tokenRewards = new float[rows.Count * cols];
        var mask = new float[rows.Count * cols];
        for (int r = 0; r < rows.Count; r++)
        {
            int length = Math.Max(1, rows[r].ResponseIds.Length);
            mask.AsSpan(r * cols, length).Fill(1f);
            tokenRewards[r * cols + length - 1] = rewards[r];
        }

        var advantages = new float[rows.Count * cols];
        var returns = new float[rows.Count * cols];
        GroupAdvantage.Compute(
            config.AdvEstimator,
            new AdvantageInput(tokenRewards, mask, rows.Count, cols, GroupIndex.FromDense(groups, groupCount)),
            advantages, returns, new AdvantageOptions { NormAdvByStd = config.NormAdvByStd });
        return Enumerable.Range(0, rows.Count)
            .Select(r => advantages.AsSpan(r * cols, Math.Max(1, rows[r].ResponseIds.Length)).ToArray())
            .ToArray();
    }

    private static int[] Densify(int[] groups, out int count)
    {
        var map = new Dictionary<int, int>();
        var dense = new int[groups.Length];
        for (int i = 0; i < groups.Length; i++)
        {
            if (!map.TryGetValue(groups[i], out int d))
            {
                d = map.Count;
                map.Add(groups[i], d);
            }

            dense[i] = d;
        }

        count = map.Count;
        return dense;
    }
}
