using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;
using RankingMetrics = PerceptionJudge.Kernels.Ranking.Ranking;

namespace PerceptionJudge.Cli.Math.Ops;

/// <summary><c>kendall_tau</c>: Kendall τ-b (scipy default); NaN when n &lt; 2 or an input is constant.</summary>
internal sealed class KendallTauOp : MathOp
{
    public override string Name => "kendall_tau";

    public override string Description => "Kendall tau-b of x, y [n] (scipy.stats.kendalltau) -> value";

    public override IReadOnlyList<string> Required => ["x", "y"];

    protected override JsonObject Evaluate(JsonInput input)
    {
        double[] x = input.DoubleVector("x");
        double[] y = input.DoubleVector("y", x.Length);
        return new JsonObject { ["value"] = JsonOutput.Number(RankingMetrics.KendallTau(x, y)) };
    }
}
