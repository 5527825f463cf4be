using System.Buffers;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// Fast CPU perturbations: the pointwise chain and the blur are Vector256 loops with a scalar tail; every op runs
/// rows (or 8-row JPEG block rows) in parallel through <c>RowRunner</c>. Bit-exact against
/// <see cref="PerturbReference"/> for every op except the blur (float taps and accumulation vs double:
/// |Δ| ≤ 1e-5). Row workers share the per-row formulas of the reference, so the two cannot drift.
/// </summary>
public sealed unsafe class PerturbCpu : IPerturbKernels
{
    /// <inheritdoc />
    public void Pointwise(Span<float> batch, ImageShape shape, ReadOnlySpan<PointwiseChain> chains,
        ReadOnlySpan<ulong> seeds)
    {
        Checks.Batch(batch, shape, chains, seeds);
        fixed (float* b = batch)
        fixed (PointwiseChain* k = chains)
        fixed (ulong* sd = seeds)
        {
            RowRunner.For(chains.Length * shape.Height, shape.Width * 3L, new PointwiseRows(b, shape, k, sd));
        }
    }

    /// <inheritdoc />
    public void GaussianBlur(Span<float> image, ImageShape shape, float sigma)
    {
        Checks.Image(image, shape);
        Checks.Range(sigma, 0.05f, 64f, "sigma");
        var taps = PerturbReference.GaussianTaps(sigma);
        var w = new float[taps.Length];
        for (int i = 0; i < w.Length; i++)
        {
            w[i] = (float)taps[i];
        }

        var scratch = ArrayPool<float>.Shared.Rent(shape.Size);
        try
        {
            fixed (float* img = image)
            fixed (float* tmp = scratch)
            fixed (float* wp = w)
            {
                int rows = shape.Channels * shape.Height;
                RowRunner.For(rows, (long)shape.Width * w.Length, new BlurRows(img, tmp, shape, wp, w.Length, false));
                RowRunner.For(rows, (long)shape.Width * w.Length, new BlurRows(tmp, img, shape, wp, w.Length, true));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(scratch);
        }
    }

    /// <inheritdoc />
    public void SaltPepper(Span<float> image, ImageShape shape, float amount, ulong seed)
    {
        Checks.Image(image, shape);
        Checks.Range(amount, 0, 1, "amount");
        fixed (float* img = image)
        {
            RowRunner.For(shape.Height, shape.Width, new SaltPepperRows(img, shape, amount, seed));
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
            RowRunner.For(shape.Height, shape.Width * 12L, new HueRows(img, shape, mask.IsEmpty ? null : mk, mp));
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
            RowRunner.For(shape.Height, shape.Width * 4L, new RecolourRows(img, shape, mk, target, l0));
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
            var prev = ArrayPool<float>.Shared.Rent(shape.Channels * box.Width * box.Height);
            try
            {
                fixed (float* pv = prev)
                {
                    var rows = new JacobiRows(img, shape, mk, box, pv);
                    for (int it = 0; it < iterations; it++)
                    {
                        Perturb.Inpaint.Snapshot(img, shape, box, pv);
                        RowRunner.For(box.Height, box.Width * 4L * shape.Channels, rows);
                    }
                }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(prev);
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
            // One search per call: it keeps per-row scratch, and calls may run in parallel.
            Perturb.ExemplarFill.Run(img, shape, mk, options, seed, new SimdPatchSearch());
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
            RowRunner.For(clip.Height, clip.Width * 8L * shape.Channels,
                new PasteRows(src, dst, shape, mk, from, to, clip.Y));
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
            RowRunner.For((shape.Height + 7) / 8, shape.Width * 256L, new JpegRows(img, shape, lq, cq));
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
            RowRunner.For(shape.Height, shape.Width * 8L * shape.Channels,
                new AffineRows(src, dst, shape, transform, iv));
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
