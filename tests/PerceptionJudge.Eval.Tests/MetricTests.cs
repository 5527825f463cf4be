using FsCheck;
using FsCheck.Fluent;
using PerceptionJudge.Eval.Metrics;
using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Eval.Tests;

[TestFixture]
public sealed class MetricTests
{
    /// <summary>A random order of the letters A.. (n of them).</summary>
    private static string LetterPermutation(Random rng, int n) =>
        new(Enumerable.Range(0, n).Select(i => (char)('A' + i)).OrderBy(_ => rng.Next()).ToArray());

    private static double[] RandomVector(Random rng, int n) =>
        Enumerable.Range(0, n).Select(_ => Math.Round(rng.NextDouble() * 10 - 5, 2)).ToArray();

    [Test]
    public void Pearson_MatchesHandComputedValue()
    {
        // x̄ = 3, ȳ = 4: Σdxdy = 6, Σdx² = 10, Σdy² = 6, r = 6 / sqrt(60).
        double r = PearsonCorrelation.Compute([1, 2, 3, 4, 5], [2, 4, 5, 4, 5]);
        Assert.That(r, Is.EqualTo(6 / Math.Sqrt(60)).Within(1e-15));
    }

    [Test]
    public void Pearson_IsOneAndMinusOneForExactLines()
    {
        Assert.That(PearsonCorrelation.Compute([1, 2, 3], [10, 20, 30]), Is.EqualTo(1.0));
        Assert.That(PearsonCorrelation.Compute([1, 2, 3], [3, 2, 1]), Is.EqualTo(-1.0));
    }

    [Test]
    public void Pearson_IsNaNForFewerThanTwoPointsOrConstantInput()
    {
        Assert.That(PearsonCorrelation.Compute([], []), Is.NaN);
        Assert.That(PearsonCorrelation.Compute([3], [4]), Is.NaN);
        Assert.That(PearsonCorrelation.Compute([2, 2, 2], [1, 2, 3]), Is.NaN);
        Assert.That(PearsonCorrelation.Compute([1, 2, 3], [5, 5, 5]), Is.NaN);
    }

    [TestCase(new double[0], new double[0], "no score judgment parsed; r needs 2")]
    [TestCase(new double[] { 3 }, new double[] { 4 }, "only 1 score judgment parsed; r needs 2")]
    [TestCase(new double[] { 2, 2, 2 }, new double[] { 1, 2, 3 },
        "the judge gave every parsed record the same score (2), so r is 0/0")]
    [TestCase(new double[] { 1, 2, 3 }, new double[] { 5, 5, 5 }, "every human score is 5, so r is 0/0")]
    public void Pearson_WhyUndefinedNamesTheCause(double[] judge, double[] human, string why) =>
        Assert.That(PearsonCorrelation.WhyUndefined(judge, human), Is.EqualTo(why));

    [Test]
    public void Pearson_WhyUndefinedIsNullWhenRIsDefined() =>
        Assert.That(PearsonCorrelation.WhyUndefined([1, 2, 3], [2, 4, 5]), Is.Null);

    [Test]
    public void Pearson_ThrowsForUnpairedInputs() =>
        Assert.Throws<ArgumentException>(() => PearsonCorrelation.Compute([1, 2], [1, 2, 3]));

    [Test]
    public void Pearson_IsBoundedAndSymmetric() =>
        Prop.ForAll<int>(seed =>
        {
            var rng = new Random(seed);
            int n = rng.Next(2, 30);
            var x = RandomVector(rng, n);
            var y = RandomVector(rng, n);
            double r = PearsonCorrelation.Compute(x, y);
            return double.IsNaN(r) || (r is >= -1 and <= 1 && r == PearsonCorrelation.Compute(y, x));
        }).QuickCheckThrowOnFailure();

