namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// The scalar specification of the perturbation kernels: rows in order, one thread. Formulas:
/// <list type="bullet">
/// <item>pointwise chain (torchvision <c>ColorJitter</c> semantics, v0.20 <c>functional_tensor.py</c>, but contrast
/// pivots at ½): b: x·b; c: (x − ½)c + ½; s: l + s(x − l), l = 0.299r + 0.587g + 0.114b; noise: x + σ·n;
/// each stage clamped to [0, 1], in float;</item>
/// <item>Gaussian blur: w_k ∝ exp(−k²/2σ²), |k| ≤ ⌈3σ⌉, Σw = 1, horizontal then vertical pass, replicate edges,
/// double accumulation;</item>
/// <item>hue: YIQ rotation (luma kept); recolour: target·luma(x)/L₀; inpaint: onion peel then Jacobi on Δu = 0;
/// exemplar fill: Criminisi-style priority order, exhaustive SSD patch search (see <c>ExemplarFill</c>);
/// JPEG: T.81 DCT-II quantisation with Annex K tables (see <c>Jpeg</c>); affine and paste: bilinear sampling
/// at pixel centres with edge replication.</item>
/// </list>
/// </summary>
public sealed unsafe class PerturbReference : IPerturbKernels
{
    /// <inheritdoc />
    public void Pointwise(Span<float> batch, ImageShape shape, ReadOnlySpan<PointwiseChain> chains,
        ReadOnlySpan<ulong> seeds)
    {
        Checks.Batch(batch, shape, chains, seeds);
        for (int n = 0; n < chains.Length; n++)
        {
            var image = batch.Slice(n * shape.Size, shape.Size);
            for (int i = 0; i < shape.Plane; i++)
            {
                PointwisePixel(image, shape, i, chains[n], seeds[n]);
            }
        }
    }

    /// <summary>
    /// The chain at pixel i of one image: the scalar definition the SIMD path must match bit for bit.
    /// </summary>
    internal static void PointwisePixel(Span<float> img, ImageShape s, int i, PointwiseChain k, ulong seed)
    {
        int cc = s.ColourChannels;
        Span<float> v = stackalloc float[3];
        for (int c = 0; c < cc; c++)
        {
            v[c] = img[c * s.Plane + i];
        }

        if (k.Brightness != 1f)
        {
            for (int c = 0; c < cc; c++)
            {
                v[c] = PixelMath.Clamp01(v[c] * k.Brightness);
            }
        }

        if (k.Contrast != 1f)
        {
            for (int c = 0; c < cc; c++)
            {
                v[c] = PixelMath.Clamp01((v[c] - 0.5f) * k.Contrast + 0.5f);
            }
        }

        if (k.Saturation != 1f && cc == 3)
        {
            float l = PixelMath.Luma(v[0], v[1], v[2]);
            for (int c = 0; c < 3; c++)
            {
                v[c] = PixelMath.Clamp01(l + k.Saturation * (v[c] - l));
            }
        }

        if (k.NoiseStd != 0f)
        {
            for (int c = 0; c < cc; c++)
            {
                v[c] = PixelMath.Clamp01(v[c] + k.NoiseStd * HashRng.Normal(seed, (ulong)(c * s.Plane + i)));
            }
        }

        for (int c = 0; c < cc; c++)
        {
            img[c * s.Plane + i] = v[c];
        }
    }

    /// <summary>Normalised Gaussian taps w[0..2r], r = ⌈3σ⌉, in double.</summary>
    internal static double[] GaussianTaps(float sigma)
    {
        int r = (int)Math.Ceiling(3.0 * sigma);
        var w = new double[2 * r + 1];
        double sum = 0;
        for (int k = -r; k <= r; k++)
        {
            w[k + r] = Math.Exp(-(double)k * k / (2.0 * sigma * sigma));
            sum += w[k + r];
        }

        for (int k = 0; k < w.Length; k++)
        {
            w[k] /= sum;
        }

        return w;
    }

    /// <inheritdoc />
    public void GaussianBlur(Span<float> image, ImageShape shape, float sigma)
    {
        Checks.Image(image, shape);
        Checks.Range(sigma, 0.05f, 64f, "sigma");
        var w = GaussianTaps(sigma);
        int r = w.Length / 2, width = shape.Width, height = shape.Height;
        var tmp = new float[shape.Plane];
        for (int c = 0; c < shape.Channels; c++)
        {
            var p = image.Slice(c * shape.Plane, shape.Plane);
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    double acc = 0;
                    for (int k = -r; k <= r; k++)
                    {
                        acc += w[k + r] * p[y * width + Math.Clamp(x + k, 0, width - 1)];
                    }

                    tmp[y * width + x] = (float)acc;
                }
            }

            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    double acc = 0;
                    for (int k = -r; k <= r; k++)
                    {
                        acc += w[k + r] * tmp[Math.Clamp(y + k, 0, height - 1) * width + x];
                    }

