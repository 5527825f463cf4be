using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Model.Nn.Qwen2;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Nn;

/// <summary>The Qwen2 decoder: names, RoPE, masks, GQA, causality, padding and the KV cache.</summary>
[TestFixture]
public sealed class DecoderTests : NnTest
{
    [Test]
    public void ParameterNames_MatchHfQwen2Checkpoint()
    {
        using var model = VisionLanguageModel.Create(Micro, 1);
        var names = model.NamedParameters().Select(p => p.Name).ToList();
        var decoder = names.Where(n => !n.StartsWith("visual.", StringComparison.Ordinal)).ToList();
        string[] expected =
        [
            "model.embed_tokens.weight",
            .. Enumerable.Range(0, 2).SelectMany(i => new[]
            {
                $"model.layers.{i}.self_attn.q_proj.weight", $"model.layers.{i}.self_attn.q_proj.bias",
                $"model.layers.{i}.self_attn.k_proj.weight", $"model.layers.{i}.self_attn.k_proj.bias",
                $"model.layers.{i}.self_attn.v_proj.weight", $"model.layers.{i}.self_attn.v_proj.bias",
                $"model.layers.{i}.self_attn.o_proj.weight",
                $"model.layers.{i}.mlp.gate_proj.weight", $"model.layers.{i}.mlp.up_proj.weight",
                $"model.layers.{i}.mlp.down_proj.weight",
                $"model.layers.{i}.input_layernorm.weight", $"model.layers.{i}.post_attention_layernorm.weight",
            }),
            "model.norm.weight",
            "lm_head.weight",
        ];
        Assert.That(decoder, Is.EquivalentTo(expected));
        Assert.That(decoder.Sum(n => model.NamedParameters().First(p => p.Name == n).Tensor.Numel),
            Is.EqualTo(Micro.DecoderParameterCount));
        // Every projection is a Linear reachable through NamedModules (what LoRA walks).
        var linears = model.NamedModules().Where(m => m.Module is Linear).Select(m => m.Name).ToList();
        Assert.That(linears, Does.Contain("model.layers.1.self_attn.q_proj").And.Contain("model.layers.0.mlp.down_proj")
            .And.Contain("lm_head").And.Contain("visual.blocks.0.attn.qkv").And.Contain("visual.merger.mlp.2"));
    }

    [Test]
    public void TiedModel_HasNoLmHeadParameterAndUsesEmbedding()
    {
        using var model = VisionLanguageModel.Create(Micro with { TieWordEmbeddings = true }, 2);
        Assert.That(model.NamedParameters().Select(p => p.Name), Does.Not.Contain("lm_head.weight"));
        Assert.That(ReferenceEquals(model.LmHead.Weight, model.Model.EmbedTokens.Weight), Is.True);
        Assert.That(model.ParameterCount() - VisionCount(model),
            Is.EqualTo((Micro with { TieWordEmbeddings = true }).DecoderParameterCount));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void Forward_MatchesTheScalarDoubleReference(bool tied)
    {
        // Larger init than HF's 0.02 so attention and RoPE visibly shape the logits.
        using var model = VisionLanguageModel.Create(Micro with { TieWordEmbeddings = tied }, 17, std: 0.2);
        var ids = RandomIds(1, 9, 18);
        var logits = Values(model.Forward(ids));
        var expected = new ScalarQwen2Reference(model).Logits(ids.ToArray<long>()).SelectMany(r => r).ToArray();
        Assert.That(logits, Has.Length.EqualTo(expected.Length));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.That(logits[i], Is.EqualTo(expected[i]).Within(1e-4 * (1 + Math.Abs(expected[i]))), $"logit {i}");
        }
    }

    [Test]
    public void Rope_MatchesHandComputedCase()
    {
        // d = 4, θ = 10000: inv_freq = [1, 1/100]; at position 2 the angles are [2, 0.02, 2, 0.02].
        var rope = new RotaryEmbedding(4, 10000);
        Assert.That(rope.InverseFrequencies.ToArray(), Is.EqualTo(new[] { 1f, 0.01f }).Within(1e-7));
        var (cos, sin) = rope.Compute(Tensor.From<long>([0, 2], 1, 2));
        Assert.That(cos.Shape, Is.EqualTo(new long[] { 1, 1, 2, 4 }));
        var x = Tensor.From<float>([1, 2, 3, 4, 1, 2, 3, 4], 1, 1, 2, 4);
        var y = Values(Ops.Rotary(x, cos, sin));
        // rotate_half([1, 2, 3, 4]) = [-3, -4, 1, 2]; y = x cos(a) + rot sin(a).
        double[] a = [2, 0.02, 2, 0.02];
        double[] rot = [-3, -4, 1, 2];
        for (var i = 0; i < 4; i++)
        {
            Assert.That(y[i], Is.EqualTo(i + 1).Within(1e-6), "position 0 is the identity");
            Assert.That(y[4 + i], Is.EqualTo((i + 1) * Math.Cos(a[i]) + rot[i] * Math.Sin(a[i])).Within(1e-6));
        }
    }

