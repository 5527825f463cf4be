using System.CommandLine;
using PerceptionJudge.Cli.Terminal;
using PerceptionJudge.Distributed;
using PerceptionJudge.Training;
using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Cli.Train;

/// <summary>
/// <c>pjudge train [--config FILE] [--set key=value]... [--resume]</c>: GRPO (or PerPO) training of the judge with
/// the resolved config printed first. Unknown keys, bad values, an empty dataset or a NaN loss are one-line errors
/// (exit 2); the run folder keeps config.json, checkpoints and metrics.jsonl.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter stdout)
    {
        var (configFile, set) = ConfigOptions();
        var resume = new Option<bool>("--resume")
        {
            Description = "Continue from the newest complete checkpoint in trainer.output_dir",
        };
        var threads = ThreadPolicy.Create(ThreadPolicy.LibTorchDefault);
        var train = new Command("train", "Train the judge with GRPO + batch-ranking reward (LoRA or full)")
        {
            configFile, set, resume, threads,
        };
        // Under `mpirun -np K` every rank runs this: data-parallel, rank 0 prints and writes the run folder; a rank
        // that throws aborts the whole job naming itself (Communicator.Run), so no rank waits forever.
        train.SetAction(parse => Communicator.Run(communicator =>
        {
            var output = communicator.Rank == 0 ? stdout : TextWriter.Null;
            ThreadPolicy.Apply(parse, threads);
            var config = Load(parse.GetValue(configFile), parse.GetValue(set), output, BareDefaults);
            if (communicator.Size > 1)
            {
                output.WriteLine($"data-parallel: {communicator.Size} ranks ({communicator.Backend})");
            }

            using var display = new TrainingDisplay(output);
            using var trainer = new TrainingRun(config, display, communicator).Run(parse.GetValue(resume));
            output.WriteLine($"trained {trainer.Step} steps; run folder {config.Trainer.OutputDir}");
            return 0;
        }));
        return train;
    }

    /// <summary>
    /// What a bare <c>pjudge train</c> (no <c>--config</c>) runs: the demo's run (GRPO with LoRA from the pretrained
    /// Nano judge on the demo's scenes) into trainer.output_dir's default, so it learns. An untrained preset without
    /// a warm-up gets reward 0 on every rollout and never updates. A <c>--config</c> file starts from the recipe's
    /// defaults instead.
    /// </summary>
    public static TrainConfig BareDefaults => DemoCommand.Defaults(new TrainerConfig().OutputDir);

    /// <summary>The shared <c>--config</c> and <c>--set</c> options.</summary>
    public static (Option<string?> Config, Option<string[]> Set) ConfigOptions() =>
    (
        new Option<string?>("--config") { Description = "A JSON or YAML config (snake_case keys, as printed)" },
        new Option<string[]>("--set")
        {
            Description = "Override one key: --set rollout.n=8 (repeatable)",
            Arity = ArgumentArity.ZeroOrMore,
            DefaultValueFactory = _ => [],
        }
    );

    /// <summary>Loads, overrides and validates, then prints every resolved key.</summary>
    public static TrainConfig Load(string? file, string[]? overrides, TextWriter stdout, TrainConfig? defaults = null)
    {
        var config = file is null && defaults is not null
            ? ConfigLoader.ApplyOverrides(defaults, overrides ?? [])
            : ConfigLoader.Load(file, overrides ?? []);
        ConfigValidator.Validate(config, file ?? "command line");
        stdout.WriteLine("config (every key, resolved):");
        foreach (var line in ConfigPrinter.ToFlat(config))
        {
            stdout.WriteLine("  " + line);
        }

        return config;
    }
}
