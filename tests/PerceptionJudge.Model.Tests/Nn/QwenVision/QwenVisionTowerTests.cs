using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Nn.QwenVision;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Nn.QwenVision;

/// <summary>
/// The Qwen2-VL / Qwen2.5-VL towers against <see cref="ScalarQwenVisionReference"/> (float32 torch vs double loops),
/// HF parameter names and shapes, and input errors.
/// </summary>
public sealed class QwenVisionTowerTests : QwenVisionTest
{
    // float32 torch against double loops, 2-3 blocks, N(0, 0.2^2) weights: observed max error 6e-6, outputs up to 15.
    private const double Tolerance = 3e-5;

    private static IEnumerable<TestCaseData> Types()
    {
        yield return new TestCaseData(QwenVisionConfig.Qwen2Vl).SetName("Qwen2VL");
        yield return new TestCaseData(QwenVisionConfig.Qwen25Vl).SetName("Qwen25VL");
    }

    private static QwenVisionConfig Tiny(string type) => type == QwenVisionConfig.Qwen2Vl ? TinyQwen2 : TinyQwen25;

    [TestCaseSource(nameof(Types))]
    public void ForwardMatchesTheDoublePrecisionReference(string type)
    {
        var config = Tiny(type);
        using var tower = RandomTower(config, 7);
        var length = Patches(MixedGrid);
        var x = RandomPatches(length, config.PatchFeatures, 3);
        using var scope = LibTorch.NewDisposeScope();
        var captured = new List<(string Name, Tensor Value)>();

        var output = tower.Forward(Tensor.From<float>(x, length, config.PatchFeatures), MixedGrid,
            (name, t) => captured.Add((name, t.Clone().MoveToOuterDisposeScope())));

        var reference = new ScalarQwenVisionReference(config, Weights(tower));
        var (blocks, expected) = reference.Forward(Array.ConvertAll(x, v => (double)v), MixedGrid);
        Assert.That(output.Shape, Is.EqualTo(new long[] { length / 4, config.OutHiddenSize }));
        AssertCloseTo(output, expected, "output");
        Assert.That(captured.Select(c => c.Name), Is.EqualTo(
            new[] { "patch_embed" }
                .Concat(Enumerable.Range(0, config.Depth).Select(i => $"blocks.{i}"))
                .Append("merger")));
        AssertCloseTo(captured[^1].Value, expected, "merger capture");
        // HF holds the blocks' hidden states in window order (Qwen2.5-VL) or input order (Qwen2-VL).
        var order = config.IsQwen25 ? reference.WindowOrder(MixedGrid) : Enumerable.Range(0, length / 4).ToArray();
        for (var b = 0; b < config.Depth; b++)
        {
            var unitWidth = 4 * config.EmbedDim;
            var inHfOrder = order.SelectMany(u => blocks[b].Skip(u * unitWidth).Take(unitWidth)).ToArray();
            AssertCloseTo(captured[b + 1].Value, inHfOrder, $"blocks.{b}");
        }
        foreach (var (_, value) in captured)
        {
            value.Dispose();
        }
    }

    [Test]
    public void WindowAttentionChangesTheQwen25Output()
    {
        // The same weights with every block on full attention give a different result: the windows really split.
        using var windowed = RandomTower(TinyQwen25, 11);
        using var full = RandomTower(TinyQwen25 with { FullAttBlockIndexes = [0, 1, 2] }, 11);
        var length = Patches(MixedGrid);
        var features = TinyQwen25.PatchFeatures;
        using var x = Tensor.From<float>(RandomPatches(length, features, 5), length, features);

        using var a = windowed.Forward(x, MixedGrid);
        using var b = full.Forward(x, MixedGrid);

        Assert.That(MaxAbsDiff(a, b), Is.GreaterThan(1e-3));
    }

    [TestCaseSource(nameof(Types))]
    public void GradientsReachEveryParameter(string type)
    {
        var config = Tiny(type);
        using var tower = QwenVisionTower.Create(config, 4, std: 0.2);
        var length = Patches(MixedGrid);
        using var scope = LibTorch.NewDisposeScope();
        var x = Tensor.From<float>(RandomPatches(length, config.PatchFeatures, 6), length, config.PatchFeatures);

        Ops.Pow(tower.Forward(x, MixedGrid), 2).Sum().Backward();

        foreach (var (name, p) in tower.NamedParameters())
        {
            using var grad = p.Grad;
            Assert.That(grad, Is.Not.Null, name);
            Assert.That(Values(grad!).Max(Math.Abs), Is.GreaterThan(0), name);
        }
    }

    [Test]
    public void WindowOrderOfTheReferenceMatchesGetWindowIndex()
    {
        var reference = new ScalarQwenVisionReference(TinyQwen25, new Dictionary<string, double[]>());
        var (index, _) = QwenVisionGrid.WindowIndex(MixedGrid, 2, TinyQwen25.MergerWindowSize);
        Assert.That(index, Is.EqualTo(reference.WindowOrder(MixedGrid)));
    }

