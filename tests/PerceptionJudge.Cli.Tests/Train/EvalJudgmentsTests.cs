using System.Text.Json;
using PerceptionJudge.Cli.Tests.Support;

namespace PerceptionJudge.Cli.Tests.Train;

/// <summary><c>pjudge eval judgments</c> end to end on small JSONL files in the release's shapes; no model runs.
/// </summary>
[TestFixture]
public sealed class EvalJudgmentsTests
{
    private TempDir _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDir();

    [TearDown]
    public void TearDown() => _dir.Delete();

    private string Jsonl(string name, params string[] rows) => _dir.File(name, string.Join('\n', rows) + "\n");

    [Test]
    public void Pair_PrintsTheTable_AndWritesTheJson()
    {
        // The release's pair rows: several share "id" (one image), "pair_id" is the key; human labels under "human".
        string human = Jsonl("pair.jsonl",
            """{"id": 0, "pair_id": 0, "original_dataset": "coco", "instruction": "q", "human": "B"}""",
            """{"id": 0, "pair_id": 1, "original_dataset": "coco", "instruction": "q", "human": "A"}""",
            """{"id": 1, "pair_id": 2, "original_dataset": "WIT", "instruction": "q", "human": "C"}""",
            """{"id": 1, "pair_id": 3, "original_dataset": "WIT", "instruction": "q", "human": "A"}""");
        string judge = Jsonl("gpt-4v.jsonl",
            """{"id": 0, "pair_id": 0, "original_dataset": "coco", "result": {"name": "gpt4", "judge": "B"}}""",
            """{"id": 0, "pair_id": 1, "original_dataset": "coco", "result": {"name": "gpt4", "judge": "[[B]]"}}""",
            """{"id": 1, "pair_id": 2, "original_dataset": "WIT", "result": {"name": "gpt4", "judge": "C"}}""",
            """{"id": 1, "pair_id": 3, "original_dataset": "WIT", "result": {"name": "gpt4", "judge": -1}}""",
            """{"id": 1, "pair_id": 9, "original_dataset": "WIT", "result": {"name": "gpt4", "judge": "A"}}""");
        string output = _dir.File("scores.json");

        var r = CliRun.Run("eval", "judgments", "--task", "pair", "--human", human, "--judgments", judge,
            "--out", output);

        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout, Does.StartWith(
            "pair: 3 joined rows scored; skipped: judgment_without_human 1, judgment_minus_one 1\n"));
        Assert.That(r.Stdout, Does.Contain("pooled").And.Contain("0.5000 (n=2)").And.Contain($"scores: {output}"));
        using var doc = JsonDocument.Parse(File.ReadAllText(output));
        var root = doc.RootElement;
        var pooled = root.GetProperty("pooled");
        Assert.Multiple(() =>
        {
            // Human [B, A, C], judge [B, B, C]; without tie keeps [B, A] vs [B, B].
            Assert.That(root.GetProperty("task").GetString(), Is.EqualTo("pair"));
            Assert.That(root.GetProperty("count").GetInt32(), Is.EqualTo(3));
            Assert.That(root.GetProperty("skipped").GetProperty("judgment_minus_one").GetInt32(), Is.EqualTo(1));
            Assert.That(root.GetProperty("skipped").GetProperty("judgment_without_human").GetInt32(), Is.EqualTo(1));
            Assert.That(pooled.GetProperty("accuracy_with_tie").GetDouble(), Is.EqualTo(2.0 / 3).Within(1e-15));
            Assert.That(pooled.GetProperty("accuracy_without_tie").GetDouble(), Is.EqualTo(0.5));
            Assert.That(pooled.GetProperty("accuracy_without_tie_n").GetInt32(), Is.EqualTo(2));
            Assert.That(pooled.GetProperty("macro_f1").GetDouble(), Is.EqualTo(5.0 / 9).Within(1e-15));
            Assert.That(root.GetProperty("by_dataset").GetProperty("WIT").GetProperty("accuracy_without_tie")
                .ValueKind, Is.EqualTo(JsonValueKind.Null), "its one row is a tie");
        });
    }

    [Test]
    public void BadInput_IsOneLineNamingTheFileAndLine()
    {
        string human = Jsonl("score.jsonl", """{"score_id": 0, "human": 3}""", """{"id": 5, "human": 4}""");
        string good = Jsonl("good.jsonl", """{"score_id": 0, "human": 3}""");
        string judge = Jsonl("judge.jsonl", """{"score_id": 0, "result": {"judge": 3}}""");

        var missingKey = CliRun.Run("eval", "judgments", "--task", "score", "--human", human, "--judgments", judge);
        var missingFile = CliRun.Run("eval", "judgments", "--task", "score", "--human", good, "--judgments",
            _dir.File("absent.jsonl"));
        var badTask = CliRun.Run("eval", "judgments", "--task", "rank", "--human", human, "--judgments", judge);

        Assert.Multiple(() =>
        {
            Assert.That(missingKey.ExitCode, Is.EqualTo(2));
            Assert.That(missingKey.StderrLines, Is.EqualTo(new[]
            {
                $"error: {human}:2: missing 'score_id', the key the score task joins on",
            }));
            Assert.That(missingFile.ExitCode, Is.EqualTo(2));
            Assert.That(missingFile.StderrLines.Single(), Does.Contain("absent.jsonl: file not found"));
            Assert.That(badTask.ExitCode, Is.EqualTo(2));
            Assert.That(badTask.StderrLines.Single(), Does.Contain("rank"));
        });
    }
}
