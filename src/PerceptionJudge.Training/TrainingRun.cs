using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Distributed;
using PerceptionJudge.Data.Synthetic;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Training.Checkpoints;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.DataParallel;
using PerceptionJudge.Training.Grpo;
using PerceptionJudge.Training.Metrics;
using PerceptionJudge.Training.Samples;

namespace PerceptionJudge.Training;

/// <summary>
/// <c>pjudge train</c>: one run folder (trainer.output_dir) holding config.json, the dataset when it is synthetic,
/// <c>base/</c> (the judge after the SFT warm-up), <c>checkpoints/step-N/</c> and metrics.jsonl. Checkpoints are
/// written atomically every save_every RL steps and at the end; <see cref="Run"/> with resume continues from the
/// newest complete checkpoint with the same results as an uninterrupted run.
/// <para>
/// Data-parallel (a <paramref name="communicator"/> of K &gt; 1 ranks, <c>mpirun -np K pjudge train</c>): rank 0
/// alone writes config.json, the synthetic dataset, base/, checkpoints and metrics.jsonl (give the other ranks a
/// silent <paramref name="progress"/>, as <c>pjudge train</c> does); the other ranks wait at a barrier and read what
/// it wrote (the run folder must be visible to every rank). Every rank runs the same SFT warm-up on the same
/// batches, so the base is identical without communication. A resume loads the same checkpoint files on every rank
/// (checked: every rank must find the same step); since the batch and its rollout seeds are global, any K dividing
/// prompts_per_step continues the same run.
/// </para>
/// </summary>
public sealed class TrainingRun(TrainConfig config, ITrainingProgress progress, ICommunicator? communicator = null)
{
    private readonly ICommunicator _communicator = communicator ?? new SingleProcessCommunicator();

    /// <summary>The post-SFT base model folder inside the run folder.</summary>
    public const string BaseFolder = "base";

    /// <summary>Where <see cref="SftConfig.SaveEvery"/> snapshots go inside the run folder.</summary>
    public const string SnapshotFolder = "sft-snapshots";

    /// <summary>The metrics log inside the run folder.</summary>
    public const string MetricsFile = "metrics.jsonl";

    private string Folder => config.Trainer.OutputDir;

    /// <summary>The run's dataset folder: data.path, or the synthetic build inside the run folder.</summary>
    public string DatasetFolder => config.Data.Path.Length > 0 ? config.Data.Path : Path.Combine(Folder, "ppjd");

    /// <summary>The scene options of the data section's synthetic_* keys.</summary>
    public static SceneOptions SyntheticScenes(DataConfig d) =>
        new(MinObjects: d.SyntheticMinObjects, MaxObjects: d.SyntheticMaxObjects, WithText: d.SyntheticText,
            MinRadius: d.SyntheticMinRadius, MaxRadius: d.SyntheticMaxRadius);

    /// <summary>
    /// Builds the synthetic dataset if it is missing (a pure function of the data section, its images stored at
    /// data.synthetic_image_size or else <paramref name="imageSize"/>, the model's input), then loads and splits it.
    /// </summary>
    public SampleSet LoadSamples(int imageSize, int imageTokens)
    {
        var d = config.Data;
        bool missing = d.Path.Length == 0 && !File.Exists(Path.Combine(DatasetFolder, "dataset.json"));
        if (_communicator.Rank == 0 && missing)
        {
            if (Directory.Exists(DatasetFolder))
            {
                Directory.Delete(DatasetFolder, recursive: true); // an interrupted build; it is rebuilt identically
            }

            int stored = d.SyntheticImageSize > 0 ? d.SyntheticImageSize : imageSize;
            progress.Message($"building the synthetic PPJD ({d.SyntheticPairs} pairs, {stored}² images) in " +
                DatasetFolder);
            PpjdBuilder.BuildSynthetic(DatasetFolder, d.SyntheticPairs, d.SyntheticSeed,
                SyntheticScenes(d), editKinds: d.SyntheticEdits, imageSize: stored);
        }

        _communicator.Barrier(); // rank 0 has built the dataset

        return SampleSet.Load(DatasetFolder, d.Tasks.ToHashSet(StringComparer.Ordinal), d.ValFraction, imageSize,
            imageTokens, Model.Tokenizer.TokenizerLoader.For(config.Model.Path), config.Rollout.ThinkPrefix, d.SyntheticSeed,
            config.Rollout.TagResponses);
    }

