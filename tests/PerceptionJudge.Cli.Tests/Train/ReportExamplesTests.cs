using PerceptionJudge.Cli.Train;
using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Training.Evaluation;
using PerceptionJudge.Training.Samples;

namespace PerceptionJudge.Cli.Tests.Train;

[TestFixture]
public sealed class ReportExamplesTests
{
    private static JudgeOutputRow Row(string task, int pair, float reward, string generation, ulong seed = 0)
    {
        string stem = $"{pair:D6}";
        var record = new PpjdRecord($"{stem}-{task}-original", task, 1, "original", $"images/{stem}-original.png",
            $"images/{stem}-perturbed.png", "", "", "q?", ["r1", "r2"], new Dictionary<string, string>(), "A",
            new PpjdPerturbation("remove", $"object {pair} removed", "op"));
        var sample = new JudgeSample(record, [], [], [], record.OriginalImage);
        return new JudgeOutputRow(sample, seed, generation, reward, true);
    }

    [Test]
    public void Pick_ShowsRoseFellSameOnDifferentPairs_BothJudgesOnTheSameRecord()
    {
        // pair records 1..4: after GRPO the reward stays, rises, falls, stays; a second seed is ignored.
        float[] before = [0, 0, 1, 1], after = [0, 1, 0, 1];
        var b = Enumerable.Range(1, 4).Select(i => Row(PpjdTask.Pair, i, before[i - 1], $"b{i}"))
            .Append(Row(PpjdTask.Pair, 9, 0, "other seed", seed: 1)).ToList();
        var a = Enumerable.Range(1, 4).Select(i => Row(PpjdTask.Pair, i, after[i - 1], $"a{i}")).ToList();
        var picked = ReportExamples.Pick("/nonexistent", b, a);

        Assert.That(picked.Select(e => e.Id), Is.EqualTo(new[]
        {
            "000002-pair-original", "000003-pair-original", "000001-pair-original",
        }));
        var rose = picked[0];
        Assert.That(rose.Judgments.Select(j => (j.Judge, j.Generation, j.Reward)), Is.EqualTo(new[]
        {
            (ReportExamples.BeforeJudge, "b2", 0.0), (ReportExamples.AfterJudge, "a2", 1.0),
        }));
        Assert.That(rose.Caption, Is.EqualTo("pair · shown: the original image · edit: object 2 removed · " +
            "reward rose (0 → 1)"));
        Assert.That(picked[1].Caption, Does.EndWith("reward fell (1 → 0)"));
        Assert.That(rose.ImagePng, Is.Null, "no image file there");
    }

    [Test]
    public void Pick_FillsEachTaskToTwoRecordsFromUnshownPairs()
    {
        var rows = Enumerable.Range(1, 3).Select(i => Row(PpjdTask.Score, i, 0, "x")).ToList();
        var picked = ReportExamples.Pick("/nonexistent", rows, rows);
        Assert.That(picked.Select(e => e.Id), Is.EqualTo(new[] { "000001-score-original", "000002-score-original" }));
    }
}
