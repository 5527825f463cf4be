using System.CommandLine;
using PerceptionJudge.Eval;
using PerceptionJudge.Eval.Report;
using PerceptionJudge.Training;
using PerceptionJudge.Training.Evaluation;

namespace PerceptionJudge.Cli.Train;

/// <summary>
/// <c>pjudge report --run DIR</c>: one self-contained HTML file with the training curves (reward, KL, clipfrac,
/// entropy), the time split per phase, the evaluation before vs after RL, and example judgments with their images.
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
            string path = Write(folder, parse.GetValue(output), before.Summary, after.Summary, after.Rows);
            stdout.WriteLine($"report: {path}");
            return 0;
        });
        return report;
    }

    /// <summary>Writes the report of <paramref name="runFolder"/>; returns its path.</summary>
    public static string Write(string runFolder, string? path, EvalSummary before, EvalSummary after,
        IReadOnlyList<JudgeOutputRow> rows)
    {
        path ??= Path.Combine(runFolder, "report.html");
        var examples = rows.Where(r => r.Seed == rows[0].Seed)
            .GroupBy(r => r.Sample.Task).SelectMany(g => g.Take(2))
            .Select(r => new ExampleJudgment(r.Sample.Record.Id, ImageBytes(runFolder, r), r.Sample.Record.Question,
                r.Sample.Record.Responses, r.Sample.Label, r.Generation, r.Reward))
            .ToList();
        HtmlReport.Write(path, new ReportInput(
            $"PerceptionJudge run {Path.GetFileName(Path.GetFullPath(runFolder))}",
            Path.Combine(runFolder, TrainingRun.MetricsFile), before, after, examples));
        return path;
    }

    private static byte[]? ImageBytes(string runFolder, JudgeOutputRow row)
    {
        var config = Training.Config.ConfigLoader.LoadFile(Path.Combine(runFolder, "config.json"));
        string dataset = config.Data.Path.Length > 0 ? config.Data.Path : Path.Combine(runFolder, "ppjd");
        var r = row.Sample.Record;
        string file = Path.Combine(dataset, r.ShownImage);
        return File.Exists(file) ? File.ReadAllBytes(file) : null;
    }
}
