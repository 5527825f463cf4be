using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Eval;
using PerceptionJudge.Eval.Metrics;
using PerceptionJudge.Kernels.Ranking;
using PerceptionJudge.Training.Evaluation;
using PerceptionJudge.Training.Rollout;
using PerceptionJudge.Training.Samples;

namespace PerceptionJudge.Cli.Train;

/// <summary>
/// Evaluates the judge on PPJD samples with the MLLM-as-a-Judge metrics (Eval library): each seed samples one
/// judgment per sample, the seeds' metrics are averaged, and perceptual fidelity is scored on the samples whose
/// original and perturbed versions are both held out.
/// </summary>
internal static class JudgeEvaluation
{
    /// <summary>The summary over <paramref name="seeds"/> plus every output row (for reports).</summary>
    public static (EvalSummary Summary, List<JudgeOutputRow> Rows) Run(
        RolloutEngine engine, IReadOnlyList<JudgeSample> samples, IReadOnlyList<int> seeds, int maxNewTokens,
        double temperature)
    {
        var examples = samples.Select(ToExample).ToList();
        var rows = new List<JudgeOutputRow>();
        var results = new List<EvalResult>();
        var predictions = new List<JudgePrediction>();
        foreach (int seed in seeds)
        {
            var seedRows = JudgeRun.Run(engine, samples, maxNewTokens, temperature, (ulong)seed);
            rows.AddRange(seedRows);
            var seedPredictions = seedRows.Select(r => new JudgePrediction(r.Sample.Record.Id, seed, r.Generation))
                .ToList();
            predictions.AddRange(seedPredictions);
            var result = JudgeEvaluator.Evaluate(examples, seedPredictions);
            var cases = FidelityCases(seedRows);
            results.Add(cases.Count > 0 ? result.WithFidelity(PerceptualFidelity.Compute(cases)) : result);
        }

        return (EvalSummary.FromSeeds(results, RankingConsistency.Compute(examples, predictions)), rows);
    }

    /// <summary>A PPJD record as an MLLM-as-a-Judge example (score labels 1/0 are the human scores).</summary>
    public static JudgeExample ToExample(JudgeSample sample)
    {
        var r = sample.Record;
        var truth = r.Task switch
        {
            PpjdTask.Score => JudgeTruth.ForScore(int.Parse(r.Label, System.Globalization.CultureInfo.InvariantCulture)),
            PpjdTask.Pair => JudgeTruth.ForPair(JudgeOutput.ParseVerdict(r.Label)),
            _ => JudgeTruth.ForBatch(r.Label),
        };
        var task = r.Task switch
        {
            PpjdTask.Score => JudgeTask.Score,
            PpjdTask.Pair => JudgeTask.Pair,
            _ => JudgeTask.Batch,
        };
        return new JudgeExample(r.Id, task, "ppjd-" + r.Perturbation.Kind,
            r.ShownImage, r.Question, r.Responses, truth);
    }

    /// <summary>
    /// Pair and batch records judged on both images with the same responses (a batch may show them in another
    /// order): the response right for the original must win there, the one right for the perturbed image on it.
    /// </summary>
    public static List<FidelityCase> FidelityCases(IReadOnlyList<JudgeOutputRow> rows)
    {
        var cases = new List<FidelityCase>();
        var byKey = rows.Where(r => r.Sample.Task != PpjdTask.Score).GroupBy(r => (r.Sample.PairKey, r.Sample.Task,
            string.Join("\n", r.Sample.Record.Responses.Order(StringComparer.Ordinal))));
        foreach (var group in byKey)
        {
            var original = group.FirstOrDefault(r => r.Sample.Record.Image == "original");
            var perturbed = group.FirstOrDefault(r => r.Sample.Record.Image == "perturbed");
            if (original is null || perturbed is null
                || !Letter(original.Sample.Record, "original", out int mo)
                || !Letter(perturbed.Sample.Record, "perturbed", out int mp)
                || original.Sample.Record.Responses[mo] == perturbed.Sample.Record.Responses[mp])
            {
                continue;
            }

            var record = original.Sample.Record;
            cases.Add(new FidelityCase(record.Id, record.Perturbation.Kind,
                record.Task == PpjdTask.Pair ? JudgeTask.Pair : JudgeTask.Batch, record.Responses.Count, mo, mp,
                original.Generation, perturbed.Generation));
        }

        return cases;
    }

    private static bool Letter(PpjdRecord record, string image, out int index)
    {
        index = record.CorrectFor.TryGetValue(image, out var l) && l.Length == 1 ? l[0] - 'A' : -1;
        return index >= 0 && index < record.Responses.Count;
    }
}
