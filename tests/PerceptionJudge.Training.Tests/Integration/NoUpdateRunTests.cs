using PerceptionJudge.Tests.Shared;
using PerceptionJudge.Training.Metrics;

namespace PerceptionJudge.Training.Tests.Integration;

/// <summary>
/// A run that never updates does not report success: the untrained Nano judge without SFT gets reward 0 on every
/// rollout, so every group is dropped for zero variance and every step skips its update; the run warns after 5 such
/// steps and fails at the end, with the last state checkpointed.
/// </summary>
[TestFixture]
public sealed class NoUpdateRunTests : LibTorchFixture
{
    private string _root = "";

    [SetUp]
    public void MakeRoot() => _root = Directory.CreateTempSubdirectory("pj-noupdate-").FullName;

    [TearDown]
    public void RemoveRoot() => Directory.Delete(_root, recursive: true);

    [Test]
    public void UntrainedJudgeWithoutSft_WarnsAfterFiveSkippedSteps_AndFailsKeepingTheCheckpoint()
    {
        string run = Path.Combine(_root, "run");
        var toy = ToyTrainConfig.Create(run, 6);
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
