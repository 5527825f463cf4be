using System.CommandLine;
using PerceptionJudge.Eval.Input;
using PerceptionJudge.Eval.Judgments;

namespace PerceptionJudge.Cli.Train;

/// <summary>
/// <c>pjudge eval judgments --task score|pair|batch --human HUMAN.jsonl --judgments JUDGE.jsonl [--out OUT.json]</c>:
/// scores judgments recorded elsewhere (an API model, a served judge, a published MLLM-as-a-Judge results file)
/// against the benchmark's human labels with the metrics <c>pjudge eval</c> uses (<see cref="JudgmentScoring"/>);
/// prints the table and, with <c>--out</c>, writes the JSON. It runs no model.
/// </summary>
internal static class EvalJudgmentsCommand
{
    public static Command Create(TextWriter stdout)
    {
        var task = new Option<string>("--task") { Description = "score, pair or batch", Required = true };
        task.AcceptOnlyFromAmong("score", "pair", "batch");
        var human = new Option<string>("--human")
        {
            Description = "Human labels: MLLM-as-a-Judge Dataset/Benchmark/{score,pair,batch}.jsonl",
            Required = true,
        };
        var judgments = new Option<string>("--judgments")
        {
            Description = "A judge's recorded outputs (verdict under result.judge), e.g. Dataset/raw_data/step3/Pair/…",
            Required = true,
        };
        var output = new Option<string?>("--out") { Description = "Write the scores as JSON here" };
        var command = new Command("judgments",
            "Score a judge's recorded judgments against the human labels (no model is run)")
        {
            task, human, judgments, output,
        };
        command.SetAction(parse =>
        {
            var report = JudgmentScoring.Score(MllmJudgeReader.ParseTask(parse.GetValue(task)!, "--task"),
                parse.GetValue(human)!, parse.GetValue(judgments)!);
            stdout.Write(report.ToTable());
            if (parse.GetValue(output) is { } path)
            {
                File.WriteAllText(path, report.ToJson());
                stdout.WriteLine($"scores: {path}");
            }

            return 0;
        });
        return command;
    }
}
