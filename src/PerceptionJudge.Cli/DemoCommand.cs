using System.CommandLine;
using PerceptionJudge.Cli.Ppjd;
using PerceptionJudge.Cli.Terminal;
using PerceptionJudge.Cli.Train;
using PerceptionJudge.Training;
using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Cli;

/// <summary>
/// <c>pjudge demo</c>: the whole Perception-Judge loop on its embedded default, sized for two CPU cores: build a
/// synthetic PPJD, build the Nano judge, SFT warm-up, GRPO with LoRA and the batch-ranking reward, evaluate the
/// SFT-only judge and the GRPO judge on held-out pairs over three seeds, and write the HTML report.
/// </summary>
internal static class DemoCommand
{
    /// <summary>The sampling temperature of the before/after evaluation (the rollout's).</summary>
    private const double Temperature = 1.0;

    /// <summary>The demo's config: <see cref="DemoRecipe"/> from the committed pretrained Nano judge
    /// (<see cref="PretrainedJudge"/>, made by <c>pjudge pretrain</c> on other scenes of the same kind).</summary>
    public static TrainConfig Defaults(string outDir) => DemoRecipe.Config(PretrainedJudge.Folder, outDir);

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var outDir = new Option<string>("--out")
        {
            Description = "Folder for the demo's outputs",
            DefaultValueFactory = _ => Path.Combine("artifacts", "demo"),
        };
        var (_, set) = TrainCommand.ConfigOptions();
        var seeds = new Option<int[]>("--seeds")
        {
            Description = "Evaluation seeds",
            DefaultValueFactory = _ => [0, 1, 2],
            AllowMultipleArgumentsPerToken = true,
        };
        var readme = new Option<string?>("--readme")
        {
            Description = "Also write the closing before/after table into this file's demo-table block (README.md)",
        };
        var threads = ThreadPolicy.Create(ThreadPolicy.Deterministic);
        var demo = new Command("demo", "Run the whole loop on synthetic scenes: PPJD, GRPO with LoRA from the " +
            "pretrained judge, eval, report")
        {
            outDir, set, seeds, readme, threads,
        };
        demo.SetAction(parse =>
        {
            string dir = parse.GetValue(outDir)!;
            if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
            {
                // A rerun replaces its own earlier output, never a folder the demo did not write.
                if (!File.Exists(Path.Combine(dir, "config.json")) || !Directory.Exists(Path.Combine(dir, "ppjd")))
                {
                    stderr.WriteLine($"error: {dir} is not empty and is not an earlier demo's output " +
                        "(no config.json and ppjd/); pass an empty or new --out folder");
                    return 2;
                }

                Directory.Delete(dir, recursive: true);
            }

            var config = TrainCommand.Load(null, parse.GetValue(set), stdout, Defaults(dir));
            ThreadPolicy.Apply(parse, threads);
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using (var display = new TrainingDisplay(stdout))
            {
                new TrainingRun(config, display).Run(resume: false).Dispose();
            }

            var s = parse.GetValue(seeds)!;
            var greedy = EvalCommand.Evaluate(dir, "base", null, [0], 0.0, TextWriter.Null).Summary;
            var before = EvalCommand.Evaluate(dir, "base", null, s, Temperature, stdout);
            var after = EvalCommand.Evaluate(dir, "latest", null, s, Temperature, stdout);
            File.WriteAllText(Path.Combine(dir, "eval-base-greedy.json"), greedy.ToJson());
            File.WriteAllText(Path.Combine(dir, "eval-base.json"), before.Summary.ToJson());
            File.WriteAllText(Path.Combine(dir, "eval-latest.json"), after.Summary.ToJson());
            stdout.WriteLine("before RL (the judge GRPO starts from):");
            stdout.WriteLine(before.Summary.ToTable());
            stdout.WriteLine("after GRPO:");
            stdout.WriteLine(after.Summary.ToTable());
            string report = ReportCommand.Write(dir, null, before, after);
            string sheet = Path.Combine(dir, "contact-sheet.png");
            PpjdCommand.Preview(Path.Combine(dir, "ppjd"), sheet, 8);
            stdout.WriteLine($"report: {report}; contact sheet: {sheet}");
            string table = DemoTable.Render(k => before.Summary[k], k => after.Summary[k],
                greedy["fidelity.both_right"]?.Mean ?? double.NaN, s.Length, Temperature, clock.Elapsed.TotalMinutes);
            File.WriteAllText(Path.Combine(dir, "demo-table.md"), table);
            if (parse.GetValue(readme) is { } file)
            {
                File.WriteAllText(file, DemoTable.Splice(File.ReadAllText(file), table, file));
                stdout.WriteLine($"{file}: demo table updated");
            }

            stdout.WriteLine();
            stdout.WriteLine(table);
            return 0;
        });
        return demo;
    }
}