    [Test]
    public void PositionIds_FollowHfCumsumWithPaddingAtOne()
    {
        var mask = Tensor.From<long>([0, 0, 1, 1, 1, 1, 1, 1, 1, 1], 2, 5);
        var positions = AttentionMask.PositionIds(mask, 2, 5, 0).ToArray<long>();
        Assert.That(positions, Is.EqualTo(new long[] { 1, 1, 0, 1, 2, 0, 1, 2, 3, 4 }));
        var last = AttentionMask.PositionIds(mask, 2, 1, 4).ToArray<long>();
        Assert.That(last, Is.EqualTo(new long[] { 2, 4 }));
        Assert.That(AttentionMask.PositionIds(null, 2, 2, 3).ToArray<long>(), Is.EqualTo(new long[] { 3, 4, 3, 4 }));
    }

    [Test]
    public void CausalKeep_PaddingQueriesSeeOnlyThemselves()
    {
        var mask = Tensor.From<long>([0, 1, 1], 1, 3);
        var keep = AttentionMask.CausalKeep(mask, 3).ToArray<bool>();
        Assert.That(keep, Is.EqualTo(new[] { true, false, false, false, true, false, false, true, true }));
        var fromBool = AttentionMask.CausalKeep(Tensor.From<bool>([false, true, true], 1, 3), 3).ToArray<bool>();
        Assert.That(fromBool, Is.EqualTo(keep));
        // One new query against a cache of 2: it sees the tokens, not the padding.
        Assert.That(AttentionMask.CausalKeep(mask, 1).ToArray<bool>(), Is.EqualTo(new[] { false, true, true }));
    }

    [Test]
    public void Causal_ChangingALaterTokenLeavesEarlierOutputs()
    {
        using var model = VisionLanguageModel.Create(Micro, 3);
        var a = RandomIds(1, 8, 10).ToArray<long>();
        var b = (long[])a.Clone();
        b[5] = a[5] == 7 ? 8 : 7;
        var la = model.Forward(Ids(a, 1));
        var lb = model.Forward(Ids(b, 1));
        Assert.That(MaxAbsDiff(la.Narrow(1, 0, 5), lb.Narrow(1, 0, 5)), Is.EqualTo(0));
        Assert.That(MaxAbsDiff(la.Narrow(1, 5, 3), lb.Narrow(1, 5, 3)), Is.GreaterThan(1e-4));
    }

