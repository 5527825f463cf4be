using PerceptionJudge.Training.Pretraining;

namespace PerceptionJudge.Training.Tests.Pretraining;

/// <summary>The manifest beside a pretrained model: written, read back, and checked against the files.</summary>
[TestFixture]
public sealed class PretrainManifestTests
{
    private string _dir = "";

    [SetUp]
    public void MakeModelFolder()
    {
        _dir = Directory.CreateTempSubdirectory("pj-manifest-").FullName;
        File.WriteAllText(Path.Combine(_dir, "config.json"), "{}");
        File.WriteAllBytes(Path.Combine(_dir, "model.safetensors"), [1, 2, 3]);
    }

    [TearDown]
    public void Remove() => Directory.Delete(_dir, recursive: true);

    private PretrainManifest Make() => new("pjudge pretrain --out x", "abc", 90210, 12.34, "2026-12-07T00:00Z",
        PretrainManifest.Hash(_dir), new Dictionary<string, double> { ["fidelity.both_right"] = 0.61234 });

    [Test]
    public void WriteThenRead_KeepsEveryField()
    {
        Make().Write(_dir);
        var read = PretrainManifest.Read(_dir);
        Assert.That(read.Command, Is.EqualTo("pjudge pretrain --out x"));
        Assert.That(read.Seed, Is.EqualTo(90210UL));
        Assert.That(read.WallMinutes, Is.EqualTo(12.3));
        Assert.That(read.HeldOut["fidelity.both_right"], Is.EqualTo(0.6123));
        // SHA-256 of the three bytes 01 02 03 (sha256sum).
        Assert.That(read.Files["model.safetensors"],
            Is.EqualTo("039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81"));
        Assert.That(PretrainManifest.Verify(_dir), Is.Empty);
    }

    [Test]
    public void Verify_NamesAChangedAndAMissingFile()
    {
        Make().Write(_dir);
        File.WriteAllBytes(Path.Combine(_dir, "model.safetensors"), [1, 2, 4]);
        File.Delete(Path.Combine(_dir, "config.json"));
        var problems = PretrainManifest.Verify(_dir);
        Assert.That(problems, Has.Count.EqualTo(2));
        Assert.That(problems, Has.Some.Contains("config.json: missing"));
        Assert.That(problems, Has.Some.Contains("model.safetensors: SHA-256"));
    }

    [Test]
    public void Read_WithoutAManifest_SaysHowToMakeOne()
    {
        var e = Assert.Throws<TrainingException>(() => PretrainManifest.Read(_dir));
        Assert.That(e!.Message, Does.Contain("pjudge pretrain"));
    }
}