    [Test]
    public void Pearson_IsInvariantToAffineMapsUpToSign() =>
        Prop.ForAll<int>(seed =>
        {
            var rng = new Random(seed);
            int n = rng.Next(3, 30);
            var x = RandomVector(rng, n);
            var y = RandomVector(rng, n);
            double a = (rng.NextDouble() * 4 + 0.25) * (rng.Next(2) == 0 ? -1 : 1), b = rng.NextDouble() * 20 - 10;
            double r = PearsonCorrelation.Compute(x, y);
            double mapped = PearsonCorrelation.Compute(x.Select(v => a * v + b).ToArray(), y);
            return double.IsNaN(r) ? double.IsNaN(mapped) : Math.Abs(mapped - Math.Sign(a) * r) < 1e-9;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void PairAccuracy_AppliesTheThreeTieConventions()
    {
        // truth / prediction: right, wrong, tie right, tie missed, spurious tie, no parse, right, conflicting.
        Verdict[] truth = [Verdict.A, Verdict.B, Verdict.C, Verdict.C, Verdict.A, Verdict.B, Verdict.B, Verdict.A];
        Verdict[] pred =
            [Verdict.A, Verdict.A, Verdict.C, Verdict.A, Verdict.C, Verdict.None, Verdict.B, Verdict.Conflicting];
        var r = PairAccuracy.Compute(truth, pred);
        Assert.Multiple(() =>
        {
            Assert.That(r.Count, Is.EqualTo(8));
            Assert.That(r.ParseFailures, Is.EqualTo(2));
            Assert.That(r.ParseFailureRate, Is.EqualTo(0.25));
            Assert.That(r.WithTie, Is.EqualTo(3.0 / 8));
            Assert.That(r.WithoutTieCount, Is.EqualTo(6));
            Assert.That(r.WithoutTie, Is.EqualTo(2.0 / 6));
            Assert.That(r.WithoutTieStrictCount, Is.EqualTo(5));
            Assert.That(r.WithoutTieStrict, Is.EqualTo(2.0 / 5));
        });
    }

    [Test]
    public void PairAccuracy_WithoutTieIsNaNWhenEveryLabelIsATie()
    {
        var r = PairAccuracy.Compute([Verdict.C, Verdict.C], [Verdict.C, Verdict.A]);
        Assert.That(r.WithTie, Is.EqualTo(0.5));
        Assert.That(r.WithoutTie, Is.NaN);
        Assert.That(r.WithoutTieStrict, Is.NaN);
    }

    [Test]
    public void PairAccuracy_MacroScoresPutCAndFailuresInOneBucket()
    {
        // Buckets truth [A, B, o, o], prediction [A, o, o, o]: A 1/1/1; B tp 0 of 0 predicted, 1 true: 0/0/0;
        // other tp 2, 3 predicted, 2 true: P 2/3, R 1, F 4/5.
        var r = PairAccuracy.Compute([Verdict.A, Verdict.B, Verdict.C, Verdict.C],
            [Verdict.A, Verdict.None, Verdict.C, Verdict.Conflicting]);
        Assert.Multiple(() =>
        {
            Assert.That(r.Macro.Labels, Is.EqualTo(3));
            Assert.That(r.Macro.Precision, Is.EqualTo((1 + 0 + 2.0 / 3) / 3).Within(1e-15));
            Assert.That(r.Macro.Recall, Is.EqualTo(2.0 / 3).Within(1e-15));
            Assert.That(r.Macro.F1, Is.EqualTo(0.6).Within(1e-15));
        });
    }

    [Test]
    public void MacroAverage_F1IsTheMeanOfPerLabelF1_NotTheF1OfTheMeans()
    {
        // Truth [B, A, o], prediction [B, B, o]: A 0/0/0; B P 1/2, R 1, F 2/3; other 1/1/1.
        var m = MacroAverage.Compute([1, 0, 2], [1, 1, 2], 3);
        Assert.Multiple(() =>
        {
            Assert.That(m.Precision, Is.EqualTo(0.5).Within(1e-15));
            Assert.That(m.Recall, Is.EqualTo(2.0 / 3).Within(1e-15));
            Assert.That(m.F1, Is.EqualTo(5.0 / 9).Within(1e-15));
            Assert.That(m.F1, Is.Not.EqualTo(2 * m.Precision * m.Recall / (m.Precision + m.Recall)).Within(1e-3));
        });
    }

    [Test]
    public void MacroAverage_AveragesOverTheLabelsPresentInEitherSide()
    {
        // sklearn labels=None: label 2 occurs nowhere and is left out; A P 1, R 1/2, F 2/3; B P 1/2, R 1, F 2/3.
        var both = MacroAverage.Compute([0, 0, 1], [0, 1, 1], 3);
        // A label only predicted scores 0 (zero_division=0): A P 1, R 1/2, F 2/3; other P 0 (0 of 1), R 0/0 → 0.
        var predictedOnly = MacroAverage.Compute([0, 0], [0, 2], 3);
        Assert.Multiple(() =>
        {
            Assert.That(both.Labels, Is.EqualTo(2));
            Assert.That(both.Precision, Is.EqualTo(0.75));
            Assert.That(both.Recall, Is.EqualTo(0.75));
            Assert.That(both.F1, Is.EqualTo(2.0 / 3).Within(1e-15));
            Assert.That(predictedOnly.Labels, Is.EqualTo(2));
            Assert.That(predictedOnly.Precision, Is.EqualTo(0.5));
            Assert.That(predictedOnly.Recall, Is.EqualTo(0.25));
            Assert.That(predictedOnly.F1, Is.EqualTo(1.0 / 3).Within(1e-15));
        });
    }

    [Test]
    public void MacroAverage_IsNaNWithoutRowsAndThrowsForBadLabels()
    {
        var empty = MacroAverage.Compute([], [], 3);
        Assert.That(empty.F1, Is.NaN);
        Assert.That(empty.Labels, Is.Zero);
        Assert.Throws<ArgumentException>(() => MacroAverage.Compute([0, 1], [0], 3));
        Assert.Throws<ArgumentException>(() => MacroAverage.Compute([0, 3], [0, 1], 3));
    }

    [Test]
    public void BatchRanking_SwapOfTheTopTwoIsDistanceTwo()
    {
        var r = BatchRankingDistance.Compute(["ABCD"], ["BACD"]);
        Assert.That(r.Levenshtein, Is.EqualTo(2));
        Assert.That(r.NormalizedLevenshtein, Is.EqualTo(0.5));
    }

    [Test]
    public void BatchRanking_CountsAParseFailureAsTheWorstOrder()
    {
        var r = BatchRankingDistance.Compute(["ABCD", "ABC"], ["BACD", null]);
        Assert.Multiple(() =>
        {
            Assert.That(r.ParseFailures, Is.EqualTo(1));
            Assert.That(r.Levenshtein, Is.EqualTo((2 + 3) / 2.0));
            Assert.That(r.NormalizedLevenshtein, Is.EqualTo((0.5 + 1) / 2));
            Assert.That(r.LevenshteinParsed, Is.EqualTo(2));
            Assert.That(r.NormalizedLevenshteinParsed, Is.EqualTo(0.5));
        });
    }

    [Test]
    public void BatchRanking_RewardCountsDiscordantPairs_FailuresScoreZero()
    {
        // ABCD vs BACD: one of six pairs reversed; DCBA: all six; a failure scores 0 (as the training reward).
        var r = BatchRankingDistance.Compute(["ABCD", "ABCD", "ABC"], ["BACD", "DCBA", null]);
        Assert.That(r.RankingReward, Is.EqualTo((5.0 / 6 + 0 + 0) / 3).Within(1e-12));
        Assert.That(BatchRankingDistance.Reward("CAB", "CAB"), Is.EqualTo(1));
        Assert.That(BatchRankingDistance.Reward("ACB", "CAB"), Is.EqualTo(2.0 / 3).Within(1e-12));
        Assert.That(() => BatchRankingDistance.Reward("ABD", "ABC"), Throws.ArgumentException);
    }

    [Test]
    public void BatchRanking_RewardEqualsTheTrainingRewardKernel() =>
        Prop.ForAll<int>(seed =>
        {
            var rng = new Random(seed);
            int n = rng.Next(2, 9);
            string truth = LetterPermutation(rng, n), pred = LetterPermutation(rng, n);
            double kernel = JudgeReward.BatchRanking($"<answer>{pred}</answer>", truth);
            return Math.Abs(BatchRankingDistance.Reward(pred, truth) - kernel) < 1e-6;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void BatchRanking_ParsesLetterOrdersAndScores()
    {
        Assert.That(BatchRankingDistance.ParseOrder("hm <answer>C > D > A > B</answer>", 4), Is.EqualTo("CDAB"));
        Assert.That(BatchRankingDistance.ParseOrder("<answer>1, 9, 5</answer>", 3), Is.EqualTo("BCA"));
        Assert.That(BatchRankingDistance.ParseOrder("<answer>A > B</answer>", 3), Is.Null);
        Assert.That(BatchRankingDistance.ParseOrder("no idea", 3), Is.Null);
    }

    [Test]
    public void BatchRanking_NormalisedDistanceIsInUnitInterval() =>
        Prop.ForAll<int>(seed =>
        {
            var rng = new Random(seed);
            int n = rng.Next(2, 9);
            var truth = Enumerable.Range(0, 5).Select(_ => LetterPermutation(rng, n)).ToArray();
            var pred = truth.Select(_ => rng.Next(4) == 0 ? null : LetterPermutation(rng, n)).ToArray();
            var r = BatchRankingDistance.Compute(truth, pred);
            return r.NormalizedLevenshtein is >= 0 and <= 1 && r.Levenshtein is >= 0 && r.Levenshtein <= n;
        }).QuickCheckThrowOnFailure();

    [Test]
    public void ScoreMetrics_ExcludesParseFailuresAndSplitsByDataset()
    {
        static JudgeExample Ex(string id, string dataset, int human) =>
            new(id, JudgeTask.Score, dataset, "x.jpg", "q", ["r"], JudgeTruth.ForScore(human));
        var rows = new (JudgeExample, string)[]
        {
            (Ex("1", "coco", 1), "<answer>1</answer>"),
            (Ex("2", "coco", 3), "<answer>2</answer>"),
            (Ex("3", "coco", 5), "<answer>5</answer>"),
            (Ex("4", "chart", 2), "<answer>4</answer>"),
            (Ex("5", "chart", 4), "I would say four"),
        };
        var r = ScoreMetrics.Compute(rows);
        Assert.Multiple(() =>
        {
            Assert.That(r.Count, Is.EqualTo(5));
            Assert.That(r.ParseFailures, Is.EqualTo(1));
            Assert.That(r.Pearson, Is.EqualTo(PearsonCorrelation.Compute([1, 2, 5, 4], [1, 3, 5, 2])).Within(1e-15));
            Assert.That(r.PearsonByDataset.Select(kv => kv.Key), Is.EqualTo(new[] { "chart", "coco" }));
            Assert.That(r.PearsonByDataset[0].Value, Is.NaN, "one parsed chart point: undefined, not a crash");
            Assert.That(r.PearsonByDataset[1].Value,
                Is.EqualTo(PearsonCorrelation.Compute([1, 2, 5], [1, 3, 5])).Within(1e-15));
        });
    }
}
