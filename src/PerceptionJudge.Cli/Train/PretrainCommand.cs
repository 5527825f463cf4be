using System.CommandLine;
using System.Diagnostics;
using PerceptionJudge.Cli.Terminal;
using PerceptionJudge.Torch;
using PerceptionJudge.Training;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.Pretraining;

namespace PerceptionJudge.Cli.Train;

/// <summary>
/// <c>pjudge pretrain [--out DIR] [--set key=value]...</c>: the Nano judge that perceives the synthetic scenes
/// (<see cref="PretrainRun"/>), judged greedily on its own held-out pairs, copied to <c>DIR/model/</c> with a
/// <see cref="PretrainManifest"/>. <c>pjudge pretrain --verify DIR</c> checks a model folder against its manifest.
/// </summary>
internal static class PretrainCommand
{
    /// <summary>The seed of the pretraining scenes: any but the demo's (20261122), so its held-out scenes stay unseen.
    /// </summary>
    public const ulong Seed = 90210;

    /// <summary>
    /// The pretraining config: the demo's scene distribution (<see cref="DemoCommand.Defaults"/>) from another seed,
    /// 3000 pairs with 5% held out, the vision stage (2000 steps), 2000 describe steps and 10000 judgment steps on
    /// describe-then-judge golds, snapshots every 1000 steps.
    /// </summary>
    public static TrainConfig Defaults(string outDir)
    {
        var demo = DemoCommand.Defaults(outDir);
        return demo with
        {
            Model = new ModelSection { Path = "nano" },
            Data = demo.Data with { SyntheticPairs = 3000, SyntheticSeed = Seed, ValFraction = 0.05 },
            Sft = demo.Sft with { DescribeSteps = 2000, Steps = 10000, SaveEvery = 1000 },
            Trainer = demo.Trainer with { Steps = 0, OutputDir = outDir },
        };
    }

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var outDir = new Option<string>("--out")
        {
            Description = "Folder for the pretraining run; the model lands in OUT/model",
            DefaultValueFactory = _ => Path.Combine("artifacts", "pretrain"),
        };
        var verify = new Option<string?>("--verify")
        {
            Description = "Check a pretrained model folder's files against its manifest.json and exit",
        };
        var (_, set) = TrainCommand.ConfigOptions();
        var threads = ThreadPolicy.Create(ThreadPolicy.Deterministic);
        var pretrain = new Command("pretrain", "Pretrain a Nano judge that perceives the synthetic scenes")
        {
            outDir, set, verify, threads,
        };
        pretrain.SetAction(parse =>
        {
            if (parse.GetValue(verify) is { } folder)
            {
                var problems = PretrainManifest.Verify(folder);
                foreach (var p in problems)
                {
                    stderr.WriteLine($"error: {p}");
                }

                stdout.WriteLine(problems.Count == 0 ? $"{folder}: every file matches its manifest" : "");
                return problems.Count == 0 ? 0 : 2;
            }

            ThreadPolicy.Apply(parse, threads);
            string dir = parse.GetValue(outDir)!;
            string[] overrides = parse.GetValue(set) ?? [];
            var config = TrainCommand.Load(null, overrides, stdout, Defaults(dir));
            var clock = Stopwatch.StartNew();
            string basePath, run;
            using (var display = new TrainingDisplay(stdout))
            {
                var pretrain = new PretrainRun(config, display);
                basePath = pretrain.Run();
                run = pretrain.SftConfig.Trainer.OutputDir;
            }

            var (summary, _) = EvalCommand.Evaluate(run, "base", null, [0], 0.0, stdout);
            stdout.WriteLine("held-out, greedy:");
            stdout.WriteLine(summary.ToTable());
            string model = Path.Combine(dir, "model");
            Directory.CreateDirectory(model);
            foreach (var file in PretrainManifest.ModelFiles)
            {
                File.Copy(Path.Combine(basePath, file), Path.Combine(model, file), overwrite: true);
            }

            // --threads only when it differs from the default: another thread count gives other bits.
            int threadCount = parse.GetValue(threads);
            string[] threadArgs = threadCount == ThreadPolicy.Deterministic ? [] : ["--threads", $"{threadCount}"];
            string command = string.Join(' ', new[] { "pjudge pretrain", "--out", dir }.Concat(threadArgs)
                .Concat(overrides.SelectMany(o => new[] { "--set", o })));
            if (File.Exists(Path.Combine(config.Model.Path, PretrainManifest.FileName)))
            {
                // Continued from another pretrained model: the manifest names the whole chain that made it.
                command = PretrainManifest.Read(config.Model.Path).Command + " && " + command;
            }

            new PretrainManifest(command,
                SourceCommit(), config.Data.SyntheticSeed, clock.Elapsed.TotalMinutes,
                DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm'Z'"), PretrainManifest.Hash(model),
                HeldOut(summary)).Write(model);
            stdout.WriteLine($"pretrained judge: {model} ({clock.Elapsed.TotalMinutes:F1} min)");
            return 0;
        });
        return pretrain;
    }

    /// <summary>The figures a manifest keeps: greedy pair accuracy, fidelity, batch reward and parse failures.</summary>
    private static Dictionary<string, double> HeldOut(Eval.EvalSummary summary) =>
        new[]
        {
            "pair.accuracy_with_tie", "fidelity.both_right", "batch.ranking_reward", "batch.parse_failure_rate",
            "score.pearson",
        }
        .Where(k => summary[k] is { } m && double.IsFinite(m.Mean))
        .ToDictionary(k => k, k => summary[k]!.Mean, StringComparer.Ordinal);

    /// <summary>
    /// The commit the running binary was built from: the SDK writes it into the informational version
    /// ("1.0.0+SHA"); a build outside git has none.
    /// </summary>
    private static string SourceCommit()
    {
        string? version = typeof(PretrainCommand).Assembly
            .GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion;
        int plus = version?.IndexOf('+') ?? -1;
        return plus >= 0 ? version![(plus + 1)..] : "unknown (built outside git)";
    }
}
