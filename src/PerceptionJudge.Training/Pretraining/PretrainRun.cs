using PerceptionJudge.Kernels.Perturb;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.Metrics;

namespace PerceptionJudge.Training.Pretraining;

/// <summary>
/// <c>pjudge pretrain</c>: builds a Nano judge that perceives the synthetic scenes, as real judges start from a
/// pretrained vision-language model. Three stages, each a pure function of the config:
/// <list type="number">
/// <item><b>vision</b>: the tower learns the generator's ground truth through <see cref="PerceptionProbe"/> on
/// <see cref="PretrainConfig.VisionScenes"/> fresh scenes (seed Derive(data.synthetic_seed, <see cref="PoolSalt"/>),
/// so they are not the dataset's scenes); the result is saved as <c>vision/</c>;</item>
/// <item><b>align</b> and <b>judge</b>: a <see cref="TrainingRun"/> from <c>vision/</c> with the config's describe
/// and SFT steps and no RL steps, in <c>run/</c>; its <c>run/base/</c> is the pretrained judge.</item>
/// </list>
/// Give it a data.synthetic_seed other than the demo's, so the demo's held-out scenes stay unseen.
/// </summary>
public sealed class PretrainRun(TrainConfig config, ITrainingProgress progress)
{
    /// <summary>Mixed into data.synthetic_seed for the vision stage's scenes.</summary>
    public const ulong PoolSalt = 0x5C3E_9001;

    /// <summary>The vision stage's model folder inside the output folder.</summary>
    public const string VisionFolder = "vision";

    /// <summary>The describe + SFT run inside the output folder.</summary>
    public const string RunFolder = "run";

    private string Folder => config.Trainer.OutputDir;

    /// <summary>The SFT run's config: from the vision stage's model, no RL steps, inside the output folder.</summary>
    public TrainConfig SftConfig => config with
    {
        Model = config.Model with { Path = Path.Combine(Folder, VisionFolder) },
        Trainer = config.Trainer with { Steps = 0, OutputDir = Path.Combine(Folder, RunFolder) },
    };

    /// <summary>Runs every stage and returns the pretrained judge's folder (<c>run/base</c>).</summary>
    public string Run()
    {
        Directory.CreateDirectory(Folder);
        File.WriteAllText(Path.Combine(Folder, "config.json"), ConfigPrinter.ToJson(config));
        RunVision();
        new TrainingRun(SftConfig, progress).Run(resume: false).Dispose();
        return Path.Combine(Folder, RunFolder, TrainingRun.BaseFolder);
    }

    private void RunVision()
    {
        var d = config.Data;
        var p = config.Pretrain;
        using var model = JudgeTrainer.CreateModel(config.Model);
        var vision = model.Config.Vision ?? throw new TrainingException("model", "pretraining needs a vision tower");
        if (p.VisionSteps > 0)
        {
            progress.Message($"drawing {p.VisionScenes} fresh scene pairs for the vision stage");
            var pool = ScenePool.Create(p.VisionScenes, HashRng.Derive(d.SyntheticSeed, PoolSalt),
                TrainingRun.SyntheticScenes(d), d.SyntheticEdits, vision.ImageSize,
                vision.ImageSize / vision.PatchSize);
            using var metrics = MetricsWriter.Create(Path.Combine(Folder, "vision-metrics.jsonl"));
            progress.Start(p.VisionSteps, MetricsWriter.Vision);
            PerceptionProbe.Train(model, pool, p, config.Optim, config.Trainer.Seed, (step, values) =>
            {
                metrics.Write(step, MetricsWriter.Vision, values);
                progress.Report(step, values);
            });
            progress.Finish();
        }

        TrainingRun.SaveModel(model, Path.Combine(Folder, VisionFolder));
    }
}
