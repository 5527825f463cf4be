using System.Text.Json;
using PerceptionJudge.Eval.Metrics;
using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Eval.Tests;

[TestFixture]
public sealed class EvaluatorTests
{
    private static readonly JudgeExample[] s_examples =
    [
        new("pair/1", JudgeTask.Pair, "coco", "1.jpg", "q", ["a", "b"], JudgeTruth.ForPair(Verdict.A)),
        new("pair/2", JudgeTask.Pair, "coco", "2.jpg", "q", ["a", "b"], JudgeTruth.ForPair(Verdict.B)),
        new("batch/1", JudgeTask.Batch, "coco", "3.jpg", "q", ["a", "b", "c"], JudgeTruth.ForBatch("CAB")),
        new("score/1", JudgeTask.Score, "coco", "4.jpg", "q", ["a"], JudgeTruth.ForScore(4)),
    ];

    private static JudgePrediction[] Seed(int seed, string pair1, string pair2, string batch) =>
    [
        new("pair/1", seed, pair1), new("pair/2", seed, pair2), new("batch/1", seed, batch),
        new("score/1", seed, "<answer>4</answer>"),
    ];

    [Test]
    public void Evaluate_ScoresEachTask()
    {
        var r = JudgeEvaluator.Evaluate(s_examples, Seed(7, "[[A]]", "[[C]]", "<answer>ACB</answer>"));
        Assert.Multiple(() =>
        {
            Assert.That(r.Seed, Is.EqualTo(7));
            Assert.That(r.MissingPredictions, Is.Zero);
            Assert.That(r.Pair!.WithTie, Is.EqualTo(0.5));
            Assert.That(r.Pair.WithoutTie, Is.EqualTo(0.5));
            Assert.That(r.Pair.WithoutTieStrict, Is.EqualTo(1.0));
            Assert.That(r.Batch!.Levenshtein, Is.EqualTo(2));
            Assert.That(r.Score!.Count, Is.EqualTo(1));
            Assert.That(r.Score.Pearson, Is.NaN, "one point");
            Assert.That(r.Pair.Macro.F1, Is.EqualTo(1.0 / 3).Within(1e-15), "A right; B missed; C spurious");
            Assert.That(r.Metrics().Select(kv => kv.Key), Does.Contain("pair.accuracy_without_tie_strict")
                .And.Contain("pair.macro_precision").And.Contain("pair.macro_recall").And.Contain("pair.macro_f1"));
        });
    }

    [Test]
    public void Evaluate_CountsExamplesWithoutPrediction()
    {
        var r = JudgeEvaluator.Evaluate(s_examples, [new JudgePrediction("pair/1", 0, "[[A]]")]);
        Assert.That(r.MissingPredictions, Is.EqualTo(3));
        Assert.That(r.Batch, Is.Null);
        Assert.That(r.Pair!.Count, Is.EqualTo(1));
    }

    [Test]
    public void Evaluate_ThrowsForMixedSeedsUnknownIdsAndDuplicates()
    {
        Assert.That(Assert.Throws<EvalException>(() => JudgeEvaluator.Evaluate(s_examples,
            [new("pair/1", 0, "A"), new("pair/2", 1, "A")]))!.Message, Does.Contain("EvaluateSeeds"));
        Assert.That(Assert.Throws<EvalException>(() => JudgeEvaluator.Evaluate(s_examples,
            [new("pair/9", 0, "A")]))!.Message, Does.Contain("unknown example id 'pair/9'"));
        Assert.That(Assert.Throws<EvalException>(() => JudgeEvaluator.Evaluate(s_examples,
            [new("pair/1", 0, "A"), new("pair/1", 0, "B")]))!.Message, Does.Contain("two predictions"));
        Assert.Throws<EvalException>(() => JudgeEvaluator.Evaluate(s_examples, []));
    }

    private static EvalSummary ThreeSeeds() => JudgeEvaluator.EvaluateSeeds(s_examples,
    [
        .. Seed(0, "[[A]]", "[[B]]", "CAB"),
        .. Seed(1, "[[A]]", "[[A]]", "CAB"),
        .. Seed(2, "[[B]]", "nothing", "ACB"),
    ]);

