using System.CommandLine;
using PerceptionJudge.Eval;
using PerceptionJudge.Eval.Report;
using PerceptionJudge.Training;
using PerceptionJudge.Training.Evaluation;

namespace PerceptionJudge.Cli.Train;

/// <summary>
/// <c>pjudge report --run DIR</c>: one self-contained HTML file with the training curves (describe and SFT losses,
/// reward, KL, clip fraction, entropy, ...), the wall time per stage, the evaluation before vs after RL with a note on
/// each n/a, and example judgments of both judges side by side with their images.
/// </summary>
internal static class ReportCommand
{
    public static Command Create(TextWriter stdout)
    {
        var run = new Option<string>("--run") { Description = "Training run folder", Required = true };
        var seeds = new Option<int[]>("--seeds")
        {
            Description = "Decoding seeds of the before/after evaluation",
            DefaultValueFactory = _ => [0, 1, 2],
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string?>("--out") { Description = "HTML file (default: RUN/report.html)" };
        var report = new Command("report", "Write the HTML report of a training run") { run, seeds, output };
        report.SetAction(parse =>
        {
            string folder = parse.GetValue(run)!;
            var s = parse.GetValue(seeds)!;
            var before = EvalCommand.Evaluate(folder, "base", null, s, 1.0, stdout);
            var after = EvalCommand.Evaluate(folder, "latest", null, s, 1.0, stdout);
            string path = Write(folder, parse.GetValue(output), before, after);
            stdout.WriteLine($"report: {path}");
            return 0;
        });
        return report;
    }

    /// <summary>
    /// Writes the report of <paramref name="runFolder"/> from the evaluations of the SFT base
    /// (<paramref name="before"/>) and the GRPO judge (<paramref name="after"/>); returns its path.
    /// </summary>
    public static string Write(string runFolder, string? path,
        (EvalSummary Summary, List<JudgeOutputRow> Rows) before, (EvalSummary Summary, List<JudgeOutputRow> Rows) after)
    {
        path ??= Path.Combine(runFolder, "report.html");
        var config = Training.Config.ConfigLoader.LoadFile(Path.Combine(runFolder, "config.json"));
        string dataset = new TrainingRun(config, NullTrainingProgress.Instance).DatasetFolder;
        var examples = ReportExamples.Pick(dataset, before.Rows, after.Rows);
        HtmlReport.Write(path, new ReportInput(
            $"PerceptionJudge run {Path.GetFileName(Path.GetFullPath(runFolder))}",
            Path.Combine(runFolder, TrainingRun.MetricsFile), before.Summary, after.Summary, examples,
            examples.Count > 0 ? ReportExamples.Note(before.Rows[0].Seed) : null));
        return path;
    }
}
