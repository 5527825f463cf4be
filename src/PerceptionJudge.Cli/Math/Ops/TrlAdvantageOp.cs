using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;
using PerceptionJudge.Kernels.Advantage;

namespace PerceptionJudge.Cli.Math.Ops;

/// <summary><c>trl_advantage</c>: TRL GRPOTrainer advantages from per-sequence rewards [B] → advantages [B].</summary>
internal sealed class TrlAdvantageOp : MathOp
{
    private static readonly string[] s_scales = ["group", "batch", "none"];

    public override string Name => "trl_advantage";

    public override string Description => "TRL GRPO advantages (reward - group mean) / scale -> advantages [B]";

    public override IReadOnlyList<string> Required => ["rewards", "index"];

    public override IReadOnlyList<string> Optional => ["scale_rewards"];

    public override IReadOnlyList<NameChoices> Choices => [new("scale_rewards", s_scales)];

    protected override JsonObject Evaluate(JsonInput input)
    {
        var rewards = input.FloatVector("rewards");
        var index = input.Index("index", rewards.Length);
        var scale = Choose(input, "scale_rewards", s_scales, "group") switch
        {
            "batch" => TrlScaleRewards.Batch,
            "none" => TrlScaleRewards.None,
            _ => TrlScaleRewards.Group,
        };
        var advantages = new float[rewards.Length];
        GroupAdvantage.Trl(rewards, index, scale, advantages);
        return new JsonObject { ["advantages"] = JsonOutput.Vector(advantages) };
    }
}
