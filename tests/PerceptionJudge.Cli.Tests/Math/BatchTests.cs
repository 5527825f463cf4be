using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Tests.Support;

namespace PerceptionJudge.Cli.Tests.Math;

[TestFixture]
public sealed class BatchTests
{
    private TempDir _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDir();

    [TearDown]
    public void TearDown() => _dir.Delete();

    private (CliResult Result, string[] Lines) Batch(params string[] lines)
    {
        string input = _dir.File("cases.jsonl", string.Join("\n", lines) + "\n");
        string output = _dir.File("out.jsonl");
        var r = CliRun.Run(TestOps.Table(), "math", "batch", "--input", input, "--output", output);
        string[] outLines = File.Exists(output) ? File.ReadAllLines(output) : [];
        return (r, outLines);
    }

    [Test]
    public void Batch_AllGoodExitsZeroOneLinePerCase()
    {
        var (r, lines) = Batch(
            """{"op": "scale", "input": {"x": [[1, 2]]}}""",
            """{"op": "group_size", "input": {"index": ["a", "b", "a"]}}""");
        Assert.That((r.ExitCode, r.Stdout, r.Stderr), Is.EqualTo((0, "", "")));
        Assert.That(lines, Is.EqualTo(new[] { """{"y":[[2,4]]}""", """{"sizes":[2,1,2]}""" }));
    }

    [Test]
    public void Batch_FailingLinesGiveErrorObjectsAndTheRestStillRun()
    {
        var (r, lines) = Batch(
            """{"op": "scale", "input": {"x": [[1], [2, 3]]}}""",
            "",
            """{"op": "nope", "input": {}}""",
            "   ",
            """{"op": "scale", "input": {"x": [[5]], "factor": 0.5}}""",
            "not json",
            """[1, 2]""",
            """{"op": "scale"}""",
            """{"op": "scale", "input": {"x": [["Infinity"]]}}""",
            """{"op": "scale", "input": [], "extra": 1}""");
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.StderrLines, Is.EqualTo(new[]
        {
            "error: 7 of 8 lines failed; first: line 1: x[1]: row has 2 columns, expected 1",
        }));
        string[] errors = [.. lines.Select(l => JsonNode.Parse(l)!["error"]?.GetValue<string>() ?? "")];
        Assert.That(errors, Has.Length.EqualTo(8));
        Assert.That(errors[0], Is.EqualTo("line 1: x[1]: row has 2 columns, expected 1"));
        Assert.That(errors[1], Does.StartWith("line 3: op: unknown name 'nope'; valid names: buggy, group_size"));
        Assert.That(lines[2], Is.EqualTo("""{"y":[[2.5]]}"""));
        Assert.That(errors[3], Does.StartWith("line 6: line: invalid JSON: "));
        Assert.That(errors[4], Is.EqualTo("line 7: line: expected a JSON object, got an array"));
        Assert.That(errors[5], Is.EqualTo("line 8: input: missing required field"));
        Assert.That(errors[6], Is.EqualTo("line 9: x[0]: value Infinity at column 0 is not finite"));
        Assert.That(errors[7], Is.EqualTo("line 10: extra: unknown field; valid fields: op, input"));
    }

    [Test]
    public void Batch_InternalErrorIsNotSwallowed()
    {
        var (r, _) = Batch("""{"op": "scale", "input": {"x": [[1]]}}""", """{"op": "buggy", "input": {}}""");
        Assert.That(r.ExitCode, Is.EqualTo(1));
        Assert.That(r.Stderr, Does.Contain("invariant broken"));
    }

    [Test]
    public void Batch_EmptyFileWritesEmptyOutputAndExitsZero()
    {
        var (r, lines) = Batch("");
        Assert.That(r.ExitCode, Is.EqualTo(0));
        Assert.That(lines, Is.Empty);
    }

    [Test]
    public void Batch_RequiresOutput()
    {
        string input = _dir.File("cases.jsonl", "");
        var r = CliRun.Run(TestOps.Table(), "math", "batch", "--input", input);
        Assert.That((r.ExitCode, r.StderrLines.Single()), Is.EqualTo((2, "error: Option '--output' is required.")));
    }
}
