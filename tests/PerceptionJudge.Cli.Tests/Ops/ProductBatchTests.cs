using System.Text.Json.Nodes;
using PerceptionJudge.Cli.Tests.Support;

namespace PerceptionJudge.Cli.Tests.Ops;

/// <summary><c>pjudge math batch</c> over product ops: kernel errors become error lines; the rest run.</summary>
[TestFixture]
public sealed class ProductBatchTests
{
    [Test]
    public void Batch_MixesOpsAndReportsKernelErrorsPerLine()
    {
        var dir = new TempDir();
        try
        {
            string[] cases =
            [
                """{"op": "trl_advantage", "input": {"rewards": [1, 0], "index": ["a", "a"], """ +
                    """ "scale_rewards": "none"}}""",
                "",
                """{"op": "advantage", "input": {"estimator": "grpo", "token_level_rewards": [["Infinity"]], """ +
                    """ "response_mask": [[1]], "index": [0]}}""",
                """{"op": "entropy", "input": {"logits": [[[0, 0]]]}}""",
            ];
            string input = dir.File("cases.jsonl", string.Join("\n", cases));
            string output = dir.File("out.jsonl");
            var r = CliRun.Run("math", "batch", "--input", input, "--output", output);
            Assert.That(r.ExitCode, Is.EqualTo(2));
            string[] lines = File.ReadAllLines(output);
            Assert.That(lines, Has.Length.EqualTo(3));
            Assert.That(JsonNode.Parse(lines[0])!["advantages"]!.ToJsonString(), Is.EqualTo("[0.5,-0.5]"));
            Assert.That(JsonNode.Parse(lines[1])!["error"]!.GetValue<string>(),
                Does.StartWith("line 3: token_level_rewards[0]: "));
            Assert.That(JsonNode.Parse(lines[2])!["entropy"]![0]![0]!.GetValue<double>(),
                Is.EqualTo(System.Math.Log(2)).Within(1e-6));
        }
        finally
        {
            dir.Delete();
        }
    }
}
