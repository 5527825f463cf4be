using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;
using RankingMetrics = PerceptionJudge.Kernels.Ranking.Ranking;

namespace PerceptionJudge.Cli.Math.Ops;

/// <summary><c>ndcg</c>: NDCG@k of relevances listed in predicted order (sklearn ndcg_score convention).</summary>
internal sealed class NdcgOp : MathOp
{
    public override string Name => "ndcg";

    public override string Description => "NDCG@k of relevance [n] in predicted order (sklearn ndcg_score) -> value";

    public override IReadOnlyList<string> Required => ["relevance"];

    public override IReadOnlyList<string> Optional => ["k"];

    protected override JsonObject Evaluate(JsonInput input)
    {
        double[] relevance = input.DoubleVector("relevance");
        int k = input.Int("k", int.MaxValue);
        return new JsonObject { ["value"] = JsonOutput.Number(RankingMetrics.Ndcg(relevance, k)) };
    }
}
