using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;
using PerceptionJudge.Kernels.Kl;
using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Cli.Math.Ops;

/// <summary><c>kl_penalty</c>: verl <c>kl_penalty</c> by name → kl and d kl / d logprob, both [B][T].</summary>
internal sealed class KlPenaltyOp : MathOp
{
    public override string Name => "kl_penalty";

    public override string Description => "verl kl_penalty estimators -> kl, grad_logprob [B][T]";

    public override IReadOnlyList<string> Required => ["kl_penalty", "logprob", "ref_logprob"];

    public override IReadOnlyList<NameChoices> Choices => [new("kl_penalty", KlPenalty.Modes)];

    protected override JsonObject Evaluate(JsonInput input)
    {
        string mode = Choose(input, "kl_penalty", KlPenalty.Modes);
        var logprob = input.Matrix("logprob");
        var refLogprob = input.Matrix("ref_logprob", logprob.Rows, logprob.Cols);

        // The kernel sees flat spans; checking here with the row length reports [B][T] rows, not flat positions.
        Guard.Finite(logprob.Data, "logprob", System.Math.Max(logprob.Cols, 1));
        Guard.Finite(refLogprob.Data, "ref_logprob", System.Math.Max(refLogprob.Cols, 1));
        var kl = new float[logprob.Data.Length];
        var grad = new float[logprob.Data.Length];
        KlPenalty.Compute(mode, logprob.Data, refLogprob.Data, kl, grad);
        return new JsonObject
        {
            ["kl"] = JsonOutput.Matrix(kl, logprob.Rows, logprob.Cols),
            ["grad_logprob"] = JsonOutput.Matrix(grad, logprob.Rows, logprob.Cols),
        };
    }
}
