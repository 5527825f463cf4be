using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Model.Tokenizer;

namespace PerceptionJudge.Model.Tests.Config;

/// <summary>config.json parsing, the Tiny preset, and field-named validation errors.</summary>
[TestFixture]
public sealed class ModelConfigTests
{
    // Qwen2.5-0.5B-Instruct's config.json (the fields we read, plus some we ignore).
    private const string Qwen25Half =
        "{\"architectures\":[\"Qwen2ForCausalLM\"],\"attention_dropout\":0.0,\"bos_token_id\":151643," +
        "\"eos_token_id\":151645,\"hidden_act\":\"silu\",\"hidden_size\":896,\"initializer_range\":0.02," +
        "\"intermediate_size\":4864,\"max_position_embeddings\":32768,\"max_window_layers\":21," +
        "\"model_type\":\"qwen2\",\"num_attention_heads\":14,\"num_hidden_layers\":24,\"num_key_value_heads\":2," +
        "\"rms_norm_eps\":1e-06,\"rope_scaling\":null,\"rope_theta\":1000000.0,\"sliding_window\":32768," +
        "\"tie_word_embeddings\":true,\"torch_dtype\":\"bfloat16\",\"transformers_version\":\"4.43.1\"," +
        "\"use_cache\":true,\"use_sliding_window\":false,\"vocab_size\":151936}";

    [Test]
    public void Parse_ReadsQwen25Config()
    {
        var c = ModelConfigJson.Parse(Qwen25Half);
        Assert.Multiple(() =>
        {
            Assert.That(c.HiddenSize, Is.EqualTo(896));
            Assert.That(c.HeadDim, Is.EqualTo(64));
            Assert.That(c.QueriesPerKeyValue, Is.EqualTo(7));
            Assert.That(c.RopeTheta, Is.EqualTo(1e6));
            Assert.That(c.TieWordEmbeddings, Is.True);
            Assert.That(c.Vision, Is.Null);
            // Qwen2.5-0.5B has 494,032,768 parameters (its model card: 0.49B).
            Assert.That(c.DecoderParameterCount, Is.EqualTo(494_032_768));
        });
    }

    [Test]
    public void Tiny_IsAFewMillionParametersAndFitsTheTokenizer()
    {
        var tiny = ModelConfig.Tiny;
        var tokenizer = TinyVocabulary.Create();
        Assert.Multiple(() =>
        {
            Assert.That(tiny.DecoderParameterCount, Is.InRange(2_000_000, 5_000_000));
            Assert.That(tiny.VocabSize, Is.GreaterThanOrEqualTo(tokenizer.VocabSize));
            Assert.That(tiny.VocabSize % 64, Is.Zero);
            Assert.That(tiny.ImageTokenId, Is.EqualTo(tokenizer.TokenToId(TinyVocabulary.Image)));
            Assert.That(tiny.Vision!.NumPatches, Is.EqualTo(64));
        });
        Assert.DoesNotThrow(() => tiny.Validate());
    }

    [Test]
    public void SaveThenLoad_RoundTrips()
    {
        using var folder = new TempFolder();
        ModelConfigJson.Save(ModelConfig.Tiny, folder.File("config.json"));
        var loaded = ModelConfigJson.Load(folder.Path);
        Assert.That(loaded with { Vision = null }, Is.EqualTo(ModelConfig.Tiny with { Vision = null }));
        Assert.That(loaded.Vision, Is.EqualTo(ModelConfig.Tiny.Vision));
        Assert.That(Directory.GetFiles(folder.Path), Has.Length.EqualTo(1));
    }

    [Test]
    public void Parse_DefaultsKeyValueHeadsToQueryHeads()
    {
        const string json = "{\"hidden_size\":64,\"intermediate_size\":128,\"num_hidden_layers\":1," +
            "\"num_attention_heads\":4,\"vocab_size\":100}";
        var c = ModelConfigJson.Parse(json);
        Assert.That(c.NumKeyValueHeads, Is.EqualTo(4));
        Assert.That(c.RmsNormEps, Is.EqualTo(1e-6));
    }

    [TestCase("\"num_attention_heads\":14", "\"num_attention_heads\":5", "num_attention_heads")]
    [TestCase("\"num_key_value_heads\":2", "\"num_key_value_heads\":4", "num_key_value_heads")]
    [TestCase("\"num_key_value_heads\":2", "\"num_key_value_heads\":0", "num_key_value_heads")]
    [TestCase("\"hidden_size\":896,", "", "hidden_size")]
    [TestCase("\"hidden_size\":896", "\"hidden_size\":\"896\"", "hidden_size")]
    [TestCase("\"rms_norm_eps\":1e-06", "\"rms_norm_eps\":0", "rms_norm_eps")]
    [TestCase("\"rope_scaling\":null", "\"rope_scaling\":{\"type\":\"yarn\"}", "rope_scaling")]
    [TestCase("\"use_sliding_window\":false", "\"use_sliding_window\":true", "use_sliding_window")]
    [TestCase("\"hidden_act\":\"silu\"", "\"hidden_act\":\"gelu\"", "hidden_act")]
    [TestCase("\"model_type\":\"qwen2\"", "\"model_type\":\"llama\"", "model_type")]
    [TestCase("\"tie_word_embeddings\":true", "\"tie_word_embeddings\":1", "tie_word_embeddings")]
    [TestCase("\"vocab_size\":151936", "\"vocab_size\":151936,\"image_token_id\":151936", "image_token_id")]
    [TestCase("\"vocab_size\":151936", "\"vocab_size\":151936,\"head_dim\":128", "head_dim")]
    [TestCase("\"vocab_size\":151936", "\"vocab_size\":151936,\"vision_config\":7", "vision_config")]
    public void Parse_ThrowsNamingTheField(string find, string replace, string field)
    {
        Assert.That(Qwen25Half, Does.Contain(find), "test setup");
        var e = Assert.Throws<ModelException>(() => ModelConfigJson.Parse(Qwen25Half.Replace(find, replace), "c.json"));
        Assert.Multiple(() =>
        {
            Assert.That(e!.File, Is.EqualTo("c.json"));
            Assert.That(e.Item, Is.EqualTo(field));
        });
    }

    [TestCase("\"patch_size\":8", "\"patch_size\":7", "vision_config.image_size")]
    [TestCase("\"num_attention_heads\":4,\"patch_size\"", "\"num_attention_heads\":3,\"patch_size\"",
        "vision_config.num_attention_heads")]
    [TestCase("\"image_size\":64,", "", "vision_config.image_size")]
    [TestCase("\"image_token_id\":", "\"unused\":", "image_token_id")]
    public void Parse_ThrowsNamingTheVisionField(string find, string replace, string field)
    {
        var json = ModelConfigJson.ToJson(ModelConfig.Tiny).Replace(" ", "").Replace("\n", "").Replace("\r", "");
        Assert.That(json, Does.Contain(find), "test setup");
        var e = Assert.Throws<ModelException>(() => ModelConfigJson.Parse(json.Replace(find, replace)));
        Assert.That(e!.Item, Is.EqualTo(field));
    }

    [Test]
    public void Parse_ThrowsForBadJson()
    {
        var e = Assert.Throws<ModelException>(() => ModelConfigJson.Parse("{\"hidden_size\":", "c.json"));
        Assert.That(e!.Message, Does.StartWith("c.json: not valid JSON"));
    }
}
