using PerceptionJudge.Eval.Input;
using PerceptionJudge.Kernels.Ranking;

namespace PerceptionJudge.Eval.Tests;

[TestFixture]
public sealed class ReaderTests
{
    private static JudgeDataSet Read(JudgeTask task, params string[] lines) =>
        MllmJudgeReader.Read(new StringReader(string.Join('\n', lines)), "test.jsonl", task);

    private const string ScoreRow =
        "{\"score_id\": 6, \"name\": \"gpt4\", \"answer\": \"A lasagna.\", \"id\": 101, "
        + "\"instruction\": \"What meal?\", "
        + "\"image_path\": \"101.jpg\", \"original_dataset\": \"coco\", \"human\": 5}";

    private const string PairRow =
        "{\"id\": 8, \"pair_id\": 46, \"image_path\": \"8.jpg\", \"original_dataset\": \"coco\", "
        + "\"instruction\": \"How high?\", \"answer1\": {\"name\": \"llava\", \"answer\": \"Tall.\"}, "
        + "\"answer2\": {\"name\": \"gpt4\", \"answer\": \"Unknown.\"}, "
        + "\"human_answer\": \"B\"}";

    private const string BatchRow =
        "{\"id\": 200, \"instruction\": \"What fruit?\", \"image_path\": \"image/200.jpg\", "
        + "\"original_dataset\": \"coco\", "
        + "\"answers\": [{\"name\": \"llava\", \"answer\": \"apples\"}, {\"name\": \"cogvlm\", \"answer\": \"limes\"}, "
        + "{\"name\": \"gpt4\", \"answer\": \"apples?\"}, {\"name\": \"gemini\", \"answer\": \"apples!\"}], "
        + "\"human_answer\": \"CDAB\"}";

    [Test]
    public void Read_MapsTheReleaseFieldsOfEachTask()
    {
        var score = Read(JudgeTask.Score, ScoreRow, ScoreRow.Replace("\"score_id\": 6", "\"score_id\": 7")
            .Replace("\"human\": 5", "\"human\": \"4\""));
        var pair = Read(JudgeTask.Pair, PairRow).Examples.Single();
        var batch = Read(JudgeTask.Batch, BatchRow).Examples.Single();
        Assert.Multiple(() =>
        {
            Assert.That(score.Warnings, Is.Empty);
            Assert.That(score.Examples.Select(e => e.Id), Is.EqualTo(new[] { "score/6", "score/7" }));
            Assert.That(score.Examples.Select(e => e.Truth.Score), Is.EqualTo(new int?[] { 5, 4 }));
            Assert.That(score.Examples[0].Responses, Is.EqualTo(new[] { "A lasagna." }));
            Assert.That(score.Examples[0].Dataset, Is.EqualTo("coco"));
            Assert.That(score.Examples[0].ImagePath, Is.EqualTo("101.jpg"));
            Assert.That(score.Examples[0].Instruction, Is.EqualTo("What meal?"));
            Assert.That(pair.Id, Is.EqualTo("pair/46"));
            Assert.That(pair.Responses, Is.EqualTo(new[] { "Tall.", "Unknown." }));
            Assert.That(pair.Truth.Verdict, Is.EqualTo(Verdict.B));
            Assert.That(batch.Id, Is.EqualTo("batch/200"));
            Assert.That(batch.Responses, Has.Count.EqualTo(4));
            Assert.That(batch.Truth.Ranking, Is.EqualTo("CDAB"));
            Assert.That(batch.ImagePath, Is.EqualTo("image/200.jpg"));
        });
    }

    [Test]
    public void Read_AcceptsPlainStringAnswersAndMissingDataset()
    {
        var row = "{\"id\": 1, \"image_path\": \"1.jpg\", \"instruction\": \"q\", "
            + "\"answer1\": \"x\", \"answer2\": \"y\", "
            + "\"human_answer\": \"C\"}";
        var e = Read(JudgeTask.Pair, row).Examples.Single();
        Assert.That(e.Id, Is.EqualTo("pair/1"));
        Assert.That(e.Dataset, Is.EqualTo("unknown"));
        Assert.That(e.Truth.Verdict, Is.EqualTo(Verdict.C));
    }

    [Test]
    public void Read_WarnsForUnknownFieldsWithFileLineAndPath()
    {
        var withExtra = PairRow.Replace("\"human_answer\"", "\"mllm_judge\": \"[[A]]\", \"human_answer\"")
            .Replace("\"answer\": \"Tall.\"}", "\"answer\": \"Tall.\", \"score\": 3}");
        var set = Read(JudgeTask.Pair, "", withExtra);
        Assert.That(set.Examples, Has.Count.EqualTo(1));
        Assert.That(set.Warnings.Select(w => (w.File, w.Line, w.Field)), Is.EquivalentTo(new[]
        {
            ("test.jsonl", 2, "mllm_judge"), ("test.jsonl", 2, "answer1.score"),
        }));
        Assert.That(set.Warnings[0].ToString(), Does.StartWith("test.jsonl:2: field '"));
    }

