using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;
using PerceptionJudge.Kernels.Advantage;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Cli.Math.Ops;

/// <summary><c>advantage</c>: verl <c>compute_advantage</c> by estimator name → advantages, returns [B][T].</summary>
internal sealed class AdvantageOp : MathOp
{
    public override string Name => "advantage";

    public override string Description => "verl outcome advantage estimators -> advantages, returns [B][T]";

    public override IReadOnlyList<string> Required => ["estimator", "token_level_rewards", "response_mask"];

    /// <summary><c>index</c> is required only by the estimators that group rows (<see cref="GroupAdvantage.Groups"/>),
    /// as in verl, whose reinforce_plus_plus and remax take none.</summary>
    public override IReadOnlyList<string> Optional =>
        ["index", "norm_adv_by_std_in_grpo", "epsilon", "gamma", "reward_baselines"];

    public override IReadOnlyList<NameChoices> Choices => [new("estimator", GroupAdvantage.Estimators)];

    protected override JsonObject Evaluate(JsonInput input)
    {
        string estimator = Choose(input, "estimator", GroupAdvantage.Estimators);
        var rewards = input.Matrix("token_level_rewards");
        var mask = input.Matrix("response_mask", rewards.Rows, rewards.Cols);
        var index = Index(input, estimator, rewards.Rows);
        if (estimator == "remax" && !input.Has("reward_baselines"))
        {
            throw new CliInputException("reward_baselines", "missing; the remax estimator needs one baseline per row");
        }

        float[] baselines = input.Has("reward_baselines") ? input.FloatVector("reward_baselines", rewards.Rows) : [];
        var options = new AdvantageOptions
        {
            NormAdvByStd = input.Bool("norm_adv_by_std_in_grpo", true),
            Epsilon = input.Float("epsilon", 1e-6f),
            Gamma = input.Float("gamma", 1f),
        };

        var advantages = new float[rewards.Data.Length];
        var returns = new float[rewards.Data.Length];
        var batch = new AdvantageInput(rewards.Data, mask.Data, rewards.Rows, rewards.Cols, index, baselines);
        GroupAdvantage.Compute(estimator, batch, advantages, returns, options);
        return new JsonObject
        {
            ["advantages"] = JsonOutput.Matrix(advantages, rewards.Rows, rewards.Cols),
            ["returns"] = JsonOutput.Matrix(returns, rewards.Rows, rewards.Cols),
        };
    }

    /// <summary>The given index; without one, an error for a grouping estimator, else one group per row (which
    /// that estimator never reads).</summary>
    private static GroupIndex Index(JsonInput input, string estimator, int rows)
    {
        if (input.Has("index"))
        {
            return input.Index("index", rows);
        }

        if (GroupAdvantage.Groups(estimator))
        {
            throw new CliInputException(
                "index", $"missing; the {estimator} estimator groups rows by prompt and needs one id per row");
        }

        return GroupIndex.FromDense([.. Enumerable.Range(0, rows)], rows);
    }
}
