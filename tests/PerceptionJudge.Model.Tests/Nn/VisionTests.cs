using PerceptionJudge.Model.Nn;
using PerceptionJudge.Model.Nn.Vision;
using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Tests.Nn;

/// <summary>The ViT under visual.*, its names, and the image splice at the placeholders.</summary>
[TestFixture]
public sealed class VisionTests : NnTest
{
    [Test]
    public void VisionParameterNames_AreUnderVisualWithQwen2VlStyleNames()
    {
        using var model = VisionLanguageModel.Create(Micro, 20);
        var visual = model.NamedParameters().Where(p => p.Name.StartsWith("visual.", StringComparison.Ordinal))
            .ToDictionary(p => p.Name, p => p.Tensor.Shape);
        Assert.Multiple(() =>
        {
            Assert.That(visual["visual.patch_embed.proj.weight"], Is.EqualTo(new long[] { 16, 3, 4, 4 }));
            Assert.That(visual["visual.pos_embed.weight"], Is.EqualTo(new long[] { 4, 16 }));
            Assert.That(visual["visual.blocks.0.attn.qkv.weight"], Is.EqualTo(new long[] { 48, 16 }));
            Assert.That(visual["visual.blocks.0.attn.proj.bias"], Is.EqualTo(new long[] { 16 }));
            Assert.That(visual["visual.blocks.0.mlp.fc1.weight"], Is.EqualTo(new long[] { 32, 16 }));
            Assert.That(visual["visual.blocks.0.norm2.bias"], Is.EqualTo(new long[] { 16 }));
            Assert.That(visual["visual.merger.ln_q.weight"], Is.EqualTo(new long[] { 16 }));
            Assert.That(visual["visual.merger.mlp.0.weight"], Is.EqualTo(new long[] { 32, 16 }));
            Assert.That(visual["visual.merger.mlp.2.weight"], Is.EqualTo(new long[] { 32, 32 }));
        });
    }

