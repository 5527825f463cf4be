using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Json;
using RankingMetrics = PerceptionJudge.Kernels.Ranking.Ranking;

namespace PerceptionJudge.Cli.Math.Ops;

/// <summary><c>levenshtein</c>: edit distance of strings a and b (UTF-16 code units) and its normalised form.</summary>
internal sealed class LevenshteinOp : MathOp
{
    public override string Name => "levenshtein";

    public override string Description => "Levenshtein distance of strings a, b -> value, normalized (value / max len)";

    public override IReadOnlyList<string> Required => ["a", "b"];

    protected override JsonObject Evaluate(JsonInput input)
    {
        string a = input.String("a");
        string b = input.String("b");
        return new JsonObject
        {
            ["value"] = JsonOutput.Number(RankingMetrics.Levenshtein(a, b)),
            ["normalized"] = JsonOutput.Number(RankingMetrics.NormalizedLevenshtein(a, b)),
        };
    }
}