    [Test]
    public void Read_ThrowsForMalformedJsonNamingTheLine()
    {
        var ex = Assert.Throws<EvalException>(() => Read(JudgeTask.Score, ScoreRow, "", "{\"id\": 3, oops"));
        Assert.That(ex!.Line, Is.EqualTo(3));
        Assert.That(ex.Path, Is.EqualTo("test.jsonl"));
        Assert.That(ex.Message, Does.StartWith("test.jsonl:3: not valid JSON"));
    }

    [Test]
    public void Read_ThrowsForMissingRequiredField()
    {
        var ex = Assert.Throws<EvalException>(() =>
            Read(JudgeTask.Score, ScoreRow.Replace("\"instruction\": \"What meal?\", ", "")));
        Assert.That(ex!.Line, Is.EqualTo(1));
        Assert.That(ex.Message, Does.Contain("missing required field 'instruction'"));
    }

    [Test]
    public void Read_ThrowsForMissingNestedAnswer()
    {
        var ex = Assert.Throws<EvalException>(() =>
            Read(JudgeTask.Pair, PairRow.Replace("\"answer\": \"Tall.\"", "\"text\": \"Tall.\"")));
        Assert.That(ex!.Message, Does.Contain("'answer1.answer'"));
    }

    [TestCase("\"human\": 7", "out of range")]
    [TestCase("\"human\": 0", "out of range")]
    [TestCase("\"human\": 3.5", "out of range")]
    [TestCase("\"human\": \"four\"", "must be an integer score")]
    [TestCase("\"human\": [4]", "must be an integer score")]
    public void Read_ThrowsForBadHumanScore(string human, string message)
    {
        var ex = Assert.Throws<EvalException>(() => Read(JudgeTask.Score, ScoreRow.Replace("\"human\": 5", human)));
        Assert.That(ex!.Message, Does.Contain(message));
        Assert.That(ex.Line, Is.EqualTo(1));
    }

    [Test]
    public void Read_ThrowsForWrongTypes()
    {
        var ex = Assert.Throws<EvalException>(() =>
            Read(JudgeTask.Score, ScoreRow.Replace("\"What meal?\"", "42")));
        Assert.That(ex!.Message, Does.Contain("'instruction' must be a string, not Number"));
        Assert.Throws<EvalException>(() => Read(JudgeTask.Score, "[1, 2]"));
        Assert.Throws<EvalException>(() => Read(JudgeTask.Batch, BatchRow
            .Replace("\"answers\": [", "\"answers\": {\"x\": [")
            .Replace("}], \"human_answer\"", "}]}, \"human_answer\"")));
    }

    [TestCase("\"D\"")]
    [TestCase("\"a\"")]
    [TestCase("\"\"")]
    public void Read_ThrowsForPairLabelOutOfRange(string label)
    {
        var ex = Assert.Throws<EvalException>(() =>
            Read(JudgeTask.Pair, PairRow.Replace("\"human_answer\": \"B\"", $"\"human_answer\": {label}")));
        Assert.That(ex!.Message, Does.Contain("out of range"));
    }

    [TestCase("CDA")]
    [TestCase("CDAE")]
    [TestCase("CDAA")]
    [TestCase("CDABE")]
    public void Read_ThrowsForBatchLabelThatIsNotAPermutation(string label)
    {
        var ex = Assert.Throws<EvalException>(() => Read(JudgeTask.Batch, BatchRow.Replace("CDAB", label)));
        Assert.That(ex!.Message, Does.Contain("not a permutation of the first 4 letters"));
    }

    [Test]
    public void Read_ThrowsForRepeatedIdNamingBothLines()
    {
        var ex = Assert.Throws<EvalException>(() => Read(JudgeTask.Score, ScoreRow, ScoreRow));
        Assert.That(ex!.Line, Is.EqualTo(2));
        Assert.That(ex.Message, Does.Contain("line 1"));
    }

    [Test]
    public void Read_ThrowsForMissingFile()
    {
        var ex = Assert.Throws<EvalException>(() => MllmJudgeReader.Read("/nonexistent/pair.jsonl", JudgeTask.Pair));
        Assert.That(ex!.Path, Is.EqualTo("/nonexistent/pair.jsonl"));
    }
}
