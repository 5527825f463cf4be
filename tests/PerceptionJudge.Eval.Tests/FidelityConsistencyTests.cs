using PerceptionJudge.Eval.Metrics;

namespace PerceptionJudge.Eval.Tests;

[TestFixture]
public sealed class FidelityConsistencyTests
{
    [Test]
    public void Fidelity_CountsBothImagesPerImageAndPerKind()
    {
        FidelityCase[] cases =
        [
            new("1", "color", JudgeTask.Pair, 2, 0, 1, "<answer>[[A]]</answer>", "<answer>[[B]]</answer>"),
            new("2", "color", JudgeTask.Pair, 2, 0, 1, "<answer>[[A]]</answer>", "<answer>[[A]]</answer>"),
            new("3", "removal", JudgeTask.Batch, 3, 2, 0, "<answer>C > A > B</answer>", "garbage"),
            new("4", "removal", JudgeTask.Pair, 2, 1, 0, "<answer>[[C]]</answer>", "<answer>[[A]]</answer>"),
        ];
        var r = PerceptualFidelity.Compute(cases);
        Assert.Multiple(() =>
        {
            Assert.That(r.Overall, Is.EqualTo(new FidelityShares(4, 1 / 4.0, 3 / 4.0, 2 / 4.0)));
            Assert.That(r.ByKind.Select(kv => kv.Key), Is.EqualTo(new[] { "color", "removal" }));
            Assert.That(r.ByKind[0].Value, Is.EqualTo(new FidelityShares(2, 0.5, 1, 0.5)));
            Assert.That(r.ByKind[1].Value, Is.EqualTo(new FidelityShares(2, 0, 0.5, 0.5)));
        });
    }

    [Test]
    public void Fidelity_ImageBlindJudgeScoresZero()
    {
        var cases = Enumerable.Range(0, 6).Select(i => new FidelityCase(
            $"{i}", "k", JudgeTask.Pair, 2, i % 2, 1 - (i % 2), "<answer>[[A]]</answer>", "<answer>[[A]]</answer>"))
            .ToArray();
        Assert.That(PerceptualFidelity.Compute(cases).Overall.BothRight, Is.Zero);
    }

    [Test]
    public void Fidelity_EmptyInputIsNaNNotACrash() =>
        Assert.That(PerceptualFidelity.Compute([]).Overall.BothRight, Is.NaN);

    [TestCase(JudgeTask.Pair, 3, 0)]
    [TestCase(JudgeTask.Pair, 2, 2)]
    [TestCase(JudgeTask.Batch, 4, -1)]
    [TestCase(JudgeTask.Score, 1, 0)]
    public void Fidelity_ThrowsForInvalidCase(JudgeTask task, int responses, int match)
    {
        var ex = Assert.Throws<EvalException>(() => PerceptualFidelity.Compute(
            [new FidelityCase("bad", "k", task, responses, match, 0, "", "")]));
        Assert.That(ex!.Message, Does.Contain("fidelity case 'bad'"));
    }

    private static readonly JudgeExample s_batch =
        new("batch/1", JudgeTask.Batch, "coco", "1.jpg", "q", ["a", "b", "c", "d"], JudgeTruth.ForBatch("ABCD"));

    private static readonly JudgeExample s_pair =
        new("pair/1", JudgeTask.Pair, "coco", "1.jpg", "q", ["a", "b"], JudgeTruth.ForPair(Kernels.Ranking.Verdict.A));

    private static readonly JudgeExample s_score =
        new("score/1", JudgeTask.Score, "coco", "1.jpg", "q", ["a"], JudgeTruth.ForScore(3));

    [Test]
    public void Consistency_AveragesOverSeedPairs()
    {
        JudgePrediction[] predictions =
        [
            new("batch/1", 0, "<answer>ABCD</answer>"),
            new("batch/1", 1, "<answer>A > B > C > D</answer>"),
            new("batch/1", 2, "<answer>BACD</answer>"),
            new("pair/1", 0, "[[A]]"),
            new("pair/1", 1, "<answer>[[A]]</answer>"),
            new("pair/1", 2, "unsure"),
            new("score/1", 0, "<answer>3</answer>"),
            new("score/1", 1, "<answer>3.0</answer>"),
        ];
        var c = RankingConsistency.Compute([s_score, s_pair, s_batch], predictions).ToDictionary();
        Assert.Multiple(() =>
        {
            // batch: (0,1) equal; (0,2) and (1,2) one swap, normalised distance 0.5.
            Assert.That(c[JudgeTask.Batch], Is.EqualTo(new ConsistencyShares(1, 2 / 3.0, 1 / 3.0)));
            // pair: (0,1) equal, the unparsed seed disagrees with both.
            Assert.That(c[JudgeTask.Pair], Is.EqualTo(new ConsistencyShares(1, 1 / 3.0, 1 / 3.0)));
            // score: 3 and 3.0 are the same number.
            Assert.That(c[JudgeTask.Score], Is.EqualTo(new ConsistencyShares(1, 1, 1)));
        });
    }

    [Test]
    public void Consistency_IgnoresExamplesWithOneSeed()
    {
        var c = RankingConsistency.Compute([s_batch], [new JudgePrediction("batch/1", 0, "ABCD")]);
        Assert.That(c.Single().Value.Examples, Is.Zero);
        Assert.That(c.Single().Value.Agreement, Is.NaN);
    }

    [Test]
    public void Consistency_ThrowsForUnknownExampleOrRepeatedSeed()
    {
        Assert.Throws<EvalException>(() =>
            RankingConsistency.Compute([s_batch], [new JudgePrediction("batch/2", 0, "ABCD")]));
        var ex = Assert.Throws<EvalException>(() => RankingConsistency.Compute([s_batch],
            [new JudgePrediction("batch/1", 3, "ABCD"), new JudgePrediction("batch/1", 3, "ABDC")]));
        Assert.That(ex!.Message, Does.Contain("seed 3: two predictions for example 'batch/1'"));
    }
}
