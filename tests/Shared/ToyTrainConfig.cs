using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Tests.Shared;

/// <summary>
/// The toy training run the integration tests share (linked into Training.Tests and the MPI host): Nano preset,
/// 10 synthetic pairs without text, 3 rollouts of 8 tokens, 2 SFT steps, and 2 prompts per RL step in mini-batches
/// of 1 prompt, so every RL step takes two optimizer steps and uses old log-probs. The barely warmed-up judge's
/// rewards are flat within each group, so the zero-variance filter is off (else every update is skipped and the run
/// fails, <see cref="Training.UpdateWatch"/>) and an entropy bonus of 0.1 gives the update a gradient.
/// </summary>
internal static class ToyTrainConfig
{
    public static TrainConfig Create(string outDir, int steps, string dataDir = "") => new()
    {
        Data = new DataConfig
        {
            Path = dataDir,
            SyntheticPairs = 10,
            SyntheticEdits = ["recolour", "remove", "duplicate"],
            SyntheticMaxObjects = 4,
            SyntheticText = false,
            ValFraction = 0.3,
        },
        Model = new ModelSection { Path = "nano" },
        Rollout = new RolloutConfig { N = 3, MaxNewTokens = 8 },
        Algorithm = new AlgorithmConfig { DropZeroVarianceGroups = false, EntropyCoeff = 0.1 },
        Optim = new OptimConfig { Lr = 1e-3 },
        Sft = new SftConfig { Steps = 2, BatchSize = 4 },
        Trainer = new TrainerConfig
        {
            Steps = steps,
            PromptsPerStep = 2,
            MiniBatchPrompts = 1,
            MicroBatchSequences = 2,
            SaveEvery = 2,
            KeepLast = 2,
            OutputDir = outDir,
            Seed = 5,
        },
    };
}
