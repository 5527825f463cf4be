using System.Text.Json;
using PerceptionJudge.Eval.Judgments;

namespace PerceptionJudge.Eval.Tests;

/// <summary>Recorded judgments against the human labels: the join, the file quirks and the metrics, by hand.</summary>
[TestFixture]
public sealed class JudgmentTests
{
    private static JudgmentReport Score(JudgeTask task, string[] human, string[] judgments) =>
        JudgmentScoring.Score(task, JudgmentJoin.Join(task,
            JudgmentFile.ReadHuman(new StringReader(string.Join('\n', human)), "human.jsonl", task),
            JudgmentFile.ReadJudgments(new StringReader(string.Join('\n', judgments)), "judge.jsonl", task)));

    private static int Skipped(JudgmentReport r, SkipReason reason) => r.Skipped.Single(kv => kv.Key == reason).Value;

    private static JudgmentGroup Dataset(JudgmentReport r, string name) => r.ByDataset.Single(g => g.Name == name);

    /// <summary>A row keyed by <paramref name="keyField"/>; every score and pair row shares <c>"id": 100</c>, as
    /// the responses of one image do in the release. <paramref name="tail"/> is raw JSON members.</summary>
    private static string Row(string keyField, int key, string dataset, string tail) =>
        $"{{\"{keyField}\": {key}, \"id\": 100, \"original_dataset\": \"{dataset}\"{tail}}}";

    private static string Human(string keyField, int key, string dataset, string label) =>
        Row(keyField, key, dataset, $", \"human\": {label}");

    private static string Judge(string keyField, int key, string dataset, string judge) =>
        Row(keyField, key, dataset, $", \"result\": {{\"name\": \"gpt4\", \"judge\": {judge}}}");

    [Test]
    public void Score_JoinsOnScoreId_ReadsIntAndStringLabels_AndCountsEveryQuirk()
    {
        const string K = "score_id";
        string[] human =
        [
            Human(K, 0, "coco", "1"), Human(K, 1, "coco", "\"3\""), Human(K, 2, "coco", "5"),
            Human(K, 3, "WIT", "2"), Human(K, 4, "WIT", "\"4\""),
            Human(K, 5, "WIT", "3"), Human(K, 6, "WIT", "3"), Human(K, 7, "coco", "4"),
            Human(K, 8, "coco", "-1"), Human(K, 9, "coco", "\"x\""), Row(K, 10, "coco", ""),
            Human(K, 11, "coco", "2"), Human(K, 13, "coco", "3"), "",
            Human(K, 0, "coco", "5"),
        ];
        string[] judge =
        [
            Judge(K, 0, "coco", "\"2\""), Judge(K, 1, "coco", "3"), Judge(K, 2, "coco", "\"<answer>5</answer>\""),
            Judge(K, 3, "WIT", "4"), Judge(K, 4, "WIT", "\"4\""), Judge(K, 5, "WIT", "-1"),
            Judge(K, 6, "WIT", "\"-1\""), Judge(K, 7, "coco", "\"Judgement: 4</s>\""),
            Judge(K, 8, "coco", "3"), Judge(K, 9, "coco", "3"), Judge(K, 10, "coco", "3"),
            Judge(K, 12, "coco", "3"), Row(K, 13, "coco", ""), Judge(K, 1, "coco", "1"),
        ];
        var r = Score(JudgeTask.Score, human, judge);
        Assert.Multiple(() =>
        {
            Assert.That(r.Count, Is.EqualTo(5));
            // Judge [2, 3, 5, 4, 4], human [1, 3, 5, 2, 4]: Σdxdy = 6, Σdx² = 5.2, Σdy² = 10.
            Assert.That(r.Pooled["pearson"].Value, Is.EqualTo(6 / Math.Sqrt(52)).Within(1e-12));
            Assert.That(r.Pooled["pearson"].N, Is.EqualTo(5));
            // coco: judge [2, 3, 5], human [1, 3, 5]: Σdxdy = 6, Σdx² = 14/3, Σdy² = 8.
            Assert.That(Dataset(r, "coco")["pearson"].Value, Is.EqualTo(6 / Math.Sqrt(112.0 / 3)).Within(1e-12));
            Assert.That(Dataset(r, "WIT")["pearson"].Value, Is.NaN, "the judge said 4 twice: a constant side");
            Assert.That(Dataset(r, "WIT").Count, Is.EqualTo(2));
            Assert.That(r.ByDataset.Select(g => g.Name), Is.EqualTo(new[] { "WIT", "coco" }), "ordinal order");
            Assert.That(Skipped(r, SkipReason.DuplicateHumanKey), Is.EqualTo(1));
            Assert.That(Skipped(r, SkipReason.DuplicateJudgmentKey), Is.EqualTo(1), "the first judgment of 1 is kept");
            Assert.That(Skipped(r, SkipReason.HumanWithoutJudgment), Is.EqualTo(1));
            Assert.That(Skipped(r, SkipReason.JudgmentWithoutHuman), Is.EqualTo(1));
            Assert.That(Skipped(r, SkipReason.HumanMissing), Is.EqualTo(1));
            Assert.That(Skipped(r, SkipReason.HumanMinusOne), Is.EqualTo(1));
            Assert.That(Skipped(r, SkipReason.HumanUnparsable), Is.EqualTo(1));
            Assert.That(Skipped(r, SkipReason.JudgmentMissing), Is.EqualTo(1));
            Assert.That(Skipped(r, SkipReason.JudgmentMinusOne), Is.EqualTo(2), "-1 and \"-1\"");
            Assert.That(Skipped(r, SkipReason.JudgmentUnparsable), Is.EqualTo(1));
        });
    }

