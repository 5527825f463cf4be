using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;
using PerceptionJudge.Kernels.LossAgg;

namespace PerceptionJudge.Cli.Math.Ops;

/// <summary><c>agg_loss</c>: verl <c>agg_loss</c> by mode → the scalar loss and d loss / d loss_mat [B][T].</summary>
internal sealed class AggLossOp : MathOp
{
    public override string Name => "agg_loss";

    public override string Description => "verl agg_loss -> loss, grad_loss_mat [B][T]";

    public override IReadOnlyList<string> Required => ["loss_mat", "loss_mask"];

    public override IReadOnlyList<string> Optional => ["loss_agg_mode"];

    public override IReadOnlyList<NameChoices> Choices => [new("loss_agg_mode", LossAggregation.Modes)];

    protected override JsonObject Evaluate(JsonInput input)
    {
        string mode = Choose(input, "loss_agg_mode", LossAggregation.Modes, "token-mean");
        var lossMat = input.Matrix("loss_mat");
        var lossMask = input.Matrix("loss_mask", lossMat.Rows, lossMat.Cols);
        var grad = new float[lossMat.Data.Length];
        float loss = LossAggregation.Aggregate(mode, lossMat.Data, lossMask.Data, lossMat.Rows, lossMat.Cols, grad);
        return new JsonObject
        {
            ["loss"] = JsonOutput.Number(loss),
            ["grad_loss_mat"] = JsonOutput.Matrix(grad, lossMat.Rows, lossMat.Cols),
        };
    }
}