    [Test]
    public void LeftPaddedRow_EqualsUnpaddedSingleRowForward()
    {
        using var model = VisionLanguageModel.Create(Micro, 4);
        var shortRow = RandomIds(1, 5, 11).ToArray<long>();
        var longRow = RandomIds(1, 8, 12).ToArray<long>();
        long[] batch = [0, 0, 0, .. shortRow, .. longRow];
        var mask = Tensor.From<long>([0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 2, 8);
        var padded = model.Forward(Ids(batch, 2), mask);
        var alone = model.Forward(Ids(shortRow, 1));
        var longAlone = model.Forward(Ids(longRow, 1));
        Assert.That(Values(padded).All(float.IsFinite), Is.True, "padding must not produce NaN");
        AssertClose(padded.Narrow(0, 0, 1).Narrow(1, 3, 5), alone, 1e-5, "padded row");
        AssertClose(padded.Narrow(0, 1, 1), longAlone, 1e-5, "unpadded row");
    }

    [Test]
    public void KvCache_DecodeEqualsFullForward()
    {
        using var model = VisionLanguageModel.Create(Micro, 5);
        long[] ids = [0, 0, .. RandomIds(1, 8, 13).ToArray<long>(), .. RandomIds(1, 10, 14).ToArray<long>()];
        var maskValues = Enumerable.Repeat(1L, 20).ToArray();
        maskValues[0] = maskValues[1] = 0;
        var full = model.Forward(Ids(ids, 2), Tensor.From<long>(maskValues, 2, 10));
        using var cache = model.NewCache();
        var input = Ids(ids, 2);
        var mask = Tensor.From<long>(maskValues, 2, 10);
        var pieces = new List<Tensor> { model.Forward(input.Narrow(1, 0, 6), mask.Narrow(1, 0, 6), cache: cache) };
        Assert.That(cache.Length, Is.EqualTo(6));
        for (var t = 6; t < 10; t++)
        {
            pieces.Add(model.Forward(input.Narrow(1, t, 1), mask.Narrow(1, 0, t + 1), cache: cache));
        }
        var incremental = Ops.Cat(pieces, 1);
        AssertClose(incremental.Narrow(0, 0, 1).Narrow(1, 2, 8), full.Narrow(0, 0, 1).Narrow(1, 2, 8), 1e-5, "row 0");
        AssertClose(incremental.Narrow(0, 1, 1), full.Narrow(0, 1, 1), 1e-5, "row 1");
    }

    [Test]
    public void KvCache_WithoutAMaskEqualsFullForwardAndFreesItsTensors()
    {
        using var model = VisionLanguageModel.Create(Micro, 14);
        var ids = RandomIds(2, 7, 16);
        var full = model.Forward(ids);
        var liveBefore = LibTorch.LiveTensors;
        using (var scope = LibTorch.NewDisposeScope())
        {
            using var cache = model.NewCache();
            var prefix = model.Forward(ids.Narrow(1, 0, 4), cache: cache);
            var rest = Enumerable.Range(4, 3).Select(t => model.Forward(ids.Narrow(1, t, 1), cache: cache)).ToList();
            AssertClose(Ops.Cat([prefix, .. rest], 1), full, 1e-5, "logits");
            Assert.That(cache.Length, Is.EqualTo(7));
        }
        Assert.That(LibTorch.LiveTensors, Is.EqualTo(liveBefore), "the cache and the step scope free everything");
    }

    [Test]
    public void Dispose_FreesEveryParameter()
    {
        var before = LibTorch.LiveTensors;
        var model = VisionLanguageModel.Create(Micro with { TieWordEmbeddings = true }, 15);
        Assert.That(LibTorch.LiveTensors - before, Is.EqualTo(model.NamedParameters().Count()));
        model.Dispose();
        Assert.That(LibTorch.LiveTensors, Is.EqualTo(before));
    }

    [Test]
    public void Gqa_EqualsMhaWithRepeatedKeyValueWeights()
    {
        var mhaConfig = Micro with { NumKeyValueHeads = 4 };
        using var gqa = VisionLanguageModel.Create(Micro, 6);
        using var mha = VisionLanguageModel.Create(mhaConfig, 7);
        var source = gqa.NamedParameters().ToDictionary(p => p.Name, p => p.Tensor);
        using (LibTorch.NoGrad())
        {
            foreach (var (name, target) in mha.NamedParameters())
            {
                var value = source[name];
                if (name.Contains(".k_proj.", StringComparison.Ordinal)
                    || name.Contains(".v_proj.", StringComparison.Ordinal))
                {
                    // kv head h of the MHA model is kv head h / 2 of the GQA one (HF repeat_kv).
                    var d = Micro.HeadDim;
                    var rows = Enumerable.Range(0, 4 * d).Select(r => (long)((r / d / 2) * d + r % d)).ToArray();
                    value = Ops.IndexSelect(value, 0, Tensor.From<long>(rows, rows.Length));
                }
                target.Copy_(value);
            }
        }
        var ids = RandomIds(2, 7, 15);
        AssertClose(mha.Forward(ids), gqa.Forward(ids), 1e-5, "logits");
    }

    [Test]
    public void Forward_RejectsAMaskOfTheWrongLength()
    {
        using var model = VisionLanguageModel.Create(Micro, 8);
        var e = Assert.Throws<ArgumentException>(() => model.Forward(RandomIds(1, 4, 1), Tensor.Ones([1, 5])));
        Assert.That(e!.Message, Does.Contain("attention_mask"));
    }

    private static long VisionCount(VisionLanguageModel model) =>
        model.NamedParameters()
            .Where(p => p.Name.StartsWith("visual.", StringComparison.Ordinal))
            .Sum(p => p.Tensor.Numel);
}
