using System.Text.Json;
using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Tests.Support;

namespace PerceptionJudge.Model.Tests.QwenVL;

/// <summary>config.json of model types qwen2_vl and qwen2_5_vl in both layouts (top level / text_config).</summary>
[TestFixture]
public sealed class QwenVLConfigTests
{
    private const string Vision = """
        {"depth": 2, "embed_dim": 32, "hidden_size": 64, "num_heads": 2, "patch_size": 14, "spatial_merge_size": 2,
         "temporal_patch_size": 2, "in_chans": 3, "fullatt_block_indexes": [1], "window_size": 112}
        """;

    /// <summary>The hub layout (Qwen/Qwen2-VL-2B-Instruct's, scaled down): language fields at the top level.</summary>
    private static readonly string s_qwen2Vl = $$$"""
        {"architectures": ["Qwen2VLForConditionalGeneration"], "model_type": "qwen2_vl",
         "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4,
         "num_key_value_heads": 2, "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "vocab_size": 300,
         "tie_word_embeddings": true, "max_position_embeddings": 32768, "hidden_act": "silu",
         "use_sliding_window": false, "sliding_window": 32768,
         "rope_scaling": {"type": "mrope", "mrope_section": [2, 3, 3]},
         "image_token_id": 251, "video_token_id": 252, "vision_start_token_id": 248, "vision_end_token_id": 249,
         "vision_config": {{{Vision}}}}
        """;

    /// <summary>transformers ≥ 4.5x layout: language fields nested in text_config, rope_type spelling.</summary>
    private static readonly string s_qwen25VlNested = $$$"""
        {"architectures": ["Qwen2_5_VLForConditionalGeneration"], "model_type": "qwen2_5_vl",
         "hidden_size": 999, "image_token_id": 251, "video_token_id": 252, "vision_start_token_id": 248,
         "vision_end_token_id": 249, "tie_word_embeddings": false,
         "text_config": {"model_type": "qwen2_5_vl_text", "hidden_size": 64, "intermediate_size": 128,
           "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 300,
           "tie_word_embeddings": true, "rope_scaling": {"rope_type": "default", "type": "mrope",
           "mrope_section": [2, 3, 3]}},
         "vision_config": {{{Vision}}}}
        """;

    [Test]
    public void TopLevelLayout_ReadsTheLanguageFieldsAndKeepsVisionRaw()
    {
        var c = ModelConfigJson.Parse(s_qwen2Vl);
        Assert.Multiple(() =>
        {
            Assert.That(c.ModelType, Is.EqualTo("qwen2_vl"));
            Assert.That(c.IsQwenVL);
            Assert.That((c.HiddenSize, c.NumHiddenLayers, c.NumKeyValueHeads, c.VocabSize), Is.EqualTo((64, 2, 2, 300)));
            Assert.That(c.MropeSection, Is.EqualTo(new[] { 2, 3, 3 }));
            Assert.That((c.ImageTokenId, c.VideoTokenId, c.VisionStartTokenId, c.VisionEndTokenId),
                Is.EqualTo(((int?)251, (int?)252, (int?)248, (int?)249)));
            Assert.That(c.Vision, Is.Null);
            Assert.That(c.RawVisionConfig!.Value.GetProperty("spatial_merge_size").GetInt32(), Is.EqualTo(2));
            Assert.That(c.TieWordEmbeddings);
        });
    }

    [Test]
    public void NestedTextConfig_WinsOverTheTopLevel()
    {
        var c = ModelConfigJson.Parse(s_qwen25VlNested);
        Assert.Multiple(() =>
        {
            Assert.That(c.ModelType, Is.EqualTo("qwen2_5_vl"));
            Assert.That(c.HiddenSize, Is.EqualTo(64), "text_config.hidden_size, not the top-level 999");
            Assert.That(c.TieWordEmbeddings, Is.True);
            Assert.That(c.MropeSection, Is.EqualTo(new[] { 2, 3, 3 }));
            Assert.That(c.RopeTheta, Is.EqualTo(1000000.0), "Qwen2VLTextConfig default");
            Assert.That(c.RmsNormEps, Is.EqualTo(1e-5), "Qwen2VLTextConfig default");
            Assert.That(c.RawVisionConfig!.Value.GetProperty("fullatt_block_indexes")[0].GetInt32(), Is.EqualTo(1));
        });
    }