    [Test]
    public void Summary_ReportsMeanAndUnbiasedStdOverSeeds()
    {
        var s = ThreeSeeds();
        Assert.Multiple(() =>
        {
            Assert.That(s.Seeds.Select(r => r.Seed), Is.EqualTo(new[] { 0, 1, 2 }));
            // accuracy with tie per seed: 1, 0.5, 0 → mean 0.5, std sqrt((0.25 + 0 + 0.25) / 2) = 0.5.
            Assert.That(s["pair.accuracy_with_tie"], Is.EqualTo(new MetricStat("pair.accuracy_with_tie", 0.5, 0.5, 3)));
            // batch distance per seed: 0, 0, 2 → mean 2/3, std sqrt(((2/3)² · 2 + (4/3)²) / 2) = sqrt(4/3).
            Assert.That(s["batch.levenshtein"]!.Mean, Is.EqualTo(2 / 3.0).Within(1e-15));
            Assert.That(s["batch.levenshtein"]!.Std, Is.EqualTo(Math.Sqrt(4 / 3.0)).Within(1e-15));
            Assert.That(s["score.pearson"], Is.EqualTo(new MetricStat("score.pearson", double.NaN, double.NaN, 0)));
            Assert.That(s.Consistency.ToDictionary()[JudgeTask.Batch].ExactMatch, Is.EqualTo(1 / 3.0).Within(1e-15));
        });
    }

    [Test]
    public void Summary_OfOneSeedHasNaNStd()
    {
        var s = EvalSummary.FromSeeds([JudgeEvaluator.Evaluate(s_examples, Seed(0, "[[A]]", "[[B]]", "CAB"))]);
        Assert.That(s["pair.accuracy_with_tie"]!.Std, Is.NaN);
        Assert.That(s.Consistency, Is.Empty);
        Assert.Throws<EvalException>(() => EvalSummary.FromSeeds([]));
    }

    [Test]
    public void Summary_JsonHasSnakeCaseKeysAndNullForNaN()
    {
        using var doc = JsonDocument.Parse(ThreeSeeds().ToJson());
        var root = doc.RootElement;
        var acc = root.GetProperty("metrics").GetProperty("pair.accuracy_with_tie");
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("seed_count").GetInt32(), Is.EqualTo(3));
            Assert.That(acc.GetProperty("mean").GetDouble(), Is.EqualTo(0.5));
            Assert.That(acc.GetProperty("std").GetDouble(), Is.EqualTo(0.5));
            Assert.That(acc.GetProperty("seeds").GetInt32(), Is.EqualTo(3));
            Assert.That(root.GetProperty("metrics").GetProperty("score.pearson").GetProperty("mean").ValueKind,
                Is.EqualTo(JsonValueKind.Null));
            Assert.That(root.GetProperty("consistency").GetProperty("batch").GetProperty("exact_match").GetDouble(),
                Is.EqualTo(1 / 3.0).Within(1e-15));
            var seed1 = root.GetProperty("seeds")[1];
            Assert.That(seed1.GetProperty("seed").GetInt32(), Is.EqualTo(1));
            Assert.That(seed1.GetProperty("missing_predictions").GetInt32(), Is.Zero);
            Assert.That(seed1.GetProperty("metrics").GetProperty("pair.accuracy_with_tie").GetDouble(),
                Is.EqualTo(0.5));
        });
    }

    [Test]
    public void Summary_TablePrintsMeanStdAndNA()
    {
        string table = ThreeSeeds().ToTable();
        var row = table.Split('\n').Single(l => l.StartsWith("pair.accuracy_with_tie ", StringComparison.Ordinal));
        Assert.That(row, Does.Contain("0.5000").And.EndWith("3"));
        Assert.That(table.Split('\n').Single(l => l.StartsWith("score.pearson ", StringComparison.Ordinal)),
            Does.Contain("n/a"));
        Assert.That(table, Does.Contain("consistency.batch.exact_match"));
    }

    [Test]
    public void Result_WithFidelityAddsFidelityMetrics()
    {
        var fidelity = PerceptualFidelity.Compute(
            [new FidelityCase("1", "color", JudgeTask.Pair, 2, 0, 1, "[[A]]", "[[B]]")]);
        var r = JudgeEvaluator.Evaluate(s_examples, Seed(0, "[[A]]", "[[B]]", "CAB")).WithFidelity(fidelity);
        var metrics = r.Metrics().ToDictionary();
        Assert.That(metrics["fidelity.both_right"], Is.EqualTo(1.0));
        Assert.That(metrics["fidelity.both_right.color"], Is.EqualTo(1.0));
    }
}
