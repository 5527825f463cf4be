using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;
using PerceptionJudge.Kernels.LogProb;

namespace PerceptionJudge.Cli.Math.Ops;

/// <summary>
/// <c>log_prob</c>: verl <c>logprobs_from_logits</c> and <c>entropy_from_logits</c> of logits [B][T][V] / temperature
/// at the chosen tokens <c>labels</c> [B][T] → log_prob, entropy [B][T].
/// </summary>
internal sealed class LogProbOp : MathOp
{
    public override string Name => "log_prob";

    public override string Description =>
        "verl logprobs_from_logits of logits [B][T][V] at labels [B][T] -> log_prob, entropy";

    public override IReadOnlyList<string> Required => ["logits", "labels"];

    public override IReadOnlyList<string> Optional => ["temperature"];

    protected override JsonObject Evaluate(JsonInput input)
    {
        var logits = EntropyOp.ReadLogits(input);
        int[] labels = input.IntMatrix("labels", logits.Rows, logits.Cols);
        for (int k = 0; k < labels.Length; k++)
        {
            if ((uint)labels[k] >= (uint)logits.Depth)
            {
                throw new CliInputException(
                    "labels", $"token id {labels[k]} at column {k % logits.Cols} outside [0, {logits.Depth})",
                    k / logits.Cols);
            }
        }

        float temperature = input.Float("temperature", 1f);
        int tokens = logits.Rows * logits.Cols;
        var entropy = new float[tokens];
        var logProb = new float[tokens];
        TokenLogProb.EntropyAndLogProb(logits.Data, labels, tokens, logits.Depth, entropy, logProb, temperature);
        return new JsonObject
        {
            ["log_prob"] = JsonOutput.Matrix(logProb, logits.Rows, logits.Cols),
            ["entropy"] = JsonOutput.Matrix(entropy, logits.Rows, logits.Cols),
        };
    }
}
