using PerceptionJudge.Model.Nn;
using PerceptionJudge.Tests.Shared;

namespace PerceptionJudge.Training.Tests.Integration;

/// <summary><c>sft.save_every</c>: a long warm-up leaves model snapshots that load, the last equal to the base.</summary>
[TestFixture]
public sealed class SftSnapshotTests : LibTorchFixture
{
    [Test]
    public void SaveEvery_WritesLoadableSnapshots_TheLastEqualToTheBase()
    {
        string root = Directory.CreateTempSubdirectory("pj-snap-").FullName;
        try
        {
            var toy = ToyTrainConfig.Create(Path.Combine(root, "run"), 0);
            var config = toy with { Sft = toy.Sft with { Steps = 4, SaveEvery = 2 } };
            using (new TrainingRun(config, NullTrainingProgress.Instance).Run(resume: false))
            {
            }

            string snapshots = Path.Combine(root, "run", TrainingRun.SnapshotFolder);
            Assert.That(Directory.GetDirectories(snapshots).Select(Path.GetFileName).Order(),
                Is.EqualTo(new[] { "step-2", "step-4" }));
            using var last = VisionLanguageModel.FromPretrained(Path.Combine(snapshots, "step-4"));
            using var saved = VisionLanguageModel.FromPretrained(Path.Combine(root, "run", TrainingRun.BaseFolder));
            Assert.That(last.Model.EmbedTokens.Weight.ToArray<float>(),
                Is.EqualTo(saved.Model.EmbedTokens.Weight.ToArray<float>()));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
