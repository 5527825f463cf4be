using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;
using PerceptionJudge.Kernels.LogProb;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Cli.Math.Ops;

/// <summary><c>entropy</c>: verl <c>entropy_from_logits</c> of logits [B][T][V] / temperature.</summary>
internal sealed class EntropyOp : MathOp
{
    public override string Name => "entropy";

    public override string Description => "verl entropy_from_logits of logits [B][T][V] -> entropy [B][T]";

    public override IReadOnlyList<string> Required => ["logits"];

    public override IReadOnlyList<string> Optional => ["temperature"];

    protected override JsonObject Evaluate(JsonInput input)
    {
        var logits = ReadLogits(input);
        float temperature = input.Float("temperature", 1f);
        int tokens = logits.Rows * logits.Cols;
        var entropy = new float[tokens];
        TokenLogProb.Entropy(logits.Data, tokens, logits.Depth, entropy, temperature);
        return new JsonObject { ["entropy"] = JsonOutput.Matrix(entropy, logits.Rows, logits.Cols) };
    }

    /// <summary>Reads logits [B][T][V], naming row b of a NaN/Inf (the kernel sees B*T flat tokens).</summary>
    internal static FloatTensor3 ReadLogits(JsonInput input)
    {
        var logits = input.Tensor3("logits");
        int bad = Guard.FirstNonFinite(logits.Data);
        if (bad >= 0)
        {
            int perRow = logits.Cols * logits.Depth;
            throw new CliInputException(
                "logits",
                $"value {logits.Data[bad]} at position {bad % perRow / logits.Depth}, logit {bad % logits.Depth} " +
                "is not finite",
                bad / perRow);
        }

        return logits;
    }
}
