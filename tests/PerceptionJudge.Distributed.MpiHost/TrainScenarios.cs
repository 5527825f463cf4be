using System.Diagnostics;
using PerceptionJudge.Training;
using PerceptionJudge.Tests.Shared;
using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Distributed.MpiHost;

/// <summary>
/// Data-parallel training scenarios: a toy <see cref="TrainingRun"/> (Nano preset, 10 synthetic pairs, the
/// Training tests' toy sizes) on every rank. Arguments: the run folder and the RL steps. The test launches the same
/// run with 1 and 2 ranks and compares the run folders.
/// </summary>
internal static class TrainScenarios
{
    /// <summary>
    /// 2 prompts per step (1 per rank at K = 2), 3 rollouts each, 2 optimizer steps per RL step. An untrained toy
    /// judge earns reward 0 everywhere, so <see cref="ToyTrainConfig"/> keeps the groups and adds an entropy bonus
    /// (then the KL term, once the adapters move) that gives every token a gradient, which exercises the global
    /// token-mean normaliser and the gradient sum. Micro-batches of one row keep every row's forward the same
    /// shape in both runs: a row padded beside another prompt rounds differently (~1e-7), and AdamW's normalised step
    /// turns that into up to ~1e-6 on elements whose gradient nearly cancels (measured 1.5e-6 with 2-row
    /// micro-batches); with one row the runs differ only in the order gradients are summed.
    /// </summary>
    internal static TrainConfig Toy(string outDir, int steps)
    {
        var toy = ToyTrainConfig.Create(outDir, steps);
        return toy with
        {
            Trainer = toy.Trainer with { MicroBatchSequences = 1, SaveEvery = steps },
        };
    }

    /// <summary>Trains the toy run in args[0] for args[1] steps (args[2] = "resume": continues the run there); rank 0
    /// prints each RL step's time.</summary>
    internal static void Train(ICommunicator c, string[] args) =>
        Run(c, args, c.Rank == 0 ? new StepPrinter() : NullTrainingProgress.Instance);

    /// <summary>As <see cref="Train"/>, but rank 1 SIGKILLs itself after RL step 1, while rank 0 goes on.</summary>
    internal static void TrainKilled(ICommunicator c, string[] args) =>
        Run(c, args, c.Rank == 1 ? new KillAfterFirstStep() : NullTrainingProgress.Instance);

    /// <summary>As <see cref="Train"/>, but rank 1 throws after RL step 1.</summary>
    internal static void TrainThrows(ICommunicator c, string[] args) =>
        Run(c, args, c.Rank == 1 ? new ThrowAfterFirstStep() : NullTrainingProgress.Instance);

    private static void Run(ICommunicator c, string[] args, ITrainingProgress progress)
    {
        Check.That(args.Length is 2 or 3, c, "train scenarios take: <run folder> <steps> [resume]");
        bool resume = args.Length == 3 && args[2] == "resume";
        using var trainer = new TrainingRun(Toy(args[0], int.Parse(args[1])), progress, c).Run(resume);
        Check.That(trainer.Step == int.Parse(args[1]), c, $"trained {trainer.Step} steps");
    }

    private class Silent : ITrainingProgress
    {
        protected string Phase { get; private set; } = "";

        public void Start(int totalSteps, string phase) => Phase = phase;

        public virtual void Report(int step, IReadOnlyDictionary<string, double> metrics)
        {
        }

        public void Message(string message)
        {
        }

        public void Finish()
        {
        }
    }

    private sealed class StepPrinter : Silent
    {
        public override void Report(int step, IReadOnlyDictionary<string, double> metrics)
        {
            if (Phase == "rl")
            {
                Console.WriteLine($"rl step {step} time_step_s {metrics["time_step_s"]:R}");
            }
        }
    }

    private sealed class KillAfterFirstStep : Silent
    {
        public override void Report(int step, IReadOnlyDictionary<string, double> metrics)
        {
            if (Phase == "rl" && step == 1)
            {
                Console.WriteLine($"rank 1 SIGKILL at unix-ms {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}");
                Console.Out.Flush();
                Process.GetCurrentProcess().Kill(); // SIGKILL on Linux
            }
        }
    }

    private sealed class ThrowAfterFirstStep : Silent
    {
        public override void Report(int step, IReadOnlyDictionary<string, double> metrics)
        {
            if (Phase == "rl" && step == 1)
            {
                throw new InvalidOperationException("scenario train-throws: rank 1 fails after RL step 1");
            }
        }
    }
}