                    p[y * width + x] = (float)acc;
                }
            }
        }
    }

    /// <inheritdoc />
    public void SaltPepper(Span<float> image, ImageShape shape, float amount, ulong seed)
    {
        Checks.Image(image, shape);
        Checks.Range(amount, 0, 1, "amount");
        fixed (float* img = image)
        {
            for (int y = 0; y < shape.Height; y++)
            {
                PixelMath.SaltPepperRow(img, shape, y, amount, seed);
            }
        }
    }

    /// <inheritdoc />
    public void HueRotate(Span<float> image, ImageShape shape, float degrees, ReadOnlySpan<byte> mask)
    {
        Checks.Image(image, shape);
        Checks.Mask(mask, shape, allowEmpty: true);
        Checks.Range(degrees, -360, 360, "degrees");
        if (shape.Channels < 3)
        {
            return;
        }

        var m = PixelMath.HueMatrix(degrees);
        fixed (float* img = image)
        fixed (byte* mk = mask)
        fixed (float* mp = m)
        {
            for (int y = 0; y < shape.Height; y++)
            {
                PixelMath.HueRow(img, shape.Plane, shape.Width, y, mask.IsEmpty ? null : mk, mp);
            }
        }
    }

    /// <inheritdoc />
    public void RecolourTo(Span<float> image, ImageShape shape, ReadOnlySpan<byte> mask, Rgb target)
    {
        Checks.Image(image, shape);
        Checks.Mask(mask, shape, allowEmpty: false);
        Checks.Colour(target, "target");
        if (shape.Channels < 3)
        {
            return;
        }

        fixed (float* img = image)
        fixed (byte* mk = mask)
        {
            float l0 = PixelMath.ReferenceLuma(img, shape.Plane, mk);
            for (int y = 0; y < shape.Height; y++)
            {
                PixelMath.RecolourRow(img, shape.Plane, shape.Width, y, mk, target, l0);
            }
        }
    }

    /// <inheritdoc />
    public void Inpaint(Span<float> image, ImageShape shape, ReadOnlySpan<byte> mask, int iterations)
    {
        Checks.Image(image, shape);
        Checks.Mask(mask, shape, allowEmpty: false);
        Checks.Range(iterations, 0, 100_000, "iterations");
        fixed (float* img = image)
        fixed (byte* mk = mask)
        {
            var box = Perturb.Inpaint.Box(mk, shape.Width, shape.Height);
            if (box.Width == 0)
            {
                return;
            }

            Perturb.Inpaint.OnionPeel(img, shape, mk, box);
            var prev = new float[shape.Channels * box.Width * box.Height];
            fixed (float* pv = prev)
            {
                for (int it = 0; it < iterations; it++)
                {
                    Perturb.Inpaint.Snapshot(img, shape, box, pv);
                    for (int y = box.Y; y < box.Bottom; y++)
                    {
                        Perturb.Inpaint.JacobiRow(img, shape, mk, box, pv, y);
                    }
                }
            }
        }
    }

    /// <inheritdoc />
    public void ExemplarFill(Span<float> image, ImageShape shape, ReadOnlySpan<byte> mask,
        ExemplarFillOptions options, ulong seed)
    {
        Checks.ExemplarFill(image, shape, mask, options);
        fixed (float* img = image)
        fixed (byte* mk = mask)
        {
            Perturb.ExemplarFill.Run(img, shape, mk, options, seed, default(ScalarPatchSearch));
        }
    }

    /// <inheritdoc />
    public void Paste(ReadOnlySpan<float> source, Span<float> image, ImageShape shape, ReadOnlySpan<byte> mask,
        PixelRect from, PixelRect to)
    {
        Checks.Image(source, shape, "source");
        Checks.Image(image, shape);
        Checks.Distinct(source, image);
        Checks.Mask(mask, shape, allowEmpty: false);
        Checks.Rect(from, "from");
        Checks.Rect(to, "to");
        var clip = to.Clip(shape.Width, shape.Height);
        fixed (float* src = source)
        fixed (float* dst = image)
        fixed (byte* mk = mask)
        {
            for (int y = clip.Y; y < clip.Bottom; y++)
            {
                PixelMath.PasteRow(src, dst, shape, mk, from, to, y);
            }
        }
    }

    /// <inheritdoc />
    public void JpegQuantise(Span<float> image, ImageShape shape, int quality)
    {
        Checks.Image(image, shape);
        Checks.Range(quality, 1, 100, "quality");
        var lq = Jpeg.Table(quality, chroma: false);
        var cq = Jpeg.Table(quality, chroma: true);
        fixed (float* img = image)
        {
            for (int by = 0; by * 8 < shape.Height; by++)
            {
                Jpeg.BlockRow(img, shape, by, lq, cq);
            }
        }
    }

    /// <inheritdoc />
    public void Affine(ReadOnlySpan<float> source, Span<float> image, ImageShape shape, AffineTransform transform)
    {
        Checks.Image(source, shape, "source");
        Checks.Image(image, shape);
        Checks.Distinct(source, image);
        Checks.Affine(transform);
        var inv = PixelMath.AffineInverse(transform);
        fixed (float* src = source)
        fixed (float* dst = image)
        fixed (float* iv = inv)
        {
            for (int y = 0; y < shape.Height; y++)
            {
                PixelMath.AffineRow(src, dst, shape, transform, iv, y);
            }
        }
    }

    /// <inheritdoc />
    public void FillRect(Span<float> image, ImageShape shape, PixelRect rect, Rgb colour)
    {
        Checks.Image(image, shape);
        Checks.Colour(colour, "colour");
        fixed (float* img = image)
        {
            PixelMath.FillRect(img, shape, rect, colour);
        }
    }

    /// <inheritdoc />
    public void DrawText(Span<float> image, ImageShape shape, ReadOnlySpan<char> text, int x, int y, int scale,
        Rgb colour)
    {
        Checks.Image(image, shape);
        Checks.Text(text, scale);
        Checks.Colour(colour, "colour");
        fixed (float* img = image)
        {
            PixelMath.DrawText(img, shape, text, x, y, scale, colour);
        }
    }
}
