using System.Globalization;
using PerceptionJudge.Kernels.Ranking;
using RankingMetrics = PerceptionJudge.Kernels.Ranking.Ranking;

namespace PerceptionJudge.Eval.Metrics;

/// <summary>Agreement of one task's judgments across seeds.</summary>
/// <param name="Examples">Examples judged under at least two seeds (the others do not count).</param>
/// <param name="Agreement">Mean over examples of the mean over seed pairs of <c>1 − normalised Levenshtein</c>
/// between the two canonical judgments (0 when either failed to parse); NaN when no example counts.</param>
/// <param name="ExactMatch">Mean over examples of the share of seed pairs whose parsed judgments are identical.
/// </param>
public sealed record ConsistencyShares(int Examples, double Agreement, double ExactMatch);

/// <summary>
/// Consistency of the judge across sampling seeds, per task; our definition (no published reference). Each
/// generation is reduced to a canonical judgment: the score (<see cref="JudgeOutput.TryParseScore"/>, compared as a
/// number), the verdict letter A/B/C, or the letter order best-first. For each example judged under k ≥ 2 seeds,
/// over its k(k−1)/2 seed pairs: <b>exact match</b> = share of pairs with both parsed and equal; <b>agreement</b> =
/// mean of <c>1 − Levenshtein(a, b) / max(|a|, |b|)</c> for batch orders (partial credit for near orders), equal to
/// exact match for scores and verdicts; a pair with a parse failure counts 0 in both. Both are averaged over
/// examples (each example weighs the same, whatever its seed count).
/// </summary>
public static class RankingConsistency
{
    /// <summary>Consistency of predictions from several seeds, per task present in <paramref name="examples"/>.
    /// Predictions must name known examples, once per seed (else <see cref="EvalException"/>).</summary>
    public static IReadOnlyList<KeyValuePair<JudgeTask, ConsistencyShares>> Compute(
        IReadOnlyList<JudgeExample> examples, IReadOnlyList<JudgePrediction> predictions)
    {
        var byId = JudgeEvaluator.Index(examples);
        var perExample = new Dictionary<string, List<string?>>(StringComparer.Ordinal);
        var seen = new HashSet<(string, int)>();
        foreach (var p in predictions)
        {
            if (!byId.TryGetValue(p.ExampleId, out var example))
            {
                throw new EvalException("predictions", $"prediction for unknown example id '{p.ExampleId}'");
            }

            if (!seen.Add((p.ExampleId, p.Seed)))
            {
                throw new EvalException("predictions", $"seed {p.Seed}: two predictions for example '{p.ExampleId}'");
            }

            if (!perExample.TryGetValue(p.ExampleId, out var list))
            {
                perExample[p.ExampleId] = list = [];
            }

            list.Add(Canonical(example, p.Generation));
        }

        return examples.Select(e => e.Task).Distinct().Order().Select(task =>
        {
            var values = examples.Where(e => e.Task == task && perExample.TryGetValue(e.Id, out var l) && l.Count >= 2)
                .Select(e => PairMeans(task, perExample[e.Id]))
                .ToArray();
            return KeyValuePair.Create(task, new ConsistencyShares(values.Length,
                values.Length == 0 ? double.NaN : values.Average(v => v.Agreement),
                values.Length == 0 ? double.NaN : values.Average(v => v.Exact)));
        }).ToArray();
    }

    /// <summary>The canonical judgment of a generation, or null when it does not parse.</summary>
    public static string? Canonical(JudgeExample example, string generation) => example.Task switch
    {
        JudgeTask.Score => JudgeOutput.TryParseScore(generation, out double s)
            ? s.ToString("R", CultureInfo.InvariantCulture)
            : null,
        JudgeTask.Pair => JudgeOutput.ParseVerdict(generation) is var v && v is Verdict.A or Verdict.B or Verdict.C
            ? v.ToString()
            : null,
        _ => BatchRankingDistance.ParseOrder(generation, example.Responses.Count),
    };

    private static (double Agreement, double Exact) PairMeans(JudgeTask task, List<string?> judgments)
    {
        double agreement = 0, exact = 0;
        int pairs = 0;
        for (int i = 0; i < judgments.Count; i++)
        {
            for (int j = i + 1; j < judgments.Count; j++, pairs++)
            {
                if (judgments[i] is not { } a || judgments[j] is not { } b)
                {
                    continue;
                }

                bool same = a == b;
                exact += same ? 1 : 0;
                agreement += task == JudgeTask.Batch ? 1 - RankingMetrics.NormalizedLevenshtein(a, b) : same ? 1 : 0;
            }
        }

        return (agreement / pairs, exact / pairs);
    }
}
