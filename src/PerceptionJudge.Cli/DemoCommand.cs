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
    /// <summary>
    /// The demo's config: the recipe's defaults except what a judge trained from scratch and the time budget need:
    /// the Nano preset; 512 scene pairs of 2–3 large shapes (radius 12–18% of the side, so a shape stays a few
    /// patches wide in the 64-pixel input) with recolour/remove/duplicate edits; 1600 steps of describing the training
    /// images (short prompts, so the vision tower learns fast), then 600 SFT steps on describe-then-judge golds (the
    /// think block holds the image's facts and the key fact, then the verdict); 60 GRPO steps with LoRA at a
    /// learning rate for a small model, not the 7B recipe's.
    /// </summary>
    public static TrainConfig Defaults(string outDir) => new()
    {
        Data = new DataConfig
        {
            SyntheticPairs = 512,
            SyntheticEdits = ["recolour", "remove", "duplicate"],
            SyntheticMinObjects = 2,
            SyntheticMaxObjects = 3,
            SyntheticMinRadius = 0.12,
            SyntheticMaxRadius = 0.18,
            SyntheticText = false,
        },
        Model = new ModelSection { Path = "nano" },
        Rollout = new RolloutConfig { ThinkPrefix = true, MaxNewTokens = 48 },
        Optim = new OptimConfig { Lr = 1e-3 },
        Sft = new SftConfig { DescribeSteps = 1600, Steps = 600, BatchSize = 16, Lr = 1e-3 },
        Trainer = new TrainerConfig { Steps = 60, SaveEvery = 20, OutputDir = outDir },
    };

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
        var demo = new Command("demo", "Run the whole loop on synthetic scenes: PPJD, SFT, GRPO with LoRA, eval, report")
        {
            outDir, set, seeds,
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
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using (var display = new TrainingDisplay(stdout))
            {
                new TrainingRun(config, display).Run(resume: false).Dispose();
            }

            var s = parse.GetValue(seeds)!;
            var before = EvalCommand.Evaluate(dir, "base", null, s, 1.0, stdout);
            var after = EvalCommand.Evaluate(dir, "latest", null, s, 1.0, stdout);
            File.WriteAllText(Path.Combine(dir, "eval-base.json"), before.Summary.ToJson());
            File.WriteAllText(Path.Combine(dir, "eval-latest.json"), after.Summary.ToJson());
            stdout.WriteLine("before RL (SFT-only judge):");
            stdout.WriteLine(before.Summary.ToTable());
            stdout.WriteLine("after GRPO:");
            stdout.WriteLine(after.Summary.ToTable());
            string report = ReportCommand.Write(dir, null, before, after);
            string sheet = Path.Combine(dir, "contact-sheet.png");
            PpjdCommand.Preview(Path.Combine(dir, "ppjd"), sheet, 8);
            stdout.WriteLine($"report: {report}; contact sheet: {sheet}; {clock.Elapsed.TotalMinutes:F1} min");
            return 0;
        });
        return demo;
    }
}
