using PerceptionJudge.Cli.Train;
using PerceptionJudge.Training.Pretraining;

namespace PerceptionJudge.Cli.Tests.Train;

/// <summary>The committed pretrained Nano judge the demo starts from matches its manifest.</summary>
[TestFixture]
public sealed class PretrainedJudgeTests
{
    [Test]
    public void CommittedModel_MatchesItsManifest_AndIsTheDemoDefault()
    {
        string folder = PretrainedJudge.Folder;
        Assert.That(PretrainManifest.Verify(folder), Is.Empty, $"{folder} differs from its manifest.json");
        var manifest = PretrainManifest.Read(folder);
        Assert.That(manifest.Command, Does.StartWith("pjudge pretrain"));
        Assert.That(manifest.Seed, Is.Not.EqualTo(DemoCommand.Defaults("x").Data.SyntheticSeed),
            "the pretraining scenes must not be the demo's");
        Assert.That(manifest.HeldOut, Does.ContainKey("fidelity.both_right"));
        Assert.That(DemoCommand.Defaults("x").Model.Path, Is.EqualTo(folder));
    }

    [Test]
    public void Verify_OnTheCommandLine_ExitsZeroForTheCommittedModel()
    {
        var r = Support.CliRun.Run("pretrain", "--verify", PretrainedJudge.Folder);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        Assert.That(r.Stdout, Does.Contain("every file matches its manifest"));
    }
}
