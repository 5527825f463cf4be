using PerceptionJudge.Data.Ppjd;
using PerceptionJudge.Data.Synthetic;
using PerceptionJudge.Tests.Shared;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.Metrics;

namespace PerceptionJudge.Training.Tests.Integration;

/// <summary>
/// The trainer end to end at toy sizes (Nano preset, 10 synthetic pairs): SFT then GRPO with LoRA writes metrics and
/// atomic checkpoints, a run stopped and resumed ends bit-identical to an uninterrupted one, and a run that never
/// updates fails.
/// </summary>
[TestFixture]
public sealed class TrainingRunTests : LibTorchFixture
{
    private string _root = "";

    [SetUp]
    public void MakeRoot() => _root = Directory.CreateTempSubdirectory("pj-train-").FullName;

    [TearDown]
    public void RemoveRoot() => Directory.Delete(_root, recursive: true);

    /// <summary>A toy run; two optimizer steps per RL step (mini-batch of 1 prompt) to exercise old log-probs.</summary>
    internal static TrainConfig Toy(string outDir, int steps, string dataDir = "") =>
        ToyTrainConfig.Create(outDir, steps, dataDir);

    [Test]
    public void SftThenGrpo_WritesMetricsAndCheckpoints()
    {
        string run = Path.Combine(_root, "run");
        using (new TrainingRun(Toy(run, 4), NullTrainingProgress.Instance).Run(resume: false))
        {
        }

        var lines = MetricsReader.Read(Path.Combine(run, TrainingRun.MetricsFile));
        Assert.That(lines.Where(l => l.Phase == "sft").Select(l => l.Step), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(lines.Where(l => l.Phase == "rl").Select(l => l.Step), Is.EqualTo(new[] { 1, 2, 3, 4 }));
        var rl = lines[^1];
        foreach (var key in new[] { "reward_mean", "reward_std", "dropped_groups", "response_length", "tokens_per_s",
            "time_rollout_s", "time_reward_s", "time_advantage_s", "time_forward_s", "time_backward_s",
            "time_update_s" })
        {
            Assert.That(rl.Values.ContainsKey(key), Is.True, key);
        }

        Assert.That(Directory.GetDirectories(Path.Combine(run, "checkpoints")).Select(Path.GetFileName),
            Is.EquivalentTo(new[] { "step-000002", "step-000004" }));
        Assert.That(File.Exists(Path.Combine(run, "checkpoints", "step-000004", "adapter", "adapter_model.safetensors")));
        Assert.That(File.Exists(Path.Combine(run, "base", "model.safetensors")));
        Assert.That(File.Exists(Path.Combine(run, "config.json")));
    }

    [Test]
    public void StoppedAndResumed_EndsBitIdenticalToOneRun()
    {
        string straight = Path.Combine(_root, "straight");
        string resumed = Path.Combine(_root, "resumed");
        using (new TrainingRun(Toy(straight, 4), NullTrainingProgress.Instance).Run(resume: false))
        {
        }

        using (new TrainingRun(Toy(resumed, 2), NullTrainingProgress.Instance).Run(resume: false))
        {
        }

        using (new TrainingRun(Toy(resumed, 4), NullTrainingProgress.Instance).Run(resume: true))
        {
        }

        foreach (var file in new[] { "adapter/adapter_model.safetensors", "optimizer.safetensors", "state.json" })
        {
            Assert.That(File.ReadAllBytes(Path.Combine(resumed, "checkpoints", "step-000004", file)),
                Is.EqualTo(File.ReadAllBytes(Path.Combine(straight, "checkpoints", "step-000004", file))), file);
        }

        var a = MetricsReader.Read(Path.Combine(straight, TrainingRun.MetricsFile));
        var b = MetricsReader.Read(Path.Combine(resumed, TrainingRun.MetricsFile));
        Assert.That(b.Select(l => (l.Phase, l.Step)), Is.EqualTo(a.Select(l => (l.Phase, l.Step))), "no duplicates");
        Assert.That(b[^1].Values["reward_mean"], Is.EqualTo(a[^1].Values["reward_mean"]));
    }

    [Test]
    public void DescribeStage_RunsBeforeTheJudgments_OnTrainingImagesOnly()
    {
        string run = Path.Combine(_root, "describe");
        var config = Toy(run, 0) with { Sft = new SftConfig { DescribeSteps = 3, Steps = 2, BatchSize = 4 } };
        using (var trainer = new TrainingRun(config, NullTrainingProgress.Instance).Run(resume: false))
        {
            var set = trainer.Samples;
            var trainImages = set.Train.Select(x => x.Record.ShownImage).ToHashSet();
            Assert.That(set.Describe.Select(x => x.Record.ShownImage), Is.Unique.And.EquivalentTo(trainImages));
            Assert.That(set.Describe.Select(x => x.Record.ShownImage).Intersect(set.Validation.Select(x => x.Record.ShownImage)), Is.Empty);
            var tokenizer = trainer.Tokenizer;
            var first = set.Describe[0];
            Assert.That(tokenizer.Decode(first.GoldIds), Is.EqualTo(first.Record.Facts![first.Record.Image] + "<|im_end|>"));
            Assert.That(tokenizer.Decode(first.PromptIds), Does.EndWith("Describe the image.<|im_end|>\n<|im_start|>assistant\n"));
        }

        var sft = MetricsReader.Read(Path.Combine(run, TrainingRun.MetricsFile)).Where(l => l.Phase == "sft").ToList();
        Assert.That(sft.Select(l => l.Step), Is.EqualTo(new[] { 1, 2, 3, 4, 5 }));
        Assert.That(sft.Select(l => l.Values.ContainsKey("describe_loss")), Is.EqualTo(new[] { true, true, true, false, false }));
        Assert.That(sft.Skip(3).All(l => l.Values.ContainsKey("sft_loss")));
    }

    [Test]
    public void DescribeStage_WithoutFacts_IsAClearError()
    {
        string data = Path.Combine(_root, "nofacts");
        PpjdBuilder.BuildSynthetic(data, 6, 3, new SceneOptions(MaxObjects: 4, WithText: false));
        string manifest = Path.Combine(data, "manifest.jsonl");
        File.WriteAllLines(manifest, File.ReadAllLines(manifest).Select(line =>
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(line)!;
            node["facts"] = null; // as an imported record
            return node.ToJsonString();
        }));
        var config = Toy(Path.Combine(_root, "nofacts-run"), 0, data) with { Sft = new SftConfig { DescribeSteps = 1 } };
        var e = Assert.Throws<TrainingException>(() => new TrainingRun(config, NullTrainingProgress.Instance)
            .Run(resume: false).Dispose());
        Assert.That(e!.Message, Does.Contain("sft.describe_steps").And.Contain("describe_steps=0"));
    }