    /// <summary>
    /// Runs (or resumes) the whole job and returns the trainer, still holding the trained judge. NaN/Inf in a loss
    /// stops the run after checkpointing the last good state; the <see cref="TrainingException"/> names the step.
    /// Five consecutive steps without an update warn through the progress sink, and a run whose RL steps never
    /// updated the policy fails after its last checkpoint (<see cref="UpdateWatch"/>).
    /// </summary>
    public JudgeTrainer Run(bool resume)
    {
        DataParallelPlan.Validate(config, _communicator.Size);
        bool writer = _communicator.Rank == 0;
        if (writer)
        {
            Directory.CreateDirectory(Folder);
            File.WriteAllText(Path.Combine(Folder, "config.json"), ConfigPrinter.ToJson(config));
        }

        var preset = JudgeTrainer.CreateModelConfig(config.Model);
        var vision = preset.Vision ?? throw new TrainingException("model", "the judge needs a vision tower");
        var trainer = new JudgeTrainer(config, LoadSamples(vision.ImageSize, vision.NumPatches), _communicator);
        try
        {
            var store = new CheckpointStore(Folder, config.Trainer.KeepLast, progress.Message);
            string metricsPath = Path.Combine(Folder, MetricsFile);
            string basePath = Path.Combine(Folder, BaseFolder);
            JudgeState? state = null;
            string? checkpoint = null;
            if (resume && store.TryLatest(out string folder, out _))
            {
                (state, checkpoint) = (JudgeState.Read(folder), folder);
            }

            bool haveBase = resume && File.Exists(Path.Combine(basePath, "config.json"));
            CheckSameStartOnEveryRank(state?.Step ?? -1, haveBase);
            using var metrics = !writer ? null : resume
                ? MetricsWriter.Resume(metricsPath, haveBase ? MetricsWriter.Rl : MetricsWriter.Sft, state?.Step ?? 0)
                : MetricsWriter.Create(metricsPath);
            if (haveBase)
            {
                using var saved = VisionLanguageModel.FromPretrained(basePath);
                JudgeState.CopyWeights(saved, trainer.Model);
                progress.Message($"resuming: the SFT base from {basePath}");
            }
            else
            {
                RunSft(trainer, metrics, basePath);
            }

            var policy = trainer.StartRl();
            if (state is not null)
            {
                state.Restore(checkpoint!, policy);
                trainer.RestorePosition(state);
                progress.Message($"resumed from {checkpoint} (step {state.Step})");
            }

            RunRl(trainer, store, metrics);
            _communicator.Barrier(); // rank 0's last checkpoint is in place before any rank returns
            return trainer;
        }
        catch
        {
            trainer.Dispose();
            throw;
        }
    }

    /// <summary>Every rank must resume from the same checkpoint and base (a collective; nothing with one rank).
    /// </summary>
    private void CheckSameStartOnEveryRank(int step, bool haveBase)
    {
        int size = _communicator.Size;
        if (size == 1)
        {
            return;
        }

        var all = new int[2 * size];
        _communicator.AllGather([step, haveBase ? 1 : 0], all);
        for (int rank = 1; rank < size; rank++)
        {
            if (all[2 * rank] != all[0] || all[2 * rank + 1] != all[1])
            {
                throw new TrainingException(Folder,
                    $"rank {rank} would resume from step {all[2 * rank]} (base: {all[2 * rank + 1] == 1}) but rank 0 " +
                    $"from step {all[0]} (base: {all[1] == 1}); every rank must see the same run folder (put " +
                    "trainer.output_dir on a file system shared by every host)");
            }
        }
    }