    [Test]
    public void Qwen2VlParameterNamesAndShapesAreHfs()
    {
        using var tower = QwenVisionTower.Create(TinyQwen2, 1);
        var expected = new List<(string, long[])> { ("patch_embed.proj.weight", [32, 3, 2, 4, 4]) };
        for (var b = 0; b < 2; b++)
        {
            var p = $"blocks.{b}.";
            expected.AddRange(
            [
                (p + "norm1.weight", [32]), (p + "norm1.bias", [32]),
                (p + "norm2.weight", [32]), (p + "norm2.bias", [32]),
                (p + "attn.qkv.weight", [96, 32]), (p + "attn.qkv.bias", [96]),
                (p + "attn.proj.weight", [32, 32]), (p + "attn.proj.bias", [32]),
                (p + "mlp.fc1.weight", [64, 32]), (p + "mlp.fc1.bias", [64]),
                (p + "mlp.fc2.weight", [32, 64]), (p + "mlp.fc2.bias", [32]),
            ]);
        }
        expected.AddRange(
        [
            ("merger.ln_q.weight", [32]), ("merger.ln_q.bias", [32]),
            ("merger.mlp.0.weight", [128, 128]), ("merger.mlp.0.bias", [128]),
            ("merger.mlp.2.weight", [24, 128]), ("merger.mlp.2.bias", [24]),
        ]);
        AssertParameters(tower, expected);
    }

    [Test]
    public void Qwen25VlParameterNamesAndShapesAreHfs()
    {
        using var tower = QwenVisionTower.Create(TinyQwen25, 1);
        var expected = new List<(string, long[])> { ("patch_embed.proj.weight", [32, 3, 2, 4, 4]) };
        for (var b = 0; b < 3; b++)
        {
            var p = $"blocks.{b}.";
            expected.AddRange(
            [
                (p + "norm1.weight", [32]), (p + "norm2.weight", [32]),
                (p + "attn.qkv.weight", [96, 32]), (p + "attn.qkv.bias", [96]),
                (p + "attn.proj.weight", [32, 32]), (p + "attn.proj.bias", [32]),
                (p + "mlp.gate_proj.weight", [48, 32]), (p + "mlp.gate_proj.bias", [48]),
                (p + "mlp.up_proj.weight", [48, 32]), (p + "mlp.up_proj.bias", [48]),
                (p + "mlp.down_proj.weight", [32, 48]), (p + "mlp.down_proj.bias", [32]),
            ]);
        }
        expected.AddRange(
        [
            ("merger.ln_q.weight", [32]),
            ("merger.mlp.0.weight", [128, 128]), ("merger.mlp.0.bias", [128]),
            ("merger.mlp.2.weight", [24, 128]), ("merger.mlp.2.bias", [24]),
        ]);
        AssertParameters(tower, expected);
    }

    [Test]
    public void SameSeedGivesTheSameTower()
    {
        using var a = QwenVisionTower.Create(TinyQwen25, 9);
        using var b = QwenVisionTower.Create(TinyQwen25, 9);
        foreach (var ((name, x), (_, y)) in a.NamedParameters().Zip(b.NamedParameters()))
        {
            Assert.That(Values(x), Is.EqualTo(Values(y)), name);
        }
    }

    [TestCase(new long[] { 32, 95 }, "pixel_values")]
    [TestCase(new long[] { 96 }, "pixel_values")]
    [TestCase(new long[] { 28, 96 }, "image_grid_thw")]
    public void WrongPixelValuesShapeIsAModelException(long[] shape, string named)
    {
        using var tower = QwenVisionTower.Create(TinyQwen2, 1);
        using var x = Tensor.Zeros(shape);
        var e = Assert.Throws<ModelException>(() => tower.Forward(x, [(1, 4, 6), (2, 2, 2)]).Dispose());
        Assert.That(e!.Message, Does.Contain(named));
    }

    [Test]
    public void GridSidesNotDivisibleByTheMergeSizeAreAModelException()
    {
        using var tower = QwenVisionTower.Create(TinyQwen25, 1);
        using var x = Tensor.Zeros([15, 96]);
        var e = Assert.Throws<ModelException>(() => tower.Forward(x, [(1, 3, 5)]).Dispose());
        Assert.That(e!.Message, Does.Contain("image_grid_thw[0]").And.Contain("spatial_merge_size"));
    }

    [Test]
    public void EmptyGridIsAModelException()
    {
        using var tower = QwenVisionTower.Create(TinyQwen2, 1);
        using var x = Tensor.Zeros([0, 96]);
        var e = Assert.Throws<ModelException>(() => tower.Forward(x, []).Dispose());
        Assert.That(e!.Message, Does.Contain("image_grid_thw"));
    }

    private static void AssertParameters(QwenVisionTower tower, List<(string Name, long[] Shape)> expected)
    {
        var actual = tower.NamedParameters().Select(p => (p.Name, p.Tensor.Shape)).ToList();
        Assert.That(actual.Select(p => p.Name), Is.EqualTo(expected.Select(p => p.Name)));
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.That(actual[i].Shape, Is.EqualTo(expected[i].Shape), expected[i].Name);
        }
    }

    private static void AssertCloseTo(Tensor actual, double[] expected, string what)
    {
        var values = Values(actual);
        Assert.That(values, Has.Length.EqualTo(expected.Length), $"{what}: sizes differ");
        var worst = 0.0;
        for (var i = 0; i < values.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(values[i] - expected[i]));
        }
        Assert.That(worst, Is.LessThan(Tolerance), $"{what}: max |torch - reference|");
    }
}
