using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.Samples;

namespace PerceptionJudge.Training.DataParallel;

/// <summary>
/// How a step's prompts are split over K ranks: every rank draws the same global batch of
/// <c>trainer.prompts_per_step</c> prompts (the same seeded sampler), and rank r keeps prompts r, r + K, r + 2K, …,
/// each with its global index g (its GRPO group id and rollout seed). A group lives on one rank, so group statistics
/// (rewards, the DAPO filter, advantages) stay local; what spans the batch is all-reduced (see
/// <see cref="GlobalRowLayout"/>, <see cref="GradientSync"/>, <see cref="StepMetrics"/>).
/// </summary>
public static class DataParallelPlan
{
    /// <summary>Estimators whose advantages depend only on the rows of one group (the rest whiten or scale over the
    /// whole batch, which a rank does not hold).</summary>
    public static readonly IReadOnlyList<string> GroupLocalEstimators = ["grpo", "grpo_passk", "rloo", "opo"];

    /// <summary>
    /// Checks that <paramref name="config"/> can run on <paramref name="ranks"/> ranks with results equal to one rank:
    /// prompts_per_step divisible by K, GRPO mode, a group-local estimator, and a loss aggregation whose normaliser is
    /// a count over the mini-batch. Throws <see cref="TrainingException"/> naming the key and the fix.
    /// </summary>
    public static void Validate(TrainConfig config, int ranks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(ranks, 1);
        if (ranks == 1)
        {
            return;
        }

        int prompts = config.Trainer.PromptsPerStep;
        if (prompts % ranks != 0)
        {
            throw new TrainingException("trainer.prompts_per_step",
                $"is {prompts}, which {ranks} ranks cannot share evenly; use a multiple of {ranks} " +
                $"(e.g. {Math.Max(ranks, prompts / ranks * ranks)}) or launch mpirun with a divisor of {prompts}");
        }

        var algorithm = config.Algorithm;
        if (algorithm.Mode != "grpo")
        {
            throw new TrainingException("algorithm.mode",
                $"is {algorithm.Mode}; data-parallel training ({ranks} ranks) supports grpo only; " +
                "run PerPO on one rank");
        }

        if (!GroupLocalEstimators.Contains(algorithm.AdvEstimator))
        {
            throw new TrainingException("algorithm.adv_estimator",
                $"is {algorithm.AdvEstimator}, which normalises over the whole batch; with {ranks} ranks use one of " +
                $"{string.Join(", ", GroupLocalEstimators)}, or run on one rank");
        }

        if (algorithm.LossAggMode == "seq-mean-token-sum-norm")
        {
            throw new TrainingException("algorithm.loss_agg_mode",
                $"is seq-mean-token-sum-norm, whose normaliser is a micro-batch's padded length; with {ranks} ranks " +
                "use token-mean, seq-mean-token-sum or seq-mean-token-mean");
        }
    }

    /// <summary>Rank <paramref name="rank"/>'s prompts of the global batch and their global indices.</summary>
    public static (List<JudgeSample> Prompts, int[] GlobalIndex) Shard(
        IReadOnlyList<JudgeSample> global, int rank, int size)
    {
        var prompts = new List<JudgeSample>();
        var index = new List<int>();
        for (int g = rank; g < global.Count; g += size)
        {
            prompts.Add(global[g]);
            index.Add(g);
        }

        return (prompts, [.. index]);
    }
}