    [Test]
    public void VisionTower_MatchesTheScalarDoubleReference()
    {
        using var model = VisionLanguageModel.Create(Micro, 26, std: 0.2);
        var pixels = Tensor.Rand([2, 3, 8, 8], 9);
        var actual = Values(model.Visual!.Forward(pixels));
        var reference = new ScalarVisionReference(model);
        var planar = pixels.ToArray<float>();
        var expected = Enumerable.Range(0, 2)
            .SelectMany(n => reference.Forward(planar[(n * 192)..((n + 1) * 192)]).SelectMany(r => r)).ToArray();
        Assert.That(actual, Has.Length.EqualTo(expected.Length));
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(1e-4 * (1 + Math.Abs(expected[i]))), $"element {i}");
        }
    }

    [Test]
    public void ImageEmbeddings_ReplaceExactlyThePlaceholders()
    {
        using var model = VisionLanguageModel.Create(Micro, 21);
        var ids = Ids([7, 3, 3, 3, 3, 8, 9, 3, 3, 3, 3, 10], 1);
        var pixels = Tensor.Rand([2, 3, 8, 8], 2);
        var embeds = model.EmbedInputs(ids, pixels);
        var image = model.Visual!.Forward(pixels);                    // [2, 4, 32]
        var text = model.Model.EmbedTokens.Forward(ids);
        AssertClose(embeds.Narrow(1, 1, 4), image.Narrow(0, 0, 1), 0, "first image");
        AssertClose(embeds.Narrow(1, 7, 4), image.Narrow(0, 1, 1), 0, "second image");
        AssertClose(embeds.Narrow(1, 5, 2), text.Narrow(1, 5, 2), 0, "text between");
        AssertClose(embeds.Narrow(1, 0, 1), text.Narrow(1, 0, 1), 0, "text before");
    }

    [Test]
    public void ChangingTheImage_ChangesOnlyPositionsAtOrAfterItsTokens()
    {
        using var model = VisionLanguageModel.Create(Micro, 22);
        var ids = Ids([7, 8, 9, 3, 3, 3, 3, 10, 11], 1);
        var a = model.Forward(ids, pixelValues: Tensor.Rand([1, 3, 8, 8], 3));
        var b = model.Forward(ids, pixelValues: Tensor.Rand([1, 3, 8, 8], 4));
        Assert.That(MaxAbsDiff(a.Narrow(1, 0, 3), b.Narrow(1, 0, 3)), Is.EqualTo(0));
        Assert.That(MaxAbsDiff(a.Narrow(1, 3, 6), b.Narrow(1, 3, 6)), Is.GreaterThan(1e-5));
    }

    [Test]
    public void PlaceholdersPastImageColumns_AreText()
    {
        // Row: text, 4 placeholders (the image), text, then a sampled response holding the <image> id twice.
        using var model = VisionLanguageModel.Create(Micro, 26);
        var ids = Ids([7, 3, 3, 3, 3, 8, 3, 9, 3], 1);
        var pixels = Tensor.Rand([1, 3, 8, 8], 9);
        var embeds = model.EmbedInputs(ids, pixels, imageColumns: 6);
        var text = model.Model.EmbedTokens.Forward(ids);
        AssertClose(embeds.Narrow(1, 1, 4), model.Visual!.Forward(pixels), 0, "the image");
        AssertClose(embeds.Narrow(1, 5, 4), text.Narrow(1, 5, 4), 0, "response placeholders embedded as text");
        Assert.Throws<ModelException>(() => model.EmbedInputs(ids, pixels), "without the bound they count");
    }

    [Test]
    public void PlaceholderCountMismatch_IsAClearError()
    {
        using var model = VisionLanguageModel.Create(Micro, 23);
        var ids = Ids([7, 3, 3, 3, 8, 9, 3, 3, 3, 3], 2);
        var e = Assert.Throws<ModelException>(() => model.Forward(ids, pixelValues: Tensor.Rand([2, 3, 8, 8], 5)));
        Assert.That(e!.Message, Does.Contain("7 <image> placeholders").And.Contain("per row: 3, 4")
            .And.Contain("2 image(s) × 4 patches = 8"));
        var noPixels = Assert.Throws<ModelException>(() => model.Forward(ids));
        Assert.That(noPixels!.Message, Does.Contain("no pixel_values"));
        var badShape = Assert.Throws<ModelException>(
            () => model.Forward(Ids([3, 3, 3, 3], 1), pixelValues: Tensor.Rand([1, 3, 16, 16], 6)));
        Assert.That(badShape!.Message, Does.Contain("[N, 3, 8, 8]"));
    }

    [Test]
    public void TextOnlyModel_RejectsPixelValues()
    {
        using var model = VisionLanguageModel.Create(Micro with { Vision = null, ImageTokenId = null }, 24);
        Assert.That(model.Visual, Is.Null);
        var e = Assert.Throws<ModelException>(
            () => model.Forward(Ids([3, 3, 3, 3], 1), pixelValues: Tensor.Rand([1, 3, 8, 8], 7)));
        Assert.That(e!.Message, Does.Contain("no vision tower"));
    }

    [Test]
    public void Normalization_MapsTheClipMeanToZero()
    {
        using var model = VisionLanguageModel.Create(Micro, 25);
        var visual = model.Visual!;
        Assert.That(visual.Normalization, Is.SameAs(ImageNormalization.Clip));
        // Pixels equal to the CLIP mean normalise to 0, so the patch convolution's weight cannot matter for them.
        var mean = ImageNormalization.Clip.Mean;
        var meanImage = Tensor.From<float>(Enumerable.Range(0, 3 * 64).Select(i => mean[i / 64]).ToArray(), 1, 3, 8, 8);
        var other = Tensor.Rand([1, 3, 8, 8], 8);
        var before = visual.Forward(meanImage);
        var otherBefore = visual.Forward(other);
        using (LibTorch.NoGrad())
        {
            visual.PatchEmbed.Proj.Weight.Mul_(3);
        }
        Assert.That(MaxAbsDiff(visual.Forward(meanImage), before), Is.LessThan(1e-6));
        Assert.That(MaxAbsDiff(visual.Forward(other), otherBefore), Is.GreaterThan(1e-4));
    }
}