    [Test]
    public void RopeParameters_AreReadLikeRopeScaling()
    {
        var json = s_qwen2Vl.Replace("\"rope_theta\": 1000000.0, ", "").Replace(
            "\"rope_scaling\": {\"type\": \"mrope\", \"mrope_section\": [2, 3, 3]}",
            "\"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 5000.0, \"mrope_section\": [2, 3, 3]}");
        var c = ModelConfigJson.Parse(json);
        Assert.That((c.RopeTheta, c.MropeSection), Is.EqualTo((5000.0, (IReadOnlyList<int>)new[] { 2, 3, 3 })));
    }

    [TestCase("qwen2_vl")]
    [TestCase("qwen2_5_vl")]
    public void SaveThenLoad_RoundTripsEveryFieldAndTheVisionConfigVerbatim(string type)
    {
        var source = type == "qwen2_vl" ? s_qwen2Vl : s_qwen25VlNested;
        var original = ModelConfigJson.Parse(source);
        using var folder = new TempFolder();
        ModelConfigJson.Save(original, folder.File("config.json"));
        var loaded = ModelConfigJson.Load(folder.Path);
        Assert.Multiple(() =>
        {
            Assert.That(loaded with { MropeSection = null, RawVisionConfig = null },
                Is.EqualTo(original with { MropeSection = null, RawVisionConfig = null }));
            Assert.That(loaded.MropeSection, Is.EqualTo(original.MropeSection));
            using var vision = JsonDocument.Parse(Vision);
            Assert.That(JsonElement.DeepEquals(loaded.RawVisionConfig!.Value, vision.RootElement));
            using var saved = JsonDocument.Parse(File.ReadAllText(folder.File("config.json")));
            Assert.That(saved.RootElement.GetProperty("model_type").GetString(), Is.EqualTo(type));
            Assert.That(saved.RootElement.GetProperty("rope_scaling").GetProperty("type").GetString(), Is.EqualTo("mrope"));
            Assert.That(saved.RootElement.GetProperty("architectures")[0].GetString(),
                Is.EqualTo(type == "qwen2_vl" ? "Qwen2VLForConditionalGeneration" : "Qwen2_5_VLForConditionalGeneration"));
        });
    }

    [TestCase("{\"type\": \"mrope\", \"mrope_section\": [2, 3, 3]}", "{\"type\": \"yarn\", \"factor\": 4}",
        "rope_scaling")]
    [TestCase("{\"type\": \"mrope\", \"mrope_section\": [2, 3, 3]}", "{\"type\": \"mrope\"}",
        "rope_scaling.mrope_section")]
    [TestCase("[2, 3, 3]", "[2, 3, 4]", "rope_scaling.mrope_section")]
    [TestCase("[2, 3, 3]", "[2, \"3\", 3]", "rope_scaling.mrope_section")]
    [TestCase("[2, 3, 3]", "[2147483647, 2147483647, 2]", "rope_scaling.mrope_section")]
    [TestCase("{\"type\": \"mrope\", \"mrope_section\": [2, 3, 3]}", "null", "rope_scaling.mrope_section")]
    [TestCase("\"vision_start_token_id\": 248", "\"vision_start_token_id\": 300", "vision_start_token_id")]
    [TestCase("\"vision_config\": {", "\"vision_config\": 3, \"x\": {", "vision_config")]
    public void BadFields_ThrowNamingTheField(string find, string replace, string field)
    {
        Assert.That(s_qwen2Vl, Does.Contain(find), "test setup");
        var e = Assert.Throws<ModelException>(() => ModelConfigJson.Parse(s_qwen2Vl.Replace(find, replace), "c.json"));
        Assert.That((e!.File, e.Item), Is.EqualTo(("c.json", field)));
    }

    [Test]
    public void NestedFieldErrors_NameTheTextConfig()
    {
        var json = s_qwen25VlNested.Replace("\"hidden_size\": 64", "\"hidden_size\": \"64\"");
        var e = Assert.Throws<ModelException>(() => ModelConfigJson.Parse(json));
        Assert.That(e!.Item, Is.EqualTo("text_config.hidden_size"));
    }
}