    [Test]
    public void EmptyTaskSelection_IsAClearError()
    {
        string run = Path.Combine(_root, "empty");
        var config = Toy(run, 1) with { Data = Toy(run, 1).Data with { Tasks = ["pair"], ValFraction = 0.999 } };
        var e = Assert.Throws<TrainingException>(() => new TrainingRun(config, NullTrainingProgress.Instance)
            .Run(resume: false).Dispose());
        Assert.That(e!.Message, Does.Contain("data.val_fraction"));
    }

    [Test]
    public void ExplodingUpdate_StopsWithTheStep_AndKeepsTheLastGoodCheckpoint()
    {
        // lr 1e30: the first update makes ΔW overflow, so step 2's numbers are not finite.
        string run = Path.Combine(_root, "nan");
        var toy = Toy(run, 4);
        var config = toy with
        {
            Optim = toy.Optim with { Lr = 1e30, GradClip = 0 },
            Sft = toy.Sft with { Steps = 0 },
            Algorithm = toy.Algorithm with { DropZeroVarianceGroups = false },
            Trainer = toy.Trainer with { MiniBatchPrompts = 2 },
        };
        var e = Assert.Throws<TrainingException>(() => new TrainingRun(config, NullTrainingProgress.Instance)
            .Run(resume: false).Dispose());
        Assert.That(e!.Message, Does.Match("step [0-9]+: .*not finite").And.Contain("saved the last good state"));
        Assert.That(Directory.GetDirectories(Path.Combine(run, "checkpoints")), Is.Not.Empty);
    }

