using PerceptionJudge.Distributed;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.Rollout;
using PerceptionJudge.Training.Samples;

namespace PerceptionJudge.Training.Grpo;

/// <summary>The groups a step trains on after DAPO's dynamic sampling.</summary>
/// <param name="Judgments">Judgments of the kept groups, groups renumbered 0.. in global kept order.</param>
/// <param name="Rounds">Generation rounds drawn (verl <c>num_gen_batches</c>).</param>
/// <param name="DroppedGroups">This rank's groups removed for zero reward variance, over every round.</param>
/// <param name="KeptGroups">Groups kept over every rank (at most prompts_per_step).</param>
/// <param name="Rewards">The reward of each of <paramref name="Judgments"/> when the filter computed them, else null.
/// </param>
public sealed record SampledRollout(
    List<Judgment> Judgments, int Rounds, int DroppedGroups, int KeptGroups, float[]? Rewards = null);

/// <summary>
/// DAPO's dynamic sampling (Yu et al. 2025, §3.2; verl <c>recipe/dapo</c>, <c>algorithm.filter_groups</c>): a group
/// whose n rewards are all equal has zero advantage and no gradient, so instead of training on fewer groups, draw
/// further rounds of prompts_per_step prompts and keep the groups with reward std &gt; 0 until prompts_per_step are
/// kept, then cut to exactly that many (first kept first), or until <c>max_num_gen_batches</c> rounds are drawn.
/// Deviation from verl, which raises when that cap is reached: the step trains on the groups it has and reports
/// <c>filter_kept_groups</c> below prompts_per_step (a long run should not die on one hard batch); verl's 0 = endless
/// is refused by the validator, since a policy whose groups are all flat would never finish a step.
/// Data-parallel: each round's flat/kept flags are all-reduced over the global prompt index, so every rank cuts the
/// same groups and numbers them alike.
/// </summary>
public static class DynamicSampling
{
    /// <summary>
    /// Draws rounds of prompts through <paramref name="next"/> (the global batch of a round) and
    /// <paramref name="generate"/> (this rank's judgments for its shard, given the shard and its global group ids),
    /// scoring each judgment with <paramref name="reward"/>.
    /// </summary>
    public static SampledRollout Collect(
        Func<IReadOnlyList<JudgeSample>> next,
        Func<IReadOnlyList<JudgeSample>, int[], List<Judgment>> generate,
        Func<Judgment, float> reward,
        TrainConfig config,
        ICommunicator communicator)
    {
        int prompts = config.Trainer.PromptsPerStep;
        var filter = config.Algorithm.FilterGroups;
        var kept = new List<Judgment>();
        var keptRewards = new List<float>();
        int rounds = 0, dropped = 0, keptGroups = 0;
        do
        {
            var (shard, global) = DataParallel.DataParallelPlan.Shard(next(), communicator.Rank, communicator.Size);
            int offset = rounds * prompts;
            var judgments = generate(shard, global.Select(g => g + offset).ToArray());
            rounds++;
            if (!filter.Enable)
            {
                return new SampledRollout(judgments, rounds, 0, prompts);
            }

            var flags = new double[prompts];
            var rewards = RolloutScoring.Rewards(judgments, reward);
            foreach (var group in Enumerable.Range(0, judgments.Count).GroupBy(i => judgments[i].Group))
            {
                if (RolloutScoring.HasSpread(group.ToList(), rewards))
                {
                    flags[group.Key - offset] = 1;
                }
                else
                {
                    dropped++;
                }
            }

            communicator.AllReduceSum(flags);
            var renumber = new Dictionary<int, int>();
            for (int g = 0; g < prompts && keptGroups < prompts; g++)
            {
                if (flags[g] > 0)
                {
                    renumber[g + offset] = keptGroups++;
                }
            }

            for (int i = 0; i < judgments.Count; i++)
            {
                if (renumber.TryGetValue(judgments[i].Group, out int g))
                {
                    kept.Add(judgments[i] with { Group = g });
                    keptRewards.Add(rewards[i]);
                }
            }
        }
        while (keptGroups < prompts && rounds < filter.MaxNumGenBatches);

        return new SampledRollout(kept, rounds, dropped, keptGroups, [.. keptRewards]);
    }
}
