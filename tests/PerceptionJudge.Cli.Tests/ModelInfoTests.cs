using PerceptionJudge.Cli.Tests.Support;
using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Nn.Loading;
using PerceptionJudge.Model.Weights;

namespace PerceptionJudge.Cli.Tests;

/// <summary><c>pjudge info --model DIR</c> on tiny HF folders the tests write (headers only, no torch).</summary>
[TestFixture]
public sealed class ModelInfoTests
{
    private const string Config = """
        {"model_type": "qwen2_vl", "hidden_size": 12, "intermediate_size": 8, "num_hidden_layers": 1,
         "num_attention_heads": 2, "num_key_value_heads": 1, "vocab_size": 16, "tie_word_embeddings": true,
         "rope_scaling": {"type": "mrope", "mrope_section": [1, 1, 1]},
         "image_token_id": 11, "video_token_id": 12, "vision_start_token_id": 13, "vision_end_token_id": 14,
         "vision_config": {"depth": 1, "embed_dim": 4, "spatial_merge_size": 2}}
        """;

    private TempDir _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDir();

    [TearDown]
    public void TearDown() => _dir.Delete();

    /// <summary>The language model (transformers ≥ 4.52 names, bf16 except the norms) plus two f32 vision tensors.
    /// </summary>
    private void WriteFolder(Func<string, long[], long[]>? reshape = null)
    {
        _dir.File("config.json", Config);
        var writer = new SafetensorsWriter();
        foreach (var (name, shape) in DecoderShapes.Expected(ModelConfigJson.Parse(Config)))
        {
            var s = reshape?.Invoke(name, shape) ?? shape;
            var numel = s.Aggregate(1L, (a, b) => a * b);
            var stored = "model.language_model." + name["model.".Length..];
            if (name.EndsWith("norm.weight", StringComparison.Ordinal))
            {
                writer.Add(stored, SafetensorsDType.F32, new float[numel], s);
            }
            else
            {
                writer.Add(stored, SafetensorsDType.BF16, new ushort[numel], s);
            }
        }
        writer.Add("model.visual.patch_embed.proj.weight", SafetensorsDType.F32, new float[24], 4, 6);
        writer.Add("model.visual.merger.ln_q.weight", SafetensorsDType.F32, new float[4], 4);
        writer.Save(_dir.File(SafetensorsCheckpoint.SingleFileName));
    }

    [Test]
    public void PrintsTypeCountsDtypesShardsPrefixesAndShapeCheck()
    {
        WriteFolder();
        var r = CliRun.Run("info", "--model", _dir.Path);
        Assert.That((r.ExitCode, r.Stderr), Is.EqualTo((0, "")));
        // embed 16·12 = 192; layer: q 144 + 12, k and v 72 + 6, o 144, mlp 3·96 = 288, norms 24; final norm 12.
        const long language = 192 + (156 + 78 + 78 + 144 + 288 + 24) + 12;
        Assert.That(r.Stdout, Does.Contain("model_type: qwen2_vl\n")
            .And.Contain($"parameters: {language + 28:N0}\n")
            .And.Contain("tensors: 16\n")
            .And.Contain("shards: 1\n")
            .And.Contain("  BF16: 11 tensors, 936 parameters\n")
            .And.Contain("  F32: 5 tensors, 64 parameters\n")
            .And.Contain("layout: transformers >= 4.52 (16 tensors")
            .And.Contain($"  model: 14 tensors, {language:N0} parameters\n")
            .And.Contain("  visual: 2 tensors, 28 parameters\n")
            .And.Contain("config shapes: match (14 language-model tensors)\n"));
    }

    [Test]
    public void ShapeMismatch_NamesTheTensorAndBothShapes()
    {
        WriteFolder((name, shape) => name == "model.layers.0.mlp.up_proj.weight" ? [9, 12] : shape);
        var r = CliRun.Run("info", "--model", _dir.Path);
        Assert.That(r.ExitCode, Is.EqualTo(0));
        Assert.That(r.Stdout, Does.Contain("config shapes: MISMATCH (1):\n")
            .And.Contain("model.language_model.layers.0.mlp.up_proj.weight is [9, 12], config.json implies [8, 12]"));
    }

    [Test]
    public void MissingConfig_IsAUserErrorNamingTheFile()
    {
        var r = CliRun.Run("info", "--model", _dir.Path);
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Stderr, Does.Contain(Path.Combine(_dir.Path, "config.json")).And.Contain("missing"));
    }

    [Test]
    public void MissingWeights_IsAUserErrorNamingTheFolder()
    {
        _dir.File("config.json", Config);
        var r = CliRun.Run("info", "--model", _dir.Path);
        Assert.That(r.ExitCode, Is.EqualTo(2));
        Assert.That(r.Stderr, Does.Contain(_dir.Path));
    }

    [Test]
    public void WithoutModel_PrintsTheBackendAsBefore() =>
        Assert.That(CliRun.Run("info").Stdout, Does.StartWith("backend: "));
}
