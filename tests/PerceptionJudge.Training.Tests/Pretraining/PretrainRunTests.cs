using PerceptionJudge.Tests.Shared;
using PerceptionJudge.Training.Config;
using PerceptionJudge.Training.Pretraining;

namespace PerceptionJudge.Training.Tests.Pretraining;

/// <summary><c>pjudge pretrain</c>'s stages end to end at toy sizes: a pure function of the config.</summary>
[TestFixture]
public sealed class PretrainRunTests : LibTorchFixture
{
    private static TrainConfig Toy(string dir)
    {
        var toy = ToyTrainConfig.Create(dir, 0);
        return toy with
        {
            Rollout = toy.Rollout with { ThinkPrefix = true },
            Sft = toy.Sft with { DescribeSteps = 3, Steps = 3 },
            Pretrain = new PretrainConfig { VisionSteps = 4, VisionBatchSize = 8, VisionScenes = 12 },
        };
    }

    [Test]
    public void TwoRuns_OfTheSameConfig_GiveTheSameModelFiles()
    {
        string root = Directory.CreateTempSubdirectory("pj-pretrain-").FullName;
        try
        {
            string a = new PretrainRun(Toy(Path.Combine(root, "a")), NullTrainingProgress.Instance).Run();
            string b = new PretrainRun(Toy(Path.Combine(root, "b")), NullTrainingProgress.Instance).Run();
            Assert.That(File.Exists(Path.Combine(root, "a", PretrainRun.VisionFolder, "model.safetensors")), Is.True);
            Assert.That(File.ReadAllLines(Path.Combine(root, "a", "vision-metrics.jsonl")), Has.Length.EqualTo(4));
            Assert.That(PretrainManifest.Hash(b)["model.safetensors"],
                Is.EqualTo(PretrainManifest.Hash(a)["model.safetensors"]));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