    private void RunSft(JudgeTrainer trainer, MetricsWriter? metrics, string basePath)
    {
        if (config.Sft.Steps + config.Sft.DescribeSteps == 0)
        {
            return;
        }

        progress.Start(config.Sft.DescribeSteps + config.Sft.Steps, MetricsWriter.Sft);
        try
        {
            int every = config.Sft.SaveEvery;
            trainer.RunSft((step, values) =>
            {
                metrics?.Write(step, MetricsWriter.Sft, values);
                progress.Report(step, values);
                if (every > 0 && step % every == 0 && _communicator.Rank == 0)
                {
                    SaveModel(trainer.Model, Path.Combine(Folder, SnapshotFolder, $"step-{step}"));
                }
            });
        }
        catch (NonFiniteException e)
        {
            throw new TrainingException($"SFT step {e.Step}: {e.What}; nothing was saved (the warm-up is not " +
                "checkpointed). Lower sft.lr or raise optim.grad_clip and run again", e);
        }

        progress.Finish();
        if (_communicator.Rank > 0)
        {
            return; // every rank holds the same base; rank 0 saves it
        }

        SaveModel(trainer.Model, basePath);
        progress.Message($"SFT base saved to {basePath}");
    }

    /// <summary>Writes <paramref name="model"/> to <paramref name="folder"/> atomically: a temporary folder, then a
    /// rename over the old one.</summary>
    public static void SaveModel(VisionLanguageModel model, string folder)
    {
        string temp = folder + ".tmp";
        if (Directory.Exists(temp))
        {
            Directory.Delete(temp, recursive: true);
        }

        model.SavePretrained(temp);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        Directory.Move(temp, folder);
    }

    private void RunRl(JudgeTrainer trainer, CheckpointStore store, MetricsWriter? metrics)
    {
        var t = config.Trainer;
        progress.Start(t.Steps, MetricsWriter.Rl);
        int saved = trainer.Step;
        string savedFolder = "";
        var watch = new UpdateWatch();
        while (trainer.Step < t.Steps)
        {
            Dictionary<string, double> values;
            try
            {
                values = trainer.RunRlStep();
            }
            catch (NonFiniteException e)
            {
                int step = trainer.Step + 1; // the trainer went back to its last completed step
                string where = e.WeightsChanged
                    ? $"an earlier mini-batch of the step had updated the weights, so the last good checkpoint is " +
                      $"step {saved}"
                    : $"saved the last good state as {Save(trainer, store, trainer.Step)}";
                throw new TrainingException(
                    $"step {step}: {e.What}; {where}. Lower optim.lr or raise optim.grad_clip and resume", e);
            }

            metrics?.Write(trainer.Step, MetricsWriter.Rl, values);
            progress.Report(trainer.Step, values);
            if (watch.Observe(trainer.Step, values) is { } warning)
            {
                progress.Message(warning);
            }

            if (t.SaveEvery > 0 && trainer.Step % t.SaveEvery == 0 || trainer.Step == t.Steps)
            {
                savedFolder = Save(trainer, store, trainer.Step);
                saved = trainer.Step;
            }
        }

        progress.Finish();
        watch.ThrowIfNeverUpdated($"the state is saved as {savedFolder}");
    }

    private string Save(JudgeTrainer trainer, CheckpointStore store, int step)
    {
        var state = trainer.State() with { Step = step };
        if (_communicator.Rank > 0)
        {
            return store.Folder; // rank 0 writes the (identical) state
        }

        string folder = store.Save(step, f => state.Write(f, trainer.Policy!));
        progress.Message($"checkpoint {folder}");
        return folder;
    }
}
