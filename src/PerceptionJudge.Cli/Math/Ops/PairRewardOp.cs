using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;
using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Cli.Math.Ops;

/// <summary><c>pair_reward</c>: 1 when the verdict ([[A]], [[B]], [[C]] = tie) equals the truth, else 0.</summary>
internal sealed class PairRewardOp : MathOp
{
    public override string Name => "pair_reward";

    public override string Description => "judge pair-comparison reward (ground_truth A, B or C = tie) -> reward";

    public override IReadOnlyList<string> Required => ["solution_str", "ground_truth"];

    protected override JsonObject Evaluate(JsonInput input)
    {
        float reward = JudgeReward.Pair(input.String("solution_str"), input.String("ground_truth"));
        return new JsonObject { ["reward"] = JsonOutput.Number(reward) };
    }
}