    [Test]
    public void Pair_ScoresAccuraciesAndMacroScores_PooledAndPerDataset()
    {
        const string K = "pair_id";
        string[] human =
        [
            Human(K, 0, "coco", "\"B\""), Human(K, 1, "coco", "\"A\""),
            Row(K, 2, "WIT", ", \"human_answer\": \"C\""), Human(K, 3, "WIT", "\"A\""), Human(K, 4, "WIT", "\"B\""),
        ];
        string[] judge =
        [
            Judge(K, 0, "coco", "\"B\""), Judge(K, 1, "coco", "\"[[B]]\""), Judge(K, 2, "WIT", "\"C\""),
            Judge(K, 3, "WIT", "\"Judgement: [[A]]</s>\""), Judge(K, 4, "WIT", "\"D\""),
        ];
        var r = Score(JudgeTask.Pair, human, judge);
        var coco = Dataset(r, "coco");
        var wit = Dataset(r, "WIT");
        Assert.Multiple(() =>
        {
            // Human [B, A, C, A], judge [B, B, C, A].
            Assert.That(r.Count, Is.EqualTo(4));
            Assert.That(Skipped(r, SkipReason.JudgmentUnparsable), Is.EqualTo(1), "D is no verdict");
            Assert.That(r.Pooled["accuracy_with_tie"].Value, Is.EqualTo(0.75));
            Assert.That(r.Pooled["accuracy_without_tie"].Value, Is.EqualTo(2.0 / 3).Within(1e-15));
            Assert.That(r.Pooled["accuracy_without_tie"].N, Is.EqualTo(3));
            // A: P 1, R 1/2, F 2/3; B: P 1/2, R 1, F 2/3; other: 1, 1, 1.
            Assert.That(r.Pooled["macro_precision"].Value, Is.EqualTo(5.0 / 6).Within(1e-15));
            Assert.That(r.Pooled["macro_recall"].Value, Is.EqualTo(5.0 / 6).Within(1e-15));
            Assert.That(r.Pooled["macro_f1"].Value, Is.EqualTo(7.0 / 9).Within(1e-15));
            // coco: human [B, A], judge [B, B]: A 0/0/0, B 1/2, 1, 2/3 (labels present: A and B only).
            Assert.That(coco["accuracy_with_tie"].Value, Is.EqualTo(0.5));
            Assert.That(coco["macro_precision"].Value, Is.EqualTo(0.25));
            Assert.That(coco["macro_recall"].Value, Is.EqualTo(0.5));
            Assert.That(coco["macro_f1"].Value, Is.EqualTo(1.0 / 3).Within(1e-15));
            Assert.That(wit["accuracy_with_tie"].Value, Is.EqualTo(1.0));
            Assert.That(wit["accuracy_without_tie"].N, Is.EqualTo(1), "the C row is dropped");
            Assert.That(wit["macro_f1"].Value, Is.EqualTo(1.0));
        });
    }

