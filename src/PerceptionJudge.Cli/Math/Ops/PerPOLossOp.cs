using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;
using PerceptionJudge.Kernels.Listwise;

namespace PerceptionJudge.Cli.Math.Ops;

/// <summary>
/// <c>perpo_loss</c>: PerPO listwise loss over lists given by <c>index</c>, from per-candidate summed log-probs and
/// rewards [N] → loss and d loss / d log_prob [N].
/// </summary>
internal sealed class PerPOLossOp : MathOp
{
    public override string Name => "perpo_loss";

    public override string Description => "PerPO listwise loss of log_prob, ref_log_prob, rewards [N] -> loss, grad";

    public override IReadOnlyList<string> Required => ["log_prob", "ref_log_prob", "rewards", "index"];

    public override IReadOnlyList<string> Optional => ["beta", "gamma"];

    protected override JsonObject Evaluate(JsonInput input)
    {
        float[] logProb = input.FloatVector("log_prob");
        float[] refLogProb = input.FloatVector("ref_log_prob", logProb.Length);
        float[] rewards = input.FloatVector("rewards", logProb.Length);
        var index = input.Index("index", logProb.Length);
        var defaults = new PerPOOptions();
        var options = new PerPOOptions
        {
            Beta = input.Float("beta", defaults.Beta),
            Gamma = input.Float("gamma", defaults.Gamma),
        };
        var grad = new float[logProb.Length];
        float loss = PerPO.Loss(logProb, refLogProb, rewards, index, options, grad);
        return new JsonObject
        {
            ["loss"] = JsonOutput.Number(loss),
            ["grad_log_prob"] = JsonOutput.Vector(grad),
        };
    }
}
