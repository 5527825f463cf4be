namespace PerceptionJudge.Model.Processing;

/// <summary>
/// Pillow's <c>Image.resize(size, resample=BICUBIC)</c> for 8-bit RGB, bit for bit (Pillow src/libImaging/Resample.c:
/// <c>precompute_coeffs</c>, <c>normalize_coeffs_8bpc</c>, <c>ImagingResampleHorizontal_8bpc</c> /
/// <c>ImagingResampleVertical_8bpc</c>, <c>ImagingResampleInner</c>). This is the resize HF's slow Qwen2-VL image
/// processor runs (image_transforms.resize converts to PIL).
/// </summary>
public static class PilBicubicResize
{
    /// <summary>Fixed-point fraction bits of the 8-bit coefficients: 32 − 8 − 2.</summary>
    public const int PrecisionBits = 32 - 8 - 2;

    /// <summary>Support of the bicubic filter at scale 1.</summary>
    public const double Support = 2.0;

    /// <summary>Keys' cubic with a = −0.5: (a+2)|x|³ − (a+3)|x|² + 1 for |x| &lt; 1, a(|x|³ − 5|x|² + 8|x| − 4) for |x| &lt; 2.</summary>
    public static double Filter(double x)
    {
        const double a = -0.5;
        if (x < 0.0)
        {
            x = -x;
        }

        if (x < 1.0)
        {
            return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        }

        if (x < 2.0)
        {
            return (((x - 5) * x + 8) * x - 4) * a;
        }

        return 0.0;
    }

    /// <summary>
    /// Resizes <paramref name="image"/> to <paramref name="width"/> × <paramref name="height"/>: the horizontal pass
    /// first (skipped when the width is unchanged), then the vertical pass (skipped when the height is unchanged);
    /// same size is a copy.
    /// </summary>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var current = image;
        if (width != image.Width)
        {
            current = Horizontal(current, width);
        }

        if (height != image.Height)
        {
            current = Vertical(current, height);
        }

        return ReferenceEquals(current, image)
            ? new RgbImage(image.Width, image.Height, (byte[])image.Pixels.Clone())
            : current;
    }

    /// <summary>
    /// The filter taps of every output index for <paramref name="inSize"/> → <paramref name="outSize"/>
    /// (<c>precompute_coeffs</c>): scale = in/out, filterscale = max(scale, 1), support = 2·filterscale,
    /// center = (i + 0.5)·scale, taps from xmin = (int)(center − support + 0.5) clipped to 0 to
    /// xmax = (int)(center + support + 0.5) clipped to inSize, weight Filter((x − center + 0.5)/filterscale), divided
    /// by the taps' sum (when it is not 0).
    /// </summary>
    public static (int[] Start, double[][] Weights) Coefficients(int inSize, int outSize)
    {
        // Pillow computes in1 − in0 in float; exact for any realistic size.
        double scale = (double)(float)inSize / outSize;
        double filterscale = Math.Max(scale, 1.0);
        double support = Support * filterscale;
        var start = new int[outSize];
        var weights = new double[outSize][];
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale;
            double ss = 1.0 / filterscale;
            int xmin = Math.Max(0, (int)(center - support + 0.5));
            int xmax = Math.Min(inSize, (int)(center + support + 0.5)) - xmin;
            var k = new double[Math.Max(xmax, 0)];
            double ww = 0.0;
            for (int x = 0; x < k.Length; x++)
            {
                k[x] = Filter((x + xmin - center + 0.5) * ss);
                ww += k[x];
            }

            if (ww != 0.0)
            {
                for (int x = 0; x < k.Length; x++)
                {
                    k[x] /= ww;
                }
            }

            start[xx] = xmin;
            weights[xx] = k;
        }

        return (start, weights);
    }

    /// <summary>
    /// <c>normalize_coeffs_8bpc</c>: each weight to fixed point, w·2^22 rounded half away from zero by truncating
    /// w·2^22 ± 0.5.
    /// </summary>
    public static int[][] FixedPoint(double[][] weights)
    {
        var fixedPoint = new int[weights.Length][];
        for (int i = 0; i < weights.Length; i++)
        {
            fixedPoint[i] = new int[weights[i].Length];
            for (int x = 0; x < weights[i].Length; x++)
            {
                double w = weights[i][x];
                fixedPoint[i][x] = w < 0
                    ? (int)(-0.5 + w * (1 << PrecisionBits))
                    : (int)(0.5 + w * (1 << PrecisionBits));
            }
        }

        return fixedPoint;
    }

    /// <summary><c>clip8</c>: the accumulator (which starts at 2^21 for rounding) shifted right 22, clamped to 0..255.
    /// </summary>
    private static byte Clip8(int accumulator) => (byte)Math.Clamp(accumulator >> PrecisionBits, 0, 255);

    private static RgbImage Horizontal(RgbImage image, int width)
    {
        var (start, weights) = Coefficients(image.Width, width);
        var k = FixedPoint(weights);
        var src = image.Pixels;
        var dst = new byte[width * image.Height * 3];
        for (int y = 0; y < image.Height; y++)
        {
            int row = y * image.Width * 3;
            for (int xx = 0; xx < width; xx++)
            {
                int s0 = 1 << (PrecisionBits - 1), s1 = s0, s2 = s0;
                var kx = k[xx];
                for (int x = 0; x < kx.Length; x++)
                {
                    int p = row + (start[xx] + x) * 3;
                    s0 += src[p] * kx[x];
                    s1 += src[p + 1] * kx[x];
                    s2 += src[p + 2] * kx[x];
                }

                int o = (y * width + xx) * 3;
                dst[o] = Clip8(s0);
                dst[o + 1] = Clip8(s1);
                dst[o + 2] = Clip8(s2);
            }
        }

        return new RgbImage(width, image.Height, dst);
    }

    private static RgbImage Vertical(RgbImage image, int height)
    {
        var (start, weights) = Coefficients(image.Height, height);
        var k = FixedPoint(weights);
        var src = image.Pixels;
        int stride = image.Width * 3;
        var dst = new byte[height * stride];
        for (int yy = 0; yy < height; yy++)
        {
            var ky = k[yy];
            for (int xx = 0; xx < image.Width; xx++)
            {
                int s0 = 1 << (PrecisionBits - 1), s1 = s0, s2 = s0;
                for (int y = 0; y < ky.Length; y++)
                {
                    int p = (start[yy] + y) * stride + xx * 3;
                    s0 += src[p] * ky[y];
                    s1 += src[p + 1] * ky[y];
                    s2 += src[p + 2] * ky[y];
                }

                int o = yy * stride + xx * 3;
                dst[o] = Clip8(s0);
                dst[o + 1] = Clip8(s1);
                dst[o + 2] = Clip8(s2);
            }
        }

        return new RgbImage(image.Width, height, dst);
    }
}
