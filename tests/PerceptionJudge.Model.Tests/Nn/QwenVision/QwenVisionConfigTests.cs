using System.Text;
using System.Text.Json;
using PerceptionJudge.Model.Config;

namespace PerceptionJudge.Model.Tests.Nn.QwenVision;

/// <summary>Reading HF vision_config objects of both types, writing them back, and field-naming errors.</summary>
public sealed class QwenVisionConfigTests : QwenVisionTest
{
    [Test]
    public void ReadsAQwen2VlSevenBVisionConfig()
    {
        // Qwen2-VL-7B-Instruct's vision_config (in_chans and spatial_patch_size as the released file spells them).
        var c = Read("""
            {"depth": 32, "embed_dim": 1280, "mlp_ratio": 4, "num_heads": 16, "in_chans": 3, "hidden_size": 3584,
             "patch_size": 14, "spatial_merge_size": 2, "spatial_patch_size": 14, "temporal_patch_size": 2}
            """, QwenVisionConfig.Qwen2Vl);

        Assert.That((c.Depth, c.EmbedDim, c.NumHeads, c.MlpHidden, c.HiddenAct),
            Is.EqualTo((32, 1280, 16, 5120, "quick_gelu")));
        Assert.That((c.InChannels, c.PatchSize, c.TemporalPatchSize, c.SpatialMergeSize, c.OutHiddenSize),
            Is.EqualTo((3, 14, 2, 2, 3584)));
        Assert.That((c.PatchFeatures, c.MergedWidth), Is.EqualTo((1176, 5120)));
    }

    [Test]
    public void ReadsAQwen25VlSevenBVisionConfig()
    {
        var c = Read("""
            {"depth": 32, "hidden_act": "silu", "hidden_size": 1280, "intermediate_size": 3420, "num_heads": 16,
             "in_chans": 3, "out_hidden_size": 3584, "patch_size": 14, "spatial_merge_size": 2,
             "spatial_patch_size": 14, "window_size": 112, "fullatt_block_indexes": [7, 15, 23, 31],
             "tokens_per_second": 2, "temporal_patch_size": 2}
            """, QwenVisionConfig.Qwen25Vl);

        Assert.That((c.Depth, c.EmbedDim, c.MlpHidden, c.HiddenAct, c.OutHiddenSize),
            Is.EqualTo((32, 1280, 3420, "silu", 3584)));
        Assert.That((c.WindowSize, c.TokensPerSecond, c.MergerWindowSize), Is.EqualTo((112, 2, 4)));
        Assert.That(c.FullAttBlockIndexes, Is.EqualTo(new[] { 7, 15, 23, 31 }));
    }

    [TestCase(QwenVisionConfig.Qwen2Vl, 1280, 5120, "quick_gelu", 0)]
    [TestCase(QwenVisionConfig.Qwen25Vl, 3584, 3420, "silu", 4)]
    public void AnEmptyObjectGivesHfDefaults(string type, int width, int mlp, string act, int fullAttBlocks)
    {
        var c = Read("{}", type);

        Assert.That((c.Depth, c.EmbedDim, c.MlpHidden, c.HiddenAct, c.NumHeads), Is.EqualTo((32, width, mlp, act, 16)));
        Assert.That((c.PatchSize, c.OutHiddenSize, c.WindowSize, c.FullAttBlockIndexes.Count),
            Is.EqualTo((14, 3584, 112, fullAttBlocks)));
    }

    [Test]
    public void TinyConfigsRoundTrip()
    {
        var variant = TinyQwen25 with { InChannels = 1, TemporalPatchSize = 1 };
        foreach (var config in new[] { TinyQwen2, TinyQwen25, variant })
        {
            var back = Read(Write(config), config.ModelType);
            // Records compare lists by reference: compare the list apart.
            var sameList = back with { FullAttBlockIndexes = config.FullAttBlockIndexes };
            Assert.That(sameList, Is.EqualTo(config), config.ModelType);
            Assert.That(back.FullAttBlockIndexes, Is.EqualTo(config.FullAttBlockIndexes));
        }
    }

    [Test]
    public void Qwen2VlIsWrittenWithItsOwnFieldNames()
    {
        using var document = JsonDocument.Parse(Write(TinyQwen2));
        var root = document.RootElement;
        Assert.That(root.GetProperty("embed_dim").GetInt32(), Is.EqualTo(32));
        Assert.That(root.GetProperty("mlp_ratio").GetDouble(), Is.EqualTo(2.0));
        Assert.That(root.GetProperty("hidden_size").GetInt32(), Is.EqualTo(24));
        Assert.That(root.TryGetProperty("window_size", out _), Is.False);
    }

    [TestCase(QwenVisionConfig.Qwen2Vl, """{"depth": "two"}""", "vision_config.depth")]
    [TestCase(QwenVisionConfig.Qwen2Vl, """{"embed_dim": 30, "num_heads": 4}""", "vision_config.num_heads")]
    [TestCase(QwenVisionConfig.Qwen2Vl, """{"hidden_act": "relu"}""", "vision_config.hidden_act")]
    [TestCase(QwenVisionConfig.Qwen25Vl, """{"depth": 4, "fullatt_block_indexes": [1, 4]}""",
        "vision_config.fullatt_block_indexes")]
    [TestCase(QwenVisionConfig.Qwen25Vl, """{"fullatt_block_indexes": [1, "x"]}""",
        "vision_config.fullatt_block_indexes[1]")]
    [TestCase(QwenVisionConfig.Qwen25Vl, """{"window_size": 20}""", "vision_config.window_size")]
    [TestCase("qwen3_vl", "{}", "model_type")]
    public void BadFieldsNameTheFileAndField(string type, string json, string field)
    {
        var e = Assert.Throws<ModelException>(() => Read(json, type));
        Assert.That((e!.File, e.Item), Is.EqualTo(("tiny/config.json", field)));
    }

    private static QwenVisionConfig Read(string json, string type)
    {
        using var document = JsonDocument.Parse(json);
        return QwenVisionConfigJson.Read(document.RootElement, type, "tiny/config.json");
    }

    private static string Write(QwenVisionConfig config)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            QwenVisionConfigJson.Write(w, config);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
