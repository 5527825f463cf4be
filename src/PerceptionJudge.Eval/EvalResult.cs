using PerceptionJudge.Eval.Metrics;

namespace PerceptionJudge.Eval;

/// <summary>
/// The metrics of one run (one seed) over a set of examples; a task's member is null when no example of that task
/// had a prediction. <see cref="Metrics"/> flattens everything into named numbers, the form that
/// <see cref="EvalSummary"/> averages over seeds and the reports print.
/// </summary>
/// <param name="Seed">The seed of the predictions.</param>
/// <param name="MissingPredictions">Examples that had no prediction in this run (not evaluated, reported).</param>
/// <param name="Score">Scoring metrics.</param>
/// <param name="Pair">Pair-comparison accuracies.</param>
/// <param name="Batch">Batch-ranking distances.</param>
/// <param name="Fidelity">Perceptual fidelity, when the caller attached it (<see cref="WithFidelity"/>).</param>
public sealed record EvalResult(
    int Seed, int MissingPredictions, ScoreResult? Score, PairAccuracyResult? Pair, BatchRankingResult? Batch,
    FidelityResult? Fidelity = null)
{
    /// <summary>This result with the perceptual fidelity of the same seed attached.</summary>
    public EvalResult WithFidelity(FidelityResult fidelity) => this with { Fidelity = fidelity };

    /// <summary>
    /// Every metric as (name, value), names in snake_case with a dot per level: <c>score.pearson</c>,
    /// <c>score.pearson.coco</c>, <c>pair.accuracy_without_tie</c>, <c>batch.normalized_levenshtein</c>,
    /// <c>fidelity.both_right.color_swap</c>, ... NaN marks an undefined value.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, double>> Metrics()
    {
        var m = new List<KeyValuePair<string, double>>();
        void Add(string name, double value) => m.Add(KeyValuePair.Create(name, value));
        if (Score is { } s)
        {
            Add("score.count", s.Count);
            Add("score.parse_failure_rate", s.ParseFailureRate);
            Add("score.pearson", s.Pearson);
            foreach (var (dataset, r) in s.PearsonByDataset)
            {
                Add($"score.pearson.{dataset}", r);
            }
        }

        if (Pair is { } p)
        {
            Add("pair.count", p.Count);
            Add("pair.parse_failure_rate", p.ParseFailureRate);
            Add("pair.accuracy_with_tie", p.WithTie);
            Add("pair.accuracy_without_tie", p.WithoutTie);
            Add("pair.accuracy_without_tie_strict", p.WithoutTieStrict);
            Add("pair.macro_precision", p.Macro.Precision);
            Add("pair.macro_recall", p.Macro.Recall);
            Add("pair.macro_f1", p.Macro.F1);
        }

        if (Batch is { } b)
        {
            Add("batch.count", b.Count);
            Add("batch.parse_failure_rate", b.ParseFailureRate);
            Add("batch.levenshtein", b.Levenshtein);
            Add("batch.normalized_levenshtein", b.NormalizedLevenshtein);
            Add("batch.levenshtein_parsed", b.LevenshteinParsed);
            Add("batch.normalized_levenshtein_parsed", b.NormalizedLevenshteinParsed);
            Add("batch.ranking_reward", b.RankingReward);
        }

        if (Fidelity is { } f)
        {
            Add("fidelity.cases", f.Overall.Cases);
            Add("fidelity.both_right", f.Overall.BothRight);
            Add("fidelity.original_right", f.Overall.OriginalRight);
            Add("fidelity.perturbed_right", f.Overall.PerturbedRight);
            foreach (var (kind, shares) in f.ByKind)
            {
                Add($"fidelity.both_right.{kind}", shares.BothRight);
            }
        }

        return m;
    }

    /// <summary>
    /// Why each undefined (NaN) metric of <see cref="Metrics"/> has no value in this run, in words for a report:
    /// Pearson's cause as the scoring metrics found it (constant scores, too few parsed), the others by what their
    /// definition needs.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>> WhyUndefined() => Metrics()
        .Where(m => double.IsNaN(m.Value))
        .Select(m => KeyValuePair.Create(m.Key, Score?.Undefined?.GetValueOrDefault(m.Key) ?? Generic(m.Key)))
        .ToArray();

    private static string Generic(string name) => name switch
    {
        "pair.accuracy_without_tie" => "every human label is a tie (C), and this accuracy leaves ties out",
        "pair.accuracy_without_tie_strict" =>
            "no example is left once human ties and the judge's ties are removed",
        _ when name.StartsWith("score.pearson", StringComparison.Ordinal) =>
            "Pearson r needs 2 parsed scores that vary on both sides",
        _ when name.EndsWith("_parsed", StringComparison.Ordinal) => "no batch ranking parsed",
        _ when name.StartsWith("fidelity.", StringComparison.Ordinal) =>
            "no held-out pair was judged on both of its images",
        _ => "undefined on this data",
    };

    /// <summary>Whether a smaller value of metric <paramref name="name"/> is better (distances, failure rates).
    /// </summary>
    public static bool LowerIsBetter(string name) =>
        name.Contains("levenshtein", StringComparison.Ordinal)
        || name.Contains("parse_failure_rate", StringComparison.Ordinal);
}
