using PerceptionJudge.Model.Processing;

namespace PerceptionJudge.Model.Tests.Processing;

/// <summary>
/// Pillow's 8-bit bicubic resize: hand-worked taps and pixels, and an independent double-precision reference of the
/// same filter (no fixed point) that the fixed-point result must match within 1 LSB.
/// </summary>
[TestFixture]
public sealed class PilBicubicResizeTests
{
    /// <summary>An RGB image whose three channels all hold <paramref name="value"/>(x, y).</summary>
    private static RgbImage Gray(int width, int height, Func<int, int, byte> value)
    {
        var pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    pixels[(y * width + x) * 3 + c] = value(x, y);
                }
            }
        }

        return new RgbImage(width, height, pixels);
    }

    private static byte At(RgbImage image, int x, int y, int c) => image.Pixels[(y * image.Width + x) * 3 + c];

    [Test]
    public void Filter_IsKeysCubicWithAMinusHalf()
    {
        // (1.5x − 2.5)x² + 1 inside 1; −0.5((x − 5)x + 8)x − 4) inside 2.
        Assert.Multiple(() =>
        {
            Assert.That(PilBicubicResize.Filter(0), Is.EqualTo(1.0));
            Assert.That(PilBicubicResize.Filter(0.25), Is.EqualTo(0.8671875));
            Assert.That(PilBicubicResize.Filter(-0.75), Is.EqualTo(0.2265625));
            Assert.That(PilBicubicResize.Filter(1.25), Is.EqualTo(-0.0703125));
            Assert.That(PilBicubicResize.Filter(1.0), Is.EqualTo(0.0));
            Assert.That(PilBicubicResize.Filter(2.0), Is.EqualTo(0.0));
        });
    }

    [Test]
    public void Coefficients_Downscale4To2_WorkedByHand()
    {
        // scale 2: support 4, center (0 + 0.5)·2 = 1, taps x = 0..3 at ((x − 1 + 0.5) / 2) = −0.25, 0.25, 0.75, 1.25
        // → 0.8671875, 0.8671875, 0.2265625, −0.0703125 (sum 1.890625), then divided by the sum.
        var (start, weights) = PilBicubicResize.Coefficients(4, 2);
        double[] first = [0.8671875 / 1.890625, 0.8671875 / 1.890625, 0.2265625 / 1.890625, -0.0703125 / 1.890625];
        Assert.Multiple(() =>
        {
            Assert.That(start, Is.EqualTo(new[] { 0, 0 }));
            Assert.That(weights[0], Is.EqualTo(first).Within(1e-15));
            Assert.That(weights[1], Is.EqualTo(first.Reverse()).Within(1e-15));
            // w·2^22 rounded half away from zero: 0.458678·2^22 = 1923834, −0.037190·2^22 = −155987.
            Assert.That(PilBicubicResize.FixedPoint(weights)[0], Is.EqualTo(new[] { 1923834, 1923834, 502623, -155987 }));
        });
    }

    [Test]
    public void Resize_Downscale4x4To2x2_WorkedByHand()
    {
        // Columns 0, 100, 200, 40 in every row. Horizontal: (100·1923834 + 200·502623 − 40·155987 + 2^21) >> 22 = 68
        // and (100·502623 + 200·1923834 + 40·1923834 + 2^21) >> 22 = 122. Vertical on equal rows keeps them.
        byte[] columns = [0, 100, 200, 40];
        var output = PilBicubicResize.Resize(Gray(4, 4, (x, _) => columns[x]), 2, 2);
        // The same pattern down the rows exercises the vertical pass alone.
        var transposed = PilBicubicResize.Resize(Gray(4, 4, (_, y) => columns[y]), 2, 2);
        Assert.Multiple(() =>
        {
            for (int c = 0; c < 3; c++)
            {
                Assert.That(new[] { At(output, 0, 0, c), At(output, 1, 0, c), At(output, 0, 1, c), At(output, 1, 1, c) },
                    Is.EqualTo(new byte[] { 68, 122, 68, 122 }));
                Assert.That(new[] { At(transposed, 0, 0, c), At(transposed, 0, 1, c), At(transposed, 1, 1, c) },
                    Is.EqualTo(new byte[] { 68, 122, 122 }));
            }
        });
    }

    [Test]
    public void Resize_Upscale2x2To4x4_WorkedByHandWithClipping()
    {
        // scale 0.5: support 2; centers 0.25, 0.75, 1.25, 1.75 over 2 input pixels; taps normalised:
        // (1.088235, −0.088235), (0.792857, 0.207143), (0.207143, 0.792857), (−0.088235, 1.088235).
        // Row 0, 255 → −22.5 (clipped to 0), 52.8 → 53, 202.2 → 202, 277.5 (clipped to 255).
        var output = PilBicubicResize.Resize(Gray(2, 2, (x, _) => (byte)(x * 255)), 4, 4);
        for (int y = 0; y < 4; y++)
        {
            Assert.That(Enumerable.Range(0, 4).Select(x => At(output, x, y, 1)), Is.EqualTo(new byte[] { 0, 53, 202, 255 }));
        }
    }

    [Test]
    public void Resize_SameSize_IsACopy()
    {
        var random = new Random(3);
        var image = Gray(5, 3, (_, _) => (byte)random.Next(256));
        var output = PilBicubicResize.Resize(image, 5, 3);
        Assert.That(output.Pixels, Is.EqualTo(image.Pixels));
        Assert.That(output.Pixels, Is.Not.SameAs(image.Pixels));
    }

    [TestCase(37, 23, 14, 9)]
    [TestCase(13, 17, 56, 28)]
    [TestCase(64, 48, 28, 56)]
    [TestCase(30, 30, 30, 11)] // width unchanged: the horizontal pass is skipped
    [TestCase(9, 40, 84, 40)] // height unchanged: the vertical pass is skipped
    public void Resize_MatchesDoubleReferenceWithin1Lsb(int w, int h, int outW, int outH)
    {
        var random = new Random(w * 1000 + h);
        var pixels = new byte[w * h * 3];
        random.NextBytes(pixels);
        var image = new RgbImage(w, h, pixels);
        var output = PilBicubicResize.Resize(image, outW, outH);
        var reference = ReferenceResize(pixels, w, h, outW, outH);
        int worst = 0, exact = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(output.Pixels[i] - reference[i]));
            exact += output.Pixels[i] == reference[i] ? 1 : 0;
        }

        // Fixed point errs by ~1e-4 of a level, so only values within that of a .5 boundary round differently.
        Assert.That(worst, Is.LessThanOrEqualTo(1));
        Assert.That(exact, Is.GreaterThanOrEqualTo(reference.Length * 0.99));
    }

    /// <summary>
    /// Pillow's separable bicubic in doubles, loop by loop: per output index the taps
    /// Filter((x − center + 0.5)/filterscale) over [(int)(center − support + 0.5), (int)(center + support + 0.5)),
    /// clipped to the image and normalised; horizontal pass (rounded and clamped to 8 bits, as Pillow's intermediate
    /// image is 8-bit) when the width changes, then vertical when the height changes.
    /// </summary>
    private static byte[] ReferenceResize(byte[] src, int w, int h, int outW, int outH)
    {
        double[] Taps(int inSize, int outSize, int o, out int first)
        {
            double scale = (double)inSize / outSize, fs = Math.Max(1.0, scale), support = 2.0 * fs;
            double center = (o + 0.5) * scale;
            first = Math.Max(0, (int)(center - support + 0.5));
            int last = Math.Min(inSize, (int)(center + support + 0.5));
            var taps = new double[last - first];
            for (int i = 0; i < taps.Length; i++)
            {
                double x = Math.Abs((first + i - center + 0.5) / fs);
                taps[i] = x < 1 ? 1.5 * x * x * x - 2.5 * x * x + 1 : x < 2 ? -0.5 * x * x * x + 2.5 * x * x - 4 * x + 2 : 0;
            }

            double sum = taps.Sum();
            return taps.Select(t => t / sum).ToArray();
        }

        byte ToByte(double v) => (byte)Math.Clamp(Math.Round(v, MidpointRounding.AwayFromZero), 0, 255);

        var mid = src;
        if (outW != w)
        {
            mid = new byte[outW * h * 3];
            for (int x = 0; x < outW; x++)
            {
                var taps = Taps(w, outW, x, out int first);
                for (int y = 0; y < h; y++)
                {
                    for (int c = 0; c < 3; c++)
                    {
                        double s = 0;
                        for (int i = 0; i < taps.Length; i++)
                        {
                            s += taps[i] * src[(y * w + first + i) * 3 + c];
                        }

                        mid[(y * outW + x) * 3 + c] = ToByte(s);
                    }
                }
            }
        }

        if (outH == h)
        {
            return mid;
        }

        var dst = new byte[outW * outH * 3];
        for (int y = 0; y < outH; y++)
        {
            var taps = Taps(h, outH, y, out int first);
            for (int x = 0; x < outW; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    double s = 0;
                    for (int i = 0; i < taps.Length; i++)
                    {
                        s += taps[i] * mid[((first + i) * outW + x) * 3 + c];
                    }

                    dst[(y * outW + x) * 3 + c] = ToByte(s);
                }
            }
        }

        return dst;
    }
}
