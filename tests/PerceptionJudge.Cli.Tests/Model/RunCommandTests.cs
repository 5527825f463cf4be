using PerceptionJudge.Cli.Tests.Support;
using PerceptionJudge.Data.Images;
using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Nn.QwenVL;
using PerceptionJudge.Model.Weights;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Cli.Tests.Model;

/// <summary>
/// <c>pjudge model preprocess</c> → <c>pjudge model run</c> → <c>pjudge model compare</c> on a tiny random
/// Qwen2.5-VL folder written by the test (4-pixel patches, merge 2; a 40 × 24 image is a (1, 6, 10) grid, 15 merged tokens).
/// </summary>
[TestFixture]
public sealed class RunCommandTests
{
    private const int Start = 248, End = 249, Pad = 251;
    private TempDir _dir = null!;
    private string _model = "";

    [SetUp]
    public void SetUp()
    {
        _dir = new TempDir();
        _model = Path.Combine(_dir.Path, "tiny-qwen2.5-vl");
        var config = ModelConfigJson.Parse("""
            {"model_type": "qwen2_5_vl", "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2,
             "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 300, "tie_word_embeddings": false,
             "rope_scaling": {"type": "mrope", "mrope_section": [2, 3, 3]}, "image_token_id": 251,
             "video_token_id": 252, "vision_start_token_id": 248, "vision_end_token_id": 249,
             "vision_config": {"depth": 3, "hidden_size": 32, "out_hidden_size": 64, "intermediate_size": 48,
               "num_heads": 2, "patch_size": 4, "window_size": 16, "fullatt_block_indexes": [1],
               "spatial_merge_size": 2, "temporal_patch_size": 2, "hidden_act": "silu"}}
            """);
        using (var model = QwenVLModel.Create(config, seed: 5))
        {
            model.SavePretrained(_model);
        }
        File.WriteAllText(Path.Combine(_model, "preprocessor_config.json"),
            """{"patch_size": 4, "merge_size": 2, "temporal_patch_size": 2, "min_pixels": 64, "max_pixels": 4096}""");
        var pixels = new byte[40 * 24 * 4];
        var random = new Random(3);
        random.NextBytes(pixels);
        for (var i = 3; i < pixels.Length; i += 4)
        {
            pixels[i] = 255;
        }
        ImageCodec.Save(new Rgba8Image(40, 24, pixels), Path.Combine(_dir.Path, "a.png"));
    }

    [TearDown]
    public void TearDown() => _dir.Delete();

    [Test]
    public void PreprocessRunCompare_RoundTrip()
    {
        string pre = _dir.File("pre.safetensors"), input = _dir.File("in.safetensors");
        string out1 = Path.Combine(_dir.Path, "out1.safetensors"), out2 = Path.Combine(_dir.Path, "out2.safetensors");
        var r = CliRun.Run("model", "preprocess", "--model", _model, "--image", Path.Combine(_dir.Path, "a.png"),
            "--out", pre);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        using (var file = SafetensorsFile.Open(pre))
        {
            Assert.That(file.ReadLongs("image_grid_thw").Values, Is.EqualTo(new long[] { 1, 6, 10 }));
            Assert.That(file.ReadFloats("pixel_values").Shape, Is.EqualTo(new long[] { 60, 96 }));
            Assert.That(file.ReadLongs("resized.0").Shape, Is.EqualTo(new long[] { 24, 40, 3 }));
            long[] ids = [10, Start, .. Enumerable.Repeat((long)Pad, 15), End, 11, 12];
            new SafetensorsWriter()
                .Add("input_ids", ids, 1, ids.Length)
                .Add("pixel_values", file.ReadFloats("pixel_values").Values, 60, 96)
                .Add("image_grid_thw", new long[] { 1, 6, 10 }, 1, 3)
                .Save(input);
        }

        foreach (var output in new[] { out1, out2 })
        {
            r = CliRun.Run("model", "run", "--model", _model, "--inputs", input, "--out", output,
                "--capture", "visual.blocks,model.layers.1,visual.merger");
            Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        }
        using (var file = SafetensorsFile.Open(out1))
        {
            Assert.Multiple(() =>
            {
                Assert.That(file.Info("logits").Shape, Is.EqualTo(new long[] { 1, 20, 300 }));
                Assert.That(file.Info("position_ids").Shape, Is.EqualTo(new long[] { 3, 1, 20 }));
                Assert.That(file.ReadLongs("rope_deltas").Shape, Is.EqualTo(new long[] { 1, 1 }));
                Assert.That(file.Info("visual.blocks.2").Shape, Is.EqualTo(new long[] { 60, 32 }));
                Assert.That(file.Info("visual.merger").Shape, Is.EqualTo(new long[] { 15, 64 }));
                Assert.That(file.Info("model.layers.1").Shape, Is.EqualTo(new long[] { 1, 20, 64 }));
                Assert.That(file.Contains("model.layers.0"), Is.False);
                // Text after a 6 × 10 image (3 × 5 merged) resumes at its max + 1: 2 + 4 + 1 = 7 on every axis.
                var positions = file.ReadLongs("position_ids").Values;
                Assert.That(new[] { positions[17], positions[20 + 17], positions[40 + 17] },
                    Is.EqualTo(new long[] { 7, 7, 7 }));
            });
        }
        r = CliRun.Run("model", "compare", out1, out2);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stdout);
    }

    [Test]
    public void VisionOnly_WritesTheMergerOutput()
    {
        string input = _dir.File("in.safetensors"), output = Path.Combine(_dir.Path, "out.safetensors");
        new SafetensorsWriter()
            .Add("pixel_values", new float[60 * 96], 60, 96)
            .Add("image_grid_thw", new long[] { 1, 6, 10 }, 1, 3)
            .Save(input);
        var r = CliRun.Run("model", "run", "--model", _model, "--inputs", input, "--out", output);
        Assert.That(r.ExitCode, Is.EqualTo(0), r.Stderr);
        using var file = SafetensorsFile.Open(output);
        Assert.That(file.Info("visual.merger").Shape, Is.EqualTo(new long[] { 15, 64 }));
        Assert.That(file.Contains("logits"), Is.False);
    }

    [TestCase("input_ids_float")]
    [TestCase("bad_grid")]
    [TestCase("unknown_capture")]
    public void BadInput_IsOneErrorLineNamingIt(string kind)
    {
        string input = _dir.File("in.safetensors"), output = Path.Combine(_dir.Path, "out.safetensors");
        var writer = new SafetensorsWriter();
        if (kind == "input_ids_float")
        {
            writer.Add("input_ids", new float[] { 1, 2 }, 1, 2);
        }
        else
        {
            writer.Add("input_ids", new long[] { 1, 2 }, 1, 2);
        }
        if (kind == "bad_grid")
        {
            writer.Add("pixel_values", new float[4 * 96], 4, 96).Add("image_grid_thw", new long[] { 1, 2 }, 1, 2);
        }
        writer.Save(input);
        var r = CliRun.Run(["model", "run", "--model", _model, "--inputs", input, "--out", output,
            .. kind == "unknown_capture" ? new[] { "--capture", "model.layers.9" } : []]);
        Assert.That(r.ExitCode, Is.EqualTo(2), r.Stdout + r.Stderr);
        Assert.That(r.StderrLines, Has.Length.EqualTo(1), r.Stderr);
        Assert.That(r.Stderr, Does.Contain(kind switch
        {
            "input_ids_float" => "input_ids",
            "bad_grid" => "image_grid_thw",
            _ => "model.layers.9",
        }));
    }
}