    [Test]
    public void Batch_ScoresLevenshteinOfTheOrders_ReadingHumanAndHumanAnswer()
    {
        string[] human =
        [
            "{\"id\": 200, \"original_dataset\": \"coco\", \"human_answer\": \"CDAB\"}",
            "{\"id\": 201, \"original_dataset\": \"coco\", \"human_answer\": \"CABD\"}",
            "{\"id\": \"202\", \"original_dataset\": \"WIT\", \"human\": \"ABC\"}",
            "{\"id\": 203, \"original_dataset\": \"WIT\", \"human_answer\": \"ACBD\"}",
        ];
        string[] judge =
        [
            "{\"id\": 200, \"result\": {\"judge\": \"DACB\"}}",
            "{\"id\": 201, \"result\": {\"judge\": \"CABD\"}}",
            "{\"id\": 202, \"result\": {\"judge\": \"[[B]] > [[A]] > [[C]]\"}}",
            "{\"id\": 203, \"result\": {\"judge\": \"ABCDE\"}}",
        ];
        var r = Score(JudgeTask.Batch, human, judge);
        Assert.Multiple(() =>
        {
            Assert.That(r.Count, Is.EqualTo(3), "the string key \"202\" joins the number 202");
            Assert.That(Skipped(r, SkipReason.JudgmentUnparsable), Is.EqualTo(1), "ABCDE ranks five of four");
            // Distances DACB→CDAB 2 (of 4), CABD→CABD 0, BAC→ABC 2 (of 3).
            Assert.That(r.Pooled["levenshtein"].Value, Is.EqualTo(4.0 / 3).Within(1e-15));
            Assert.That(r.Pooled["normalized_levenshtein"].Value, Is.EqualTo((0.5 + 2.0 / 3) / 3).Within(1e-15));
            Assert.That(Dataset(r, "coco")["levenshtein"].Value, Is.EqualTo(1.0));
            Assert.That(Dataset(r, "coco")["normalized_levenshtein"].Value, Is.EqualTo(0.25));
            Assert.That(Dataset(r, "WIT")["normalized_levenshtein"].Value, Is.EqualTo(2.0 / 3).Within(1e-15));
        });
    }

    [Test]
    public void ToJson_WritesEveryReason_EachMetricBesideItsN_AndNullForUndefined()
    {
        var r = Score(JudgeTask.Score,
            [Human("score_id", 0, "coco", "3"), Human("score_id", 1, "coco", "4")],
            [Judge("score_id", 0, "coco", "2"), Judge("score_id", 1, "coco", "2"), Judge("score_id", 2, "x", "2")]);
        using var doc = JsonDocument.Parse(r.ToJson());
        var root = doc.RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(root.GetProperty("task").GetString(), Is.EqualTo("score"));
            Assert.That(root.GetProperty("count").GetInt32(), Is.EqualTo(2));
            Assert.That(root.GetProperty("skipped").EnumerateObject().Select(p => p.Name),
                Is.EqualTo(Enum.GetValues<SkipReason>().Select(JudgmentJoin.ReasonName)));
            Assert.That(root.GetProperty("skipped").GetProperty("judgment_without_human").GetInt32(), Is.EqualTo(1));
            Assert.That(root.GetProperty("pooled").GetProperty("n").GetInt32(), Is.EqualTo(2));
            Assert.That(root.GetProperty("pooled").GetProperty("pearson").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(root.GetProperty("pooled").GetProperty("pearson_n").GetInt32(), Is.EqualTo(2));
            Assert.That(root.GetProperty("by_dataset").GetProperty("coco").GetProperty("n").GetInt32(), Is.EqualTo(2));
        });
        Assert.That(r.ToTable(), Does.Contain("skipped: judgment_without_human 1").And.Contain("n/a"));
    }

    [Test]
    public void Read_ThrowsWithFileAndLine_ForBadJsonAndAMissingOrOddKey()
    {
        static EvalException Fails(JudgeTask task, params string[] lines) => Assert.Throws<EvalException>(() =>
            JudgmentFile.ReadHuman(new StringReader(string.Join('\n', lines)), "human.jsonl", task))!;

        Assert.Multiple(() =>
        {
            Assert.That(Fails(JudgeTask.Pair, "{\"pair_id\": 0}", "{not json").Message,
                Does.StartWith("human.jsonl:2: not valid JSON"));
            Assert.That(Fails(JudgeTask.Pair, "{\"id\": 3, \"human\": \"A\"}").Message,
                Is.EqualTo("human.jsonl:1: missing 'pair_id', the key the pair task joins on"));
            Assert.That(Fails(JudgeTask.Batch, "", "{\"id\": [1]}").Message,
                Does.StartWith("human.jsonl:2: 'id' must be a number or a string"));
            Assert.That(Fails(JudgeTask.Score, "[1, 2]").Message, Does.Contain("must be a JSON object"));
            Assert.Throws<EvalException>(() => JudgmentFile.ReadJudgments("/nonexistent/judge.jsonl", JudgeTask.Pair));
        });
    }
}
