using PerceptionJudge.Model.Lora;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Model.Tokenizer;
using PerceptionJudge.Training.Checkpoints;
using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Training;

/// <summary>A judge loaded from a run folder; disposing frees the model and its adapters.</summary>
/// <param name="Model">The model (adapters injected when the checkpoint has them).</param>
/// <param name="Lora">The adapters, or null.</param>
/// <param name="Config">The run's config.</param>
/// <param name="Source">What was loaded, for printing.</param>
/// <param name="Tokenizer">The tokenizer of the run's model.path (<see cref="TokenizerLoader.For"/>).</param>
public sealed record LoadedJudge(
    VisionLanguageModel Model, LoraModel? Lora, TrainConfig Config, string Source, Tokenizer Tokenizer)
    : IDisposable
{
    /// <inheritdoc/>
    public void Dispose()
    {
        Lora?.Dispose();
        Model.Dispose();
    }
}

/// <summary>Loads the judge of a <see cref="TrainingRun"/> folder: the SFT base, or the base plus the newest RL
/// checkpoint.</summary>
public static class JudgeLoader
{
    /// <summary>
    /// <paramref name="which"/> = "base" (the judge before RL: the SFT base, or the untrained preset when there was
    /// no warm-up) or "latest" (base + the newest complete checkpoint). Errors name the folder and what is missing.
    /// </summary>
    public static LoadedJudge Load(string runFolder, string which)
    {
        string configPath = Path.Combine(runFolder, "config.json");
        if (!File.Exists(configPath))
        {
            throw new TrainingException(runFolder, "is not a training run folder (no config.json); run `pjudge train`");
        }

        var config = ConfigLoader.LoadFile(configPath);
        var tokenizer = TokenizerLoader.For(config.Model.Path);
        string basePath = Path.Combine(runFolder, TrainingRun.BaseFolder);
        var model = File.Exists(Path.Combine(basePath, "config.json"))
            ? VisionLanguageModel.FromPretrained(basePath)
            : JudgeTrainer.CreateModel(config.Model);
        string source = File.Exists(Path.Combine(basePath, "config.json")) ? basePath : $"preset {config.Model.Path}";
        try
        {
            if (which == "base")
            {
                return new LoadedJudge(model, null, config, source, tokenizer);
            }

            if (which != "latest")
            {
                throw new TrainingException("--checkpoint", $"must be base or latest, got '{which}'");
            }

            var store = new CheckpointStore(runFolder, config.Trainer.KeepLast);
            if (!store.TryLatest(out string folder, out _))
            {
                throw new TrainingException(runFolder, "has no complete checkpoint; train first or use --checkpoint base");
            }

            string adapter = Path.Combine(folder, JudgeState.AdapterFolder);
            if (Directory.Exists(adapter))
            {
                return new LoadedJudge(model, PeftAdapter.Load(model, adapter), config, folder, tokenizer);
            }

            using var full = VisionLanguageModel.FromPretrained(Path.Combine(folder, JudgeState.ModelFolder));
            JudgeState.CopyWeights(full, model);
            return new LoadedJudge(model, null, config, folder, tokenizer);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
