using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Eval.Metrics;

/// <summary>Scoring-task metrics of one run.</summary>
/// <param name="Count">Examples with a generation.</param>
/// <param name="ParseFailures">Generations whose answer region is not one number
/// (<see cref="JudgeOutput.TryParseScore"/>).</param>
/// <param name="Pearson">Pearson r over the parsed examples, all datasets pooled; NaN when undefined.</param>
/// <param name="PearsonByDataset">Pearson r per <see cref="JudgeExample.Dataset"/>, ordinal order of the name.</param>
/// <param name="Undefined">Why each undefined r is NaN (<see cref="PearsonCorrelation.WhyUndefined"/>), keyed by its
/// metric name (<c>score.pearson</c>, <c>score.pearson.coco</c>); null or missing keys when not known.</param>
public sealed record ScoreResult(
    int Count, int ParseFailures, double Pearson, IReadOnlyList<KeyValuePair<string, double>> PearsonByDataset,
    IReadOnlyDictionary<string, string>? Undefined = null)
{
    /// <summary>ParseFailures / Count; NaN when Count is 0.</summary>
    public double ParseFailureRate => Count == 0 ? double.NaN : (double)ParseFailures / Count;
}

/// <summary>
/// Scoring evaluation (MLLM-as-a-Judge): Pearson r between the judge's scores and the human scores, pooled and per
/// source dataset. A generation that does not parse has no score, so it is <b>excluded</b> from r and counted in
/// <see cref="ScoreResult.ParseFailures"/> (r over the parsed examples only, the failure rate beside it).
/// </summary>
public static class ScoreMetrics
{
    /// <summary>Metrics of (example, generation) pairs; every example must be a scoring example.</summary>
    public static ScoreResult Compute(IReadOnlyList<(JudgeExample Example, string Generation)> rows)
    {
        var judge = new List<double>(rows.Count);
        var human = new List<double>(rows.Count);
        var datasets = new List<string>(rows.Count);
        int failures = 0;
        foreach (var (example, generation) in rows)
        {
            if (example.Truth.Score is not int truth)
            {
                throw new ArgumentException($"example '{example.Id}' is not a scoring example", nameof(rows));
            }

            if (JudgeOutput.TryParseScore(generation, out double score))
            {
                judge.Add(score);
                human.Add(truth);
                datasets.Add(example.Dataset);
            }
            else
            {
                failures++;
            }
        }

        var undefined = new Dictionary<string, string>(StringComparer.Ordinal);
        double Pearson(string name, double[] x, double[] y)
        {
            if (PearsonCorrelation.WhyUndefined(x, y) is { } why)
            {
                undefined[name] = why;
            }

            return PearsonCorrelation.Compute(x, y);
        }

        var byDataset = datasets.Distinct().Order(StringComparer.Ordinal).Select(d =>
        {
            var x = judge.Where((_, i) => datasets[i] == d).ToArray();
            var y = human.Where((_, i) => datasets[i] == d).ToArray();
            return KeyValuePair.Create(d, Pearson($"score.pearson.{d}", x, y));
        }).ToArray();
        double pooled = Pearson("score.pearson", judge.ToArray(), human.ToArray());
        return new ScoreResult(rows.Count, failures, pooled, byDataset, undefined);
    }
}
