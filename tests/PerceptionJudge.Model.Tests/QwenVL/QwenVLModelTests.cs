using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Nn.QwenVL;
using PerceptionJudge.Model.Tests.Support;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.QwenVL;

/// <summary>
/// The assembled Qwen2-VL / Qwen2.5-VL model on tiny random configs: the HF folder round trip, the image scatter
/// (what the decoder sees at the placeholders is the tower's output), left padding, and input errors.
/// </summary>
[TestFixture]
public sealed class QwenVLModelTests
{
    private const int Start = 248, End = 249, Pad = 251;

    // Patches of 4 px: a (1, 4, 4) grid is 4 merged tokens, a (1, 4, 6) grid 6; each patch row is 3 · 2 · 4 · 4 = 96.
    private static readonly (int T, int H, int W)[] s_grids = [(1, 4, 4), (1, 4, 6)];

    internal static ModelConfig Config(string type, bool tied = true) => ModelConfigJson.Parse($$"""
        {"model_type": "{{type}}", "hidden_size": 64, "intermediate_size": 96, "num_hidden_layers": 2,
         "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 300, "rope_theta": 1000000.0,
         "tie_word_embeddings": {{(tied ? "true" : "false")}}, "rope_scaling": {"type": "mrope", "mrope_section": [2, 3, 3]},
         "image_token_id": {{Pad}}, "video_token_id": 252, "vision_start_token_id": {{Start}},
         "vision_end_token_id": {{End}}, "vision_config": {{Vision(type)}}}
        """);

    private static string Vision(string type) => type == ModelConfig.Qwen2VLType
        ? "{\"depth\": 2, \"embed_dim\": 32, \"hidden_size\": 64, \"num_heads\": 2, \"mlp_ratio\": 2, " +
          "\"patch_size\": 4, \"spatial_merge_size\": 2, \"temporal_patch_size\": 2, \"in_chans\": 3}"
        : "{\"depth\": 3, \"hidden_size\": 32, \"out_hidden_size\": 64, \"intermediate_size\": 48, " +
          "\"num_heads\": 2, \"patch_size\": 4, \"window_size\": 16, \"fullatt_block_indexes\": [1], " +
          "\"spatial_merge_size\": 2, \"temporal_patch_size\": 2, \"hidden_act\": \"silu\"}";

    /// <summary>Text, then per image vision_start, its merged-token count of pads, vision_end, then text.</summary>
    internal static long[] Prompt(params int[] tokensPerImage)
    {
        var ids = new List<long> { 10, 11 };
        foreach (var n in tokensPerImage)
        {
            ids.Add(Start);
            ids.AddRange(Enumerable.Repeat((long)Pad, n));
            ids.Add(End);
            ids.Add(12);
        }
        ids.AddRange([13, 14]);
        return [.. ids];
    }

    private static long[,] Rows(params long[][] rows)
    {
        int width = rows.Max(r => r.Length);
        var ids = new long[rows.Length, width];
        for (var b = 0; b < rows.Length; b++)
        {
            for (var j = 0; j < rows[b].Length; j++)
            {
                ids[b, width - rows[b].Length + j] = rows[b][j]; // left padding with id 0
            }
        }
        return ids;
    }

    private static long[,] Mask(params long[][] rows)
    {
        int width = rows.Max(r => r.Length);
        var mask = new long[rows.Length, width];
        for (var b = 0; b < rows.Length; b++)
        {
            for (var j = width - rows[b].Length; j < width; j++)
            {
                mask[b, j] = 1;
            }
        }
        return mask;
    }

    private static Tensor Pixels(ulong seed, params (int T, int H, int W)[] grids) =>
        Tensor.Randn([grids.Sum(g => (long)g.T * g.H * g.W), 96], seed);

    [TestCase(ModelConfig.Qwen2VLType, true)]
    [TestCase(ModelConfig.Qwen25VLType, false)]
    public void SavedInHfLayout_ReloadsToTheSameLogits(string type, bool tied)
    {
        using var folder = new TempFolder();
        using var model = QwenVLModel.Create(Config(type, tied), seed: 7);
        model.SavePretrained(folder.Path);
        using var loaded = QwenVLModel.FromPretrained(folder.Path);
        using var pixels = Pixels(3, s_grids);
        var ids = Rows(Prompt(4, 6));
        using var noGrad = LibTorch.NoGrad();
        using var a = model.Forward(ids, null, pixels, s_grids);
        using var b = loaded.Forward(ids, null, pixels, s_grids);
        Assert.That(b.Logits.ToArray<float>(), Is.EqualTo(a.Logits.ToArray<float>()));
        Assert.That(a.Logits.Shape, Is.EqualTo(new long[] { 1, ids.GetLength(1), 300 }));
        Assert.That(loaded.NamedParameters().Select(p => p.Name), Does.Contain("visual.merger.mlp.2.weight")
            .And.Contain("model.layers.1.mlp.down_proj.weight"));
        Assert.That(loaded.NamedParameters().Any(p => p.Name == "lm_head.weight"), Is.EqualTo(!tied));
    }

