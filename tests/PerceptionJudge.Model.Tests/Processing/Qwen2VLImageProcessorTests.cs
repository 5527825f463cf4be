using PerceptionJudge.Model.Processing;
using PerceptionJudge.Model.Tests.Support;

namespace PerceptionJudge.Model.Tests.Processing;

/// <summary>
/// The Qwen2-VL image processor against a loop-by-loop reference of HF's _preprocess written here: rescale in
/// float64 then cast to float32, normalise in float32, then the 9-axis reshape / permute spelled out as index
/// arithmetic on the (tp, C, H, W) stack.
/// </summary>
[TestFixture]
public sealed class Qwen2VLImageProcessorTests
{
    private static RgbImage RandomImage(int width, int height, int seed)
    {
        var pixels = new byte[width * height * 3];
        new Random(seed).NextBytes(pixels);
        return new RgbImage(width, height, pixels);
    }

    /// <summary>
    /// HF's flatten of one image: frames f = 0..tp−1 all equal to the normalised image; pixel_values row
    /// r = ((t·gh/m + bh)·gw/m + bw)·m² + mh·m + mw, column ((c·tp + f)·p + py)·p + px, taken from
    /// frame f, channel c, y = (bh·m + mh)·p + py, x = (bw·m + mw)·p + px.
    /// </summary>
    private static float[] ReferencePatches(RgbImage image, PreprocessorConfig config)
    {
        int p = config.PatchSize, m = config.MergeSize, tp = config.TemporalPatchSize;
        int gh = image.Height / p, gw = image.Width / p, cols = 3 * tp * p * p;
        var normalized = new float[3, image.Height, image.Width];
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    double v64 = image.Pixels[(y * image.Width + x) * 3 + c] * config.RescaleFactor;
                    float v = (float)v64;
                    normalized[c, y, x] = (v - (float)config.ImageMean[c]) / (float)config.ImageStd[c];
                }
            }
        }

        var result = new float[gh * gw * cols];
        for (int row = 0; row < gh * gw; row++)
        {
            int block = row / (m * m), bh = block / (gw / m), bw = block % (gw / m);
            int mh = row % (m * m) / m, mw = row % m;
            for (int col = 0; col < cols; col++)
            {
                int c = col / (tp * p * p), py = col / p % p, px = col % p; // the frame col / (p·p) % tp is a copy
                result[row * cols + col] = normalized[c, (bh * m + mh) * p + py, (bw * m + mw) * p + px];
            }
        }

        return result;
    }

    [Test]
    public void Preprocess_MatchesLoopReference_ForTwoImages()
    {
        var config = new PreprocessorConfig { MinPixels = 28 * 28, MaxPixels = 28 * 28 * 16 };
        var processor = new Qwen2VLImageProcessor(config);
        RgbImage[] images = [RandomImage(60, 45, 1), RandomImage(30, 100, 2)];
        var features = processor.Preprocess(images);

        // smart_resize: 45x60 → 56x56; 100x30 → 112x28 (round 3.57 → 4 and 1.07 → 1, 3136 px within bounds).
        Assert.That(features.GridThw, Is.EqualTo(new[] { new GridThw(1, 4, 4), new GridThw(1, 8, 2) }));
        Assert.That((features.Rows, features.Cols), Is.EqualTo((16 + 16, 3 * 2 * 14 * 14)));
        Assert.That(features.GridThw.Select(g => g.TokenCount(2)), Is.EqualTo(new[] { 4, 4 }));
        Assert.That(features.Resized.Select(r => (r.Width, r.Height)), Is.EqualTo(new[] { (56, 56), (28, 112) }));

        var expected = ReferencePatches(features.Resized[0], config)
            .Concat(ReferencePatches(features.Resized[1], config)).ToArray();
        // Same float32 operations in the same order: bit-identical.
        Assert.That(features.PixelValues, Is.EqualTo(expected));
        Assert.That(features.Resized[1].Pixels, Is.EqualTo(PilBicubicResize.Resize(images[1], 28, 112).Pixels));
    }

    [Test]
    public void Normalize_IsFloat64RescaleThenFloat32Normalise()
    {
        // 255 · (1/255) in float64 is 1.0; (1 − 0.48145466f) / 0.26862954f in float32.
        var processor = new Qwen2VLImageProcessor(new PreprocessorConfig());
        var chw = processor.Normalize(new RgbImage(1, 1, [255, 0, 128]));
        float r = (1f - 0.48145466f) / 0.26862954f;
        float g = (0f - 0.4578275f) / 0.26130258f;
        float b = ((float)(128 * (1.0 / 255)) - 0.40821073f) / 0.27577711f;
        Assert.That(chw, Is.EqualTo(new[] { r, g, b }));
        Assert.That(r, Is.EqualTo((1 - 0.48145466) / 0.26862954).Within(1e-6));
    }

    [Test]
    public void Preprocess_WithoutRescaleOrNormalize_KeepsRawValuesInHfOrder()
    {
        // 28x28 with p = 14, m = 2: one merge block, rows = patches (0,0), (0,1), (1,0), (1,1); each row is
        // channel-major, the two temporal copies next, then the 14x14 pixels.
        var config = new PreprocessorConfig { DoRescale = false, DoNormalize = false, DoResize = false };
        var image = RandomImage(28, 28, 5);
        var features = new Qwen2VLImageProcessor(config).Preprocess([image]);
        Assert.That(features.GridThw.Single(), Is.EqualTo(new GridThw(1, 2, 2)));
        float Value(int row, int col) => features.PixelValues[row * features.Cols + col];
        byte Pixel(int x, int y, int c) => image.Pixels[(y * 28 + x) * 3 + c];
        Assert.Multiple(() =>
        {
            Assert.That(Value(0, 0), Is.EqualTo(Pixel(0, 0, 0)));
            Assert.That(Value(1, 0), Is.EqualTo(Pixel(14, 0, 0))); // second patch of the block: to the right
            Assert.That(Value(2, 0), Is.EqualTo(Pixel(0, 14, 0))); // third: below
            Assert.That(Value(3, 15), Is.EqualTo(Pixel(15, 15, 0))); // row 1, column 1 of patch (1, 1)
            Assert.That(Value(0, 196), Is.EqualTo(Pixel(0, 0, 0))); // the temporal copy
            Assert.That(Value(0, 2 * 196 + 3), Is.EqualTo(Pixel(3, 0, 1))); // green starts after 2·196
            Assert.That(Value(3, 5 * 196 + 14 * 13 + 13), Is.EqualTo(Pixel(27, 27, 2))); // last value
        });
    }

    [Test]
    public void Preprocess_ThrowsWhenUnresizedSidesAreNotMultiplesOf28()
    {
        var processor = new Qwen2VLImageProcessor(new PreprocessorConfig { DoResize = false });
        var e = Assert.Throws<ModelException>(() => processor.Preprocess([RandomImage(30, 28, 1)]));
        Assert.That(e!.Message, Does.Contain("multiples of patch_size"));
    }

    [Test]
    public void Load_ReadsPreprocessorConfigFromFolder()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File(PreprocessorConfigJson.FileName),
            "{\"min_pixels\": 784, \"max_pixels\": 3136, \"patch_size\": 14, \"merge_size\": 2}");
        var processor = Qwen2VLImageProcessor.Load(folder.Path);
        var features = processor.Preprocess([RandomImage(200, 100, 9)]);
        // 100x200 rounds to 112x196 (21952 px) > 3136: β = √(20000 / 3136), floor → 28x56.
        Assert.That(features.GridThw.Single(), Is.EqualTo(new GridThw(1, 2, 4)));
    }

    [Test]
    public void FromRgba_DropsOpaqueAlphaAndRefusesTranslucentPixels()
    {
        var rgb = RgbImage.FromRgba(2, 1, [1, 2, 3, 255, 4, 5, 6, 255]);
        Assert.That(rgb.Pixels, Is.EqualTo(new byte[] { 1, 2, 3, 4, 5, 6 }));
        var e = Assert.Throws<ModelException>(() => RgbImage.FromRgba(2, 1, [1, 2, 3, 255, 4, 5, 6, 7], "a.png"));
        Assert.That(e!.File, Is.EqualTo("a.png"));
    }
}
