using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Tests.Shared;
using PerceptionJudge.Training.Grpo;

namespace PerceptionJudge.Training.Tests.Grpo;

/// <summary>The prompt + response packing of <see cref="SequenceBatch"/> and its forward.</summary>
[TestFixture]
public sealed class SequenceBatchTests : LibTorchFixture
{
    /// <summary>A prompt of one image (its placeholders between two text ids) and the image side.</summary>
    private static (int[] Prompt, int Size) ImagePrompt(ModelConfig config) =>
        ([5, .. Enumerable.Repeat(config.ImageTokenId!.Value, config.Vision!.NumPatches), 6], config.Vision.ImageSize);

    [Test]
    public void ASampledImageId_InTheResponse_IsText_AsWhileDecoding()
    {
        // A judge may sample the <image> id; the log-prob forward must embed it as the token, not ask for an image.
        var config = ModelConfig.Nano;
        using var model = VisionLanguageModel.Create(config, 3);
        var (prompt, size) = ImagePrompt(config);
        int image = config.ImageTokenId!.Value;
        int[] plain = [7, 8, 9], withImageId = [7, image, 9];
        var pixels = new float[3 * size * size];
        float[] Run(int[] response) => new SequenceBatch([prompt], [response], [pixels], size, 0).LogProbs(model, 1f);

        float[] a = Run(plain), b = Run(withImageId);
        Assert.That(b.All(float.IsFinite), Is.True);
        Assert.That(b[0], Is.EqualTo(a[0]), "the first response token sees the same context");
        Assert.That(b[1], Is.Not.EqualTo(a[1]), "the label differs, so its log-prob does");
    }

    [Test]
    public void TextOnlyRows_RunTheDecoderAlone_AndASampledImageIdIsText()
    {
        // A text-only prompt (no image, no placeholder) may still sample the <image> id in its response.
        var config = ModelConfig.Nano;
        using var model = VisionLanguageModel.Create(config, 3);
        int size = config.Vision!.ImageSize;
        int[] prompt = [5, 6, 7];
        float[] Run(int[] response) => new SequenceBatch([prompt], [response], [[]], size, 0).LogProbs(model, 1f);

        float[] a = Run([7, 8, 9]), b = Run([7, config.ImageTokenId!.Value, 9]);
        Assert.That(b.All(float.IsFinite), Is.True);
        Assert.That(b[0], Is.EqualTo(a[0]), "the first response token sees the same context");
        Assert.That(b[1], Is.Not.EqualTo(a[1]), "the label differs, so its log-prob does");
        var mixed = Assert.Throws<ArgumentException>(() =>
            _ = new SequenceBatch([prompt, prompt], [[7], [8]], [[], new float[3 * size * size]], size, 0));
        Assert.That(mixed!.Message, Does.Contain("all image rows or all text-only rows"));
    }

    [Test]
    public void TheLossGradient_ReachesTheVisionTower()
    {
        // The judge can only learn to see if d loss / d log π flows back through the splice into visual.*.
        var config = ModelConfig.Nano;
        using var model = VisionLanguageModel.Create(config, 4);
        var (prompt, size) = ImagePrompt(config);
        var pixels = Enumerable.Range(0, 3 * size * size).Select(i => (i * 7919 % 255) / 255f).ToArray();
        var batch = new SequenceBatch([prompt], [[7, 8, 9]], [pixels], size, 0);
        var (hidden, lp) = batch.Forward(model, 1f);
        PerceptionJudge.Model.LogProb.LinearLogProb.Backward(hidden, model.LmHead.Weight, lp, [], [-1f, -1f, -1f]);
        var vision = model.NamedParameters().Where(p => p.Name.StartsWith("visual.", StringComparison.Ordinal))
            .ToList();
        Assert.That(vision, Is.Not.Empty);
        foreach (var (name, tensor) in vision)
        {
            var grad = tensor.Grad;
            Assert.That(grad, Is.Not.Null, name);
            Assert.That(grad!.ToArray<float>().Max(MathF.Abs), Is.GreaterThan(0f), name);
        }
    }
}