    [TestCase(ModelConfig.Qwen2VLType)]
    [TestCase(ModelConfig.Qwen25VLType)]
    public void TwoImages_TheDecoderSeesTheTowerOutputAtThePlaceholdersInOrder(string type)
    {
        using var model = QwenVLModel.Create(Config(type), seed: 11);
        using var pixels = Pixels(5, s_grids);
        var prompt = Prompt(4, 6);
        var captured = new Dictionary<string, float[]>();
        var shapes = new Dictionary<string, long[]>();
        using var noGrad = LibTorch.NoGrad();
        using var output = model.Forward(Rows(prompt), null, pixels, s_grids, (name, t) =>
        {
            captured[name] = t.Contiguous().ToArray<float>();
            shapes[name] = t.Shape.ToArray();
        });

        var merger = captured["visual.merger"];
        var embeds = captured["model.embed_tokens"];
        var pads = Enumerable.Range(0, prompt.Length).Where(j => prompt[j] == Pad).ToArray();
        Assert.That(pads, Has.Length.EqualTo(10));
        for (var k = 0; k < pads.Length; k++)
        {
            Assert.That(embeds.AsSpan(pads[k] * 64, 64).ToArray(), Is.EqualTo(merger.AsSpan(k * 64, 64).ToArray()),
                $"placeholder {k}");
        }
        Assert.That(shapes["visual.merger"], Is.EqualTo(new long[] { 10, 64 }));
        Assert.That(shapes["visual.patch_embed"], Is.EqualTo(new long[] { 40, 32 }));
        Assert.That(shapes["model.layers.1"], Is.EqualTo(new long[] { 1, prompt.Length, 64 }));
        Assert.That(captured.Keys, Does.Contain("visual.blocks.1").And.Contain("model.layers.0")
            .And.Contain("model.norm"));
        var (positions, deltas) = QwenRopeIndex.Compute(Rows(prompt), null, s_grids, 2, Pad, Start, 252, type);
        Assert.That(output.PositionIds, Is.EqualTo(positions));
        Assert.That(output.RopeDeltas, Is.EqualTo(deltas));
        Assert.That(deltas[0], Is.LessThan(0), "images take fewer positions than tokens");
    }

    // Row 1 is a shorter prompt, left-padded; its logits must equal those of the same prompt run alone.
    [TestCase(ModelConfig.Qwen2VLType)]
    [TestCase(ModelConfig.Qwen25VLType)]
    public void LeftPaddedRow_GivesTheLogitsOfTheRowAlone(string type)
    {
        using var model = QwenVLModel.Create(Config(type), seed: 13);
        long[] longer = Prompt(4), shorter = Prompt(6)[..^2];
        (int, int, int)[] both = [(1, 4, 4), (1, 4, 6)];
        using var pixels = Pixels(9, both);
        using var noGrad = LibTorch.NoGrad();
        using var batch = model.Forward(Rows(longer, shorter), Mask(longer, shorter), pixels, both);
        using var alonePixels = pixels.Narrow(0, 16, 24);
        using var alone = model.Forward(Rows(shorter), null, alonePixels, [(1, 4, 6)]);

        int width = Math.Max(longer.Length, shorter.Length), pad = width - shorter.Length;
        var batched = batch.Logits.ToArray<float>();
        var single = alone.Logits.ToArray<float>();
        for (var j = 0; j < shorter.Length; j++)
        {
            for (var v = 0; v < 300; v++)
            {
                Assert.That(batched[((1 * width) + pad + j) * 300 + v], Is.EqualTo(single[j * 300 + v]).Within(2e-4),
                    $"token {j}, vocab {v}");
            }
        }
    }

    [Test]
    public void BadInputs_NameWhatIsWrong()
    {
        using var model = QwenVLModel.Create(Config(ModelConfig.Qwen2VLType), seed: 1);
        using var pixels = Pixels(1, s_grids);
        using var noGrad = LibTorch.NoGrad();
        var e1 = Assert.Throws<ModelException>(() => model.Forward(Rows(Prompt(4, 6)), null, pixels, null));
        Assert.That(e1!.Message, Does.Contain("image_grid_thw"));
        var e2 = Assert.Throws<ModelException>(() => model.Forward(Rows(Prompt(4))));
        Assert.That(e2!.Message, Does.Contain("no pixel_values"));
        var e3 = Assert.Throws<ModelException>(() => new QwenVLModel(ModelConfig.Tiny, PerceptionJudge.Model.Nn.Initializer.Empty));
        Assert.That(e3!.Message, Does.Contain("model_type"));
    }
}
