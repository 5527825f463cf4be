using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;
using RankingMetrics = PerceptionJudge.Kernels.Ranking.Ranking;

namespace PerceptionJudge.Cli.Math.Ops;

/// <summary><c>spearman</c>: Spearman ρ (average ranks for ties); NaN when a rank vector is constant.</summary>
internal sealed class SpearmanOp : MathOp
{
    public override string Name => "spearman";

    public override string Description => "Spearman rho of x, y [n] (scipy.stats.spearmanr) -> value";

    public override IReadOnlyList<string> Required => ["x", "y"];

    protected override JsonObject Evaluate(JsonInput input)
    {
        double[] x = input.DoubleVector("x");
        double[] y = input.DoubleVector("y", x.Length);
        return new JsonObject { ["value"] = JsonOutput.Number(RankingMetrics.Spearman(x, y)) };
    }
}
