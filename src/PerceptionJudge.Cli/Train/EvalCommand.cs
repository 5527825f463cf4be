using System.CommandLine;
using PerceptionJudge.Eval;
using PerceptionJudge.Training;
using PerceptionJudge.Training.Rollout;
using PerceptionJudge.Training.Samples;

namespace PerceptionJudge.Cli.Train;

/// <summary>
/// <c>pjudge eval --run DIR</c>: the MLLM-as-a-Judge metrics of a trained judge (the SFT base or the newest
/// checkpoint) on its run's validation split or on another PPJD folder, averaged over <c>--seeds</c>; the summary is
/// printed as a table and written as JSON.
/// </summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter stdout)
    {
        var run = new Option<string>("--run") { Description = "Training run folder", Required = true };
        var which = new Option<string>("--checkpoint")
        {
            Description = "base (before RL) or latest",
            DefaultValueFactory = _ => "latest",
        };
        var data = new Option<string?>("--data")
        {
            Description = "A PPJD folder to judge (all of it); default: the run's validation split",
        };
        var seeds = new Option<int[]>("--seeds")
        {
            Description = "Decoding seeds to average over",
            DefaultValueFactory = _ => [0, 1, 2],
            AllowMultipleArgumentsPerToken = true,
        };
        var temperature = new Option<double>("--temperature")
        {
            Description = "Sampling temperature (0 = greedy, the same for every seed)",
            DefaultValueFactory = _ => 1.0,
        };
        var mllm = new Option<string?>("--mllm") { Description = "MLLM-as-a-Judge JSONL to judge instead of PPJD" };
        var task = new Option<string>("--task")
        {
            Description = "Task of the --mllm file: score, pair or batch",
            DefaultValueFactory = _ => "pair",
        };
        var images = new Option<string>("--images")
        {
            Description = "Folder the --mllm file's image paths are relative to",
            DefaultValueFactory = _ => ".",
        };
        var output = new Option<string?>("--out") { Description = "Summary JSON (default: RUN/eval-CHECKPOINT.json)" };
        var eval = new Command("eval", "Evaluate a trained judge (Pearson, pair accuracy, Levenshtein, fidelity)")
        {
            run, which, data, mllm, task, images, seeds, temperature, output,
        };
        eval.Add(EvalJudgmentsCommand.Create(stdout));
        eval.SetAction(parse =>
        {
            string folder = parse.GetValue(run)!;
            string checkpoint = parse.GetValue(which)!;
            var summary = parse.GetValue(mllm) is { } file
                ? EvaluateMllm(folder, checkpoint, file, parse.GetValue(task)!, parse.GetValue(images)!,
                    parse.GetValue(seeds)!, parse.GetValue(temperature), stdout)
                : Evaluate(folder, checkpoint, parse.GetValue(data), parse.GetValue(seeds)!,
                    parse.GetValue(temperature), stdout).Summary;
            string path = parse.GetValue(output) ?? Path.Combine(folder, $"eval-{checkpoint}.json");
            File.WriteAllText(path, summary.ToJson());
            stdout.WriteLine(summary.ToTable());
            stdout.WriteLine($"summary: {path}");
            return 0;
        });
        return eval;
    }

    /// <summary>The judge of <paramref name="runFolder"/> on an MLLM-as-a-Judge file.</summary>
    public static EvalSummary EvaluateMllm(string runFolder, string checkpoint, string file, string task,
        string imageFolder, IReadOnlyList<int> seeds, double temperature, TextWriter stdout)
    {
        using var judge = JudgeLoader.Load(runFolder, checkpoint);
        stdout.WriteLine($"judge: {judge.Source}");
        var vision = judge.Model.Config.Vision!;
        var (examples, samples) = MllmJudgeSamples.Load(file, task, imageFolder, vision.ImageSize, vision.NumPatches,
            judge.Config.Rollout.ThinkPrefix, judge.Tokenizer, stdout);
        var engine = new RolloutEngine(judge.Model, judge.Tokenizer);
        var predictions = seeds.SelectMany(seed => Training.Evaluation.JudgeRun
                .Run(engine, samples, judge.Config.Rollout.MaxNewTokens, temperature, (ulong)seed)
                .Select(r => new JudgePrediction(r.Sample.Record.Id, seed, r.Generation)))
            .ToList();
        return JudgeEvaluator.EvaluateSeeds(examples, predictions);
    }

    /// <summary>Loads the judge of <paramref name="runFolder"/> and evaluates it.</summary>
    public static (EvalSummary Summary, List<Training.Evaluation.JudgeOutputRow> Rows) Evaluate(
        string runFolder, string checkpoint, string? dataFolder, IReadOnlyList<int> seeds, double temperature,
        TextWriter stdout)
    {
        using var judge = JudgeLoader.Load(runFolder, checkpoint);
        stdout.WriteLine($"judge: {judge.Source}");
        var vision = judge.Model.Config.Vision!;
        var run = new TrainingRun(
            dataFolder is null ? judge.Config : judge.Config with { Data = judge.Config.Data with { Path = dataFolder } },
            NullTrainingProgress.Instance);
        var set = run.LoadSamples(vision.ImageSize, vision.NumPatches);
        var samples = dataFolder is null ? set.Validation : [.. set.Train, .. set.Validation];
        var engine = new RolloutEngine(judge.Model, judge.Tokenizer);
        return JudgeEvaluation.Run(engine, samples, seeds, judge.Config.Rollout.MaxNewTokens, temperature);
    }
}
