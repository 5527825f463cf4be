using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;
using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Cli.Math.Ops;

/// <summary><c>batch_ranking_reward</c>: 1 − discordant pairs / C(n,2) of the judge's ranking vs the truth.</summary>
internal sealed class BatchRankingRewardOp : MathOp
{
    public override string Name => "batch_ranking_reward";

    public override string Description => "judge batch-ranking reward (ground_truth e.g. \"BCA\") -> reward";

    public override IReadOnlyList<string> Required => ["solution_str", "ground_truth"];

    protected override JsonObject Evaluate(JsonInput input)
    {
        float reward = JudgeReward.BatchRanking(input.String("solution_str"), input.String("ground_truth"));
        return new JsonObject { ["reward"] = JsonOutput.Number(reward) };
    }
}
