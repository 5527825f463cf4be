using PerceptionJudge.Model.Processing;
using PerceptionJudge.Model.Tests.Support;

namespace PerceptionJudge.Model.Tests.Processing;

/// <summary>preprocessor_config.json: Qwen2-VL-Instruct's file, the newer size form, defaults, round trip, errors.</summary>
[TestFixture]
public sealed class PreprocessorConfigJsonTests
{
    // The fields of Qwen2-VL-7B-Instruct's preprocessor_config.json.
    private const string Qwen2VLInstruct = """
        {
          "min_pixels": 3136,
          "max_pixels": 12845056,
          "patch_size": 14,
          "temporal_patch_size": 2,
          "merge_size": 2,
          "image_mean": [0.48145466, 0.4578275, 0.40821073],
          "image_std": [0.26862954, 0.26130258, 0.27577711],
          "image_processor_type": "Qwen2VLImageProcessor",
          "processor_class": "Qwen2VLProcessor"
        }
        """;

    [Test]
    public void Parse_ReadsQwen2VLInstructFile()
    {
        var config = PreprocessorConfigJson.Parse(Qwen2VLInstruct);
        Assert.That(config, Is.EqualTo(new PreprocessorConfig { MinPixels = 3136, MaxPixels = 12845056 })
            .Using<PreprocessorConfig>(SameValues));
        Assert.That(config.Factor, Is.EqualTo(28));
    }

    [Test]
    public void Parse_EmptyObjectGivesHfClassDefaults()
    {
        var config = PreprocessorConfigJson.Parse("{}");
        Assert.Multiple(() =>
        {
            Assert.That((config.MinPixels, config.MaxPixels), Is.EqualTo((56L * 56, 28L * 28 * 1280)));
            Assert.That((config.PatchSize, config.TemporalPatchSize, config.MergeSize), Is.EqualTo((14, 2, 2)));
            Assert.That(config.RescaleFactor, Is.EqualTo(1.0 / 255));
            Assert.That(config.ImageMean, Is.EqualTo(PreprocessorConfig.OpenAiClipMean));
            Assert.That(config.ImageStd, Is.EqualTo(PreprocessorConfig.OpenAiClipStd));
            Assert.That(config.DoResize && config.DoRescale && config.DoNormalize && config.DoConvertRgb, Is.True);
        });
    }

    [Test]
    public void Parse_SizeGivesPixelBoundsAndFlatFieldsOverrideIt()
    {
        var sized = PreprocessorConfigJson.Parse("{\"size\": {\"shortest_edge\": 1000, \"longest_edge\": 9000}}");
        var both = PreprocessorConfigJson.Parse(
            "{\"size\": {\"shortest_edge\": 1000, \"longest_edge\": 9000}, \"max_pixels\": 5000}");
        Assert.That((sized.MinPixels, sized.MaxPixels), Is.EqualTo((1000L, 9000L)));
        Assert.That((both.MinPixels, both.MaxPixels), Is.EqualTo((1000L, 5000L)));
    }

    [Test]
    public void ToJson_RoundTripsThroughAFile()
    {
        var config = new PreprocessorConfig
        {
            MinPixels = 784,
            MaxPixels = 200704,
            DoNormalize = false,
            RescaleFactor = 0.5,
            ImageMean = [0.5, 0.25, 0.125],
            ImageStd = [1, 2, 3],
            PatchSize = 16,
            TemporalPatchSize = 1,
            MergeSize = 4,
            DoConvertRgb = false,
        };
        using var folder = new TempFolder();
        File.WriteAllText(folder.File(PreprocessorConfigJson.FileName), PreprocessorConfigJson.ToJson(config));
        Assert.That(PreprocessorConfigJson.Load(folder.Path), Is.EqualTo(config).Using<PreprocessorConfig>(SameValues));
    }

    [TestCase("{\"patch_size\": \"14\"}", "patch_size")]
    [TestCase("{\"patch_size\": 0}", "patch_size")]
    [TestCase("{\"merge_size\": 1.5}", "merge_size")]
    [TestCase("{\"do_resize\": 1}", "do_resize")]
    [TestCase("{\"rescale_factor\": \"x\"}", "rescale_factor")]
    [TestCase("{\"image_mean\": [0.5, 0.5]}", "image_mean")]
    [TestCase("{\"image_std\": [0.5, \"a\", 0.5]}", "image_std[1]")]
    [TestCase("{\"image_std\": [0.5, 0, 0.5]}", "image_std")]
    [TestCase("{\"size\": 224}", "size")]
    [TestCase("{\"size\": {\"shortest_edge\": 1000}}", "size.longest_edge")]
    [TestCase("{\"min_pixels\": 5000, \"max_pixels\": 4000}", "min_pixels")]
    public void Parse_ThrowsNamingFileAndField(string json, string field)
    {
        var e = Assert.Throws<ModelException>(() => PreprocessorConfigJson.Parse(json, "pre.json"));
        Assert.Multiple(() =>
        {
            Assert.That(e!.File, Is.EqualTo("pre.json"));
            Assert.That(e.Item, Is.EqualTo(field));
        });
    }

    [Test]
    public void Load_MissingFileNamesIt()
    {
        using var folder = new TempFolder();
        var e = Assert.Throws<ModelException>(() => PreprocessorConfigJson.Load(folder.Path));
        Assert.That(e!.File, Does.EndWith(PreprocessorConfigJson.FileName));
    }

    private static readonly double[] s_none = [];

    /// <summary>Record equality compares the mean / std lists by reference; this compares their values.</summary>
    private static bool SameValues(PreprocessorConfig a, PreprocessorConfig b) =>
        a with { ImageMean = s_none, ImageStd = s_none } == b with { ImageMean = s_none, ImageStd = s_none }
        && a.ImageMean.SequenceEqual(b.ImageMean) && a.ImageStd.SequenceEqual(b.ImageStd);
}
