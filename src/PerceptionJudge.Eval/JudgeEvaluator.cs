using PerceptionJudge.Eval.Metrics;
using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Eval;

/// <summary>
/// Turns judge generations into MLLM-as-a-Judge metrics. It never runs a model: the caller generates, this parses
/// (<see cref="JudgeOutput"/>) and scores. Predictions name their example by <see cref="JudgeExample.Id"/>.
/// </summary>
public static class JudgeEvaluator
{
    /// <summary>
    /// Metrics of one run: every prediction must carry the same seed, name a known example, and appear once per
    /// example. Examples without a prediction are counted in <see cref="EvalResult.MissingPredictions"/>.
    /// </summary>
    public static EvalResult Evaluate(IReadOnlyList<JudgeExample> examples, IReadOnlyList<JudgePrediction> predictions)
    {
        if (predictions.Count == 0)
        {
            throw new EvalException("predictions", "no predictions to evaluate");
        }

        int seed = predictions[0].Seed;
        if (predictions.FirstOrDefault(p => p.Seed != seed) is { } other)
        {
            throw new EvalException("predictions",
                $"seeds {seed} and {other.Seed} are mixed; Evaluate takes one run, EvaluateSeeds takes several");
        }

        var byId = Index(examples);
        var generation = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in predictions)
        {
            if (!byId.ContainsKey(p.ExampleId))
            {
                throw new EvalException("predictions",
                    $"seed {seed}: prediction for unknown example id '{p.ExampleId}'");
            }

            if (!generation.TryAdd(p.ExampleId, p.Generation))
            {
                throw new EvalException("predictions", $"seed {seed}: two predictions for example '{p.ExampleId}'");
            }
        }

        var judged = examples.Where(e => generation.ContainsKey(e.Id)).Select(e => (e, generation[e.Id])).ToArray();
        var score = judged.Where(r => r.e.Task == JudgeTask.Score).ToArray();
        var pair = judged.Where(r => r.e.Task == JudgeTask.Pair).ToArray();
        var batch = judged.Where(r => r.e.Task == JudgeTask.Batch).ToArray();
        return new EvalResult(
            seed,
            examples.Count - judged.Length,
            score.Length == 0 ? null : ScoreMetrics.Compute(score),
            pair.Length == 0 ? null : PairAccuracy.Compute(
                pair.Select(r => r.e.Truth.Verdict).ToArray(),
                pair.Select(r => JudgeOutput.ParseVerdict(r.Item2)).ToArray()),
            batch.Length == 0 ? null : BatchRankingDistance.Compute(
                batch.Select(r => r.e.Truth.Ranking!).ToArray(),
                batch.Select(r => BatchRankingDistance.ParseOrder(r.Item2, r.e.Responses.Count)).ToArray()));
    }

    /// <summary>
    /// Metrics per seed (<see cref="Evaluate"/> on each seed's predictions, seeds in ascending order), their
    /// mean ± std, and the consistency of the judgments across seeds (<see cref="RankingConsistency"/>).
    /// </summary>
    public static EvalSummary EvaluateSeeds(
        IReadOnlyList<JudgeExample> examples, IReadOnlyList<JudgePrediction> predictions)
    {
        var perSeed = predictions.GroupBy(p => p.Seed).OrderBy(g => g.Key)
            .Select(g => Evaluate(examples, g.ToArray()))
            .ToArray();
        if (perSeed.Length == 0)
        {
            throw new EvalException("predictions", "no predictions to evaluate");
        }

        return EvalSummary.FromSeeds(perSeed, RankingConsistency.Compute(examples, predictions));
    }

    /// <summary>Examples by id; a repeated id is an <see cref="EvalException"/>.</summary>
    internal static Dictionary<string, JudgeExample> Index(IReadOnlyList<JudgeExample> examples)
    {
        var byId = new Dictionary<string, JudgeExample>(examples.Count, StringComparer.Ordinal);
        foreach (var e in examples)
        {
            if (!byId.TryAdd(e.Id, e))
            {
                throw new EvalException("examples", $"example id '{e.Id}' appears twice; ids must be unique");
            }
        }

        return byId;
    }
}
