namespace PerceptionJudge.Training.Config;

/// <summary>
/// The demo's recipe, one place for <c>pjudge demo</c> and the backbone benchmark's demo SFT/RL steps: the recipe's
/// defaults except what the Nano judge and the time budget need. It starts from a pretrained Nano judge (the model
/// folder passed in), as real judges start from a pretrained VLM, so there is no warm-up; 1024 scene pairs (a quarter
/// held out: 535 pair records, 488 fidelity cases) of 2–3 large shapes (radius 12–18% of the side, a few patches wide
/// in the 64-pixel input) with recolour/remove/duplicate edits; GRPO with LoRA and the batch-ranking reward at a
/// learning rate for a small model, not the 7B recipe's. 16 prompts per step, because a judge this good answers most
/// groups identically (9–16 of 16 dropped for zero reward variance), so 8 left too few groups to learn from; 200 steps
/// measured best of 60/100/200/300 (docs/experiments/2026-12-07-pretrained-base.md).
/// </summary>
public static class DemoRecipe
{
    /// <summary>The recipe starting from <paramref name="modelPath"/>, writing to <paramref name="outDir"/>.</summary>
    public static TrainConfig Config(string modelPath, string outDir) => new()
    {
        Data = new DataConfig
        {
            SyntheticPairs = 1024,
            SyntheticEdits = ["recolour", "remove", "duplicate"],
            SyntheticMinObjects = 2,
            SyntheticMaxObjects = 3,
            SyntheticMinRadius = 0.12,
            SyntheticMaxRadius = 0.18,
            SyntheticText = false,
        },
        Model = new ModelSection { Path = modelPath },
        Rollout = new RolloutConfig { ThinkPrefix = true, MaxNewTokens = 48 },
        Optim = new OptimConfig { Lr = 1e-3 },
        Sft = new SftConfig { DescribeSteps = 0, Steps = 0, BatchSize = 16, Lr = 1e-3 },
        Trainer = new TrainerConfig
        {
            Steps = 200,
            PromptsPerStep = 16,
            MiniBatchPrompts = 16,
            SaveEvery = 20,
            OutputDir = outDir,
        },
    };
}
