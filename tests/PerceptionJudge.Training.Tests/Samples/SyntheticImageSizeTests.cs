using PerceptionJudge.Data.Images;
using PerceptionJudge.Tests.Shared;
using PerceptionJudge.Training.Config;

namespace PerceptionJudge.Training.Tests.Samples;

/// <summary>
/// The synthetic PPJD the trainer builds stores its images at the model's input size (data.synthetic_image_size,
/// default the vision tower's image size), and the model reads exactly the pixels it read from the 448² files.
/// </summary>
[TestFixture]
public sealed class SyntheticImageSizeTests
{
    private string _root = "";

    [SetUp]
    public void MakeRoot() => _root = Directory.CreateTempSubdirectory("pj-image-size-").FullName;

    [TearDown]
    public void RemoveRoot() => Directory.Delete(_root, recursive: true);

    private TrainingRun Run(string name, int imageSize)
    {
        var config = ToyTrainConfig.Create(Path.Combine(_root, name), steps: 1);
        return new TrainingRun(config with { Data = config.Data with { SyntheticImageSize = imageSize } },
            NullTrainingProgress.Instance);
    }

    [Test]
    public void LoadSamples_StoresModelSizedImages_WithTheSameModelInputs()
    {
        var drawn = Run("drawn", 448);
        var stored = Run("stored", 0);
        var before = drawn.LoadSamples(64, 16);
        var after = stored.LoadSamples(64, 16);

        string image = Directory.GetFiles(Path.Combine(stored.DatasetFolder, "images"))[0];
        var png = ImageCodec.Load(image);
        Assert.That((png.Width, png.Height), Is.EqualTo((64, 64)), "0 means the model's input size");
        Assert.That(ImageCodec.Load(Path.Combine(drawn.DatasetFolder, "images", Path.GetFileName(image))).Width,
            Is.EqualTo(448));

        Assert.That(after.Train.Select(s => s.Record.Id), Is.EqualTo(before.Train.Select(s => s.Record.Id)));
        Assert.That(after.Validation.Select(s => s.Record.Id),
            Is.EqualTo(before.Validation.Select(s => s.Record.Id)));
        foreach (var (a, b) in after.Train.Concat(after.Validation).Zip(before.Train.Concat(before.Validation)))
        {
            Assert.That(a.Pixels, Is.EqualTo(b.Pixels), $"{a.Record.Id}: the model input floats, bit for bit");
            Assert.That(a.PromptIds, Is.EqualTo(b.PromptIds), a.Record.Id);
            Assert.That(a.GoldIds, Is.EqualTo(b.GoldIds), a.Record.Id);
        }
    }

    [Test]
    public void SyntheticImageSize_OutsideItsRangeIsNamed()
    {
        foreach (string setting in new[] { "data.synthetic_image_size=4", "data.synthetic_image_size=500" })
        {
            var c = ConfigLoader.ApplyOverride(new TrainConfig(), setting);
            Assert.That(ConfigValidator.Problems(c).Single(),
                Does.StartWith(setting.Replace("=", " = ") + ": must be 0"));
        }
    }
}