    /// <summary>
    /// The untrained judge without SFT gets reward 0 on every rollout, so every group is dropped for zero variance
    /// and every step skips its update: the run warns after 5 such steps and fails at the end, keeping the last state.
    /// </summary>
    [Test]
    public void UntrainedJudgeWithoutSft_WarnsAfterFiveSkippedSteps_AndFailsKeepingTheCheckpoint()
    {
        string run = Path.Combine(_root, "run");
        var toy = Toy(run, 6);
        var config = toy with
        {
            Sft = toy.Sft with { Steps = 0 },
            Algorithm = toy.Algorithm with { DropZeroVarianceGroups = true },
        };
        var progress = new RecordingProgress();
        var e = Assert.Throws<TrainingException>(() => new TrainingRun(config, progress).Run(resume: false).Dispose());
        Assert.That(e!.Message, Does.StartWith("none of the 6 RL steps updated the policy")
            .And.Contain("all rewards were 0").And.Contain("step-000006"));
        Assert.That(progress.Messages.Where(m => m.StartsWith("warning:", StringComparison.Ordinal)),
            Is.EqualTo(new[] { progress.Messages.Single(m => m.Contains("steps 1–5 skipped the update")) }));

        var rl = MetricsReader.Read(Path.Combine(run, TrainingRun.MetricsFile)).Where(l => l.Phase == "rl").ToList();
        Assert.That(rl.Select(l => l.Values[UpdateWatch.SkippedKey]), Is.EqualTo(Enumerable.Repeat(1.0, 6)));
        Assert.That(File.Exists(Path.Combine(run, "checkpoints", "step-000006", "state.json")), "the last state is kept");
    }

    private static IEnumerable<TestCaseData> Variants()
    {
        yield return new TestCaseData("full fine-tune", (Func<TrainConfig, TrainConfig>)(c => c with
        {
            Model = c.Model with { Finetune = "full" },
        }));
        yield return new TestCaseData("perpo", (Func<TrainConfig, TrainConfig>)(c => c with
        {
            Algorithm = c.Algorithm with { Mode = "perpo" },
        }));
        yield return new TestCaseData("perception_r1 + think", (Func<TrainConfig, TrainConfig>)(c => c with
        {
            Reward = c.Reward with { Mode = "perception_r1" },
            Rollout = c.Rollout with { ThinkPrefix = true, MaxNewTokens = 12 },
        }));
        yield return new TestCaseData("rloo + gspo + 2 epochs", (Func<TrainConfig, TrainConfig>)(c => c with
        {
            Algorithm = c.Algorithm with { AdvEstimator = "rloo", PolicyLoss = "gspo", EntropyCoeff = 0.01 },
            Trainer = c.Trainer with { PpoEpochs = 2 },
        }));
    }

    [TestCaseSource(nameof(Variants))]
    public void Variant_TrainsTwoStepsWithFiniteMetrics(string name, Func<TrainConfig, TrainConfig> change)
    {
        string run = Path.Combine(_root, "variant");
        var config = change(Toy(run, 2));
        using (new TrainingRun(config, NullTrainingProgress.Instance).Run(resume: false))
        {
        }

        var rl = MetricsReader.Read(Path.Combine(run, TrainingRun.MetricsFile)).Where(l => l.Phase == "rl").ToList();
        Assert.That(rl, Has.Count.EqualTo(2), name);
        Assert.That(rl.SelectMany(l => l.Values.Values), Has.All.Matches<double>(double.IsFinite), name);
        Assert.That(File.Exists(Path.Combine(run, "checkpoints", "step-000002", "state.json")), name);
    }

    private sealed class RecordingProgress : ITrainingProgress
    {
        public List<string> Messages { get; } = [];

        public void Start(int totalSteps, string phase)
        {
        }

        public void Report(int step, IReadOnlyDictionary<string, double> metrics)
        {
        }

        public void Message(string message) => Messages.Add(message);

        public void Finish()
        {
        }
    }
}
