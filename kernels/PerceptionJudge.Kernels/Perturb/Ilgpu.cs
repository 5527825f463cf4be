using ILGPU;
using PerceptionJudge.Kernels.Runtime.Ilgpu;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// The perturbations as ILGPU kernels on an <see cref="IlgpuContext"/>; every operation is ported. One thread per
/// pixel for the pointwise chain (every image of the batch in one launch), salt and pepper, hue, recolour, paste,
/// affine, cutout and text (IlgpuPixels.cs); the blur as two launches (horizontal, vertical) with the reference's
/// double taps and accumulation; recolour's reference luma as one thread in the reference's order; JPEG one thread per
/// 8×8 block; inpaint's Jacobi sweeps one launch per sweep over the hole's box and the exemplar fill's patch search
/// one thread per window row plus one thread for the winner (IlgpuBlocks.cs). Two steps stay on the host because
/// their serial order is their definition and they are a small part of the cost: inpaint's onion peel
/// (<see cref="Inpaint.OnionPeel"/>) and the exemplar fill's priority order and patch copy
/// (<see cref="ExemplarFill"/>, one search launch per target: the target's known offsets and values go up, ≤
/// 3·(2r+1)² floats, and the winning index, 4 bytes, comes back). On the CPU accelerator every op gives the
/// reference's bits (the blur included, where the Cpu backend is within 1e-5). Arguments are checked on the host
/// first with the other backends' errors; device buffers are pooled, so a repeated call allocates and compiles
/// nothing.
/// </summary>
public sealed unsafe partial class PerturbIlgpu : IPerturbKernels
{
    private readonly IlgpuContext? _context;

    /// <summary>Uses <paramref name="context"/>, or the process-wide <see cref="IlgpuRuntime.Shared"/> when null.
    /// </summary>
    public PerturbIlgpu(IlgpuContext? context = null) => _context = context;

    /// <summary>The perturbation operations this backend runs as ILGPU kernels (all of them).</summary>
    public static IReadOnlyList<string> Ported { get; } =
    [
        "pointwise", "gaussian_blur", "salt_pepper", "hue_rotate", "recolour", "inpaint", "exemplar_fill", "paste",
        "jpeg", "affine", "fill_rect", "draw_text",
    ];

    private IlgpuContext Context => _context ?? IlgpuRuntime.Shared;

    /// <inheritdoc />
    public void Pointwise(Span<float> batch, ImageShape shape, ReadOnlySpan<PointwiseChain> chains,
        ReadOnlySpan<ulong> seeds)
    {
        Checks.Batch(batch, shape, chains, seeds);
        var context = Context;
        lock (context.Gate)
        {
            var args = new PointwiseArgs(context.Upload("perturb.image", (ReadOnlySpan<float>)batch),
                context.Upload("perturb.chains", chains), context.Upload("perturb.seeds", seeds), shape.Plane,
                shape.Size, shape.ColourChannels);
            context.Kernel<PointwiseArgs>(PointwiseKernel)((long)shape.Plane * chains.Length, args);
            context.Download(args.Batch, batch);
        }
    }

    /// <inheritdoc />
    public void GaussianBlur(Span<float> image, ImageShape shape, float sigma)
    {
        Checks.Image(image, shape);
        Checks.Range(sigma, 0.05f, 64f, "sigma");
        var taps = PerturbReference.GaussianTaps(sigma);
        var context = Context;
        lock (context.Gate)
        {
            var img = context.Upload("perturb.image", (ReadOnlySpan<float>)image);
            var tmp = context.Buffer<float>("perturb.scratch", image.Length);
            var w = context.Upload("perturb.taps", (ReadOnlySpan<double>)taps);
            var blur = context.Kernel<BlurArgs>(BlurKernel);
            blur(image.Length, new BlurArgs(img, tmp, w, shape.Width, shape.Height, 0));
            blur(image.Length, new BlurArgs(tmp, img, w, shape.Width, shape.Height, 1));
            context.Download(img, image);
        }
    }

    /// <inheritdoc />
    public void SaltPepper(Span<float> image, ImageShape shape, float amount, ulong seed)
    {
        Checks.Image(image, shape);
        Checks.Range(amount, 0, 1, "amount");
        var context = Context;
        lock (context.Gate)
        {
            var args = new SaltPepperArgs(context.Upload("perturb.image", (ReadOnlySpan<float>)image), shape.Plane,
                shape.ColourChannels, amount, seed);
            context.Kernel<SaltPepperArgs>(SaltPepperKernel)(shape.Plane, args);
            context.Download(args.Image, image);
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

        var context = Context;
        lock (context.Gate)
        {
            var args = new HueArgs(context.Upload("perturb.image", (ReadOnlySpan<float>)image),
                context.Upload("perturb.mask", mask),
                context.Upload("perturb.matrix", (ReadOnlySpan<float>)PixelMath.HueMatrix(degrees)), shape.Plane,
                mask.IsEmpty ? 0 : 1);
            context.Kernel<HueArgs>(HueKernel)(shape.Plane, args);
            context.Download(args.Image, image);
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

        var context = Context;
        lock (context.Gate)
        {
            var args = new RecolourArgs(context.Upload("perturb.image", (ReadOnlySpan<float>)image),
                context.Upload("perturb.mask", mask), context.Buffer<float>("perturb.luma", 1), shape.Plane, target.R,
                target.G, target.B);
            context.Kernel<RecolourArgs>(ReferenceLumaKernel)(1, args);
            context.Kernel<RecolourArgs>(RecolourKernel)(shape.Plane, args);
            context.Download(args.Image, image);
        }
    }

    /// <inheritdoc />
    public void Inpaint(Span<float> image, ImageShape shape, ReadOnlySpan<byte> mask, int iterations)
    {
        Checks.Image(image, shape);
        Checks.Mask(mask, shape, allowEmpty: false);
        Checks.Range(iterations, 0, 100_000, "iterations");
        PixelRect box;
        fixed (float* img = image)
        fixed (byte* mk = mask)
        {
            box = Perturb.Inpaint.Box(mk, shape.Width, shape.Height);
            if (box.Width == 0)
            {
                return;
            }

            Perturb.Inpaint.OnionPeel(img, shape, mk, box);
        }

        if (iterations == 0)
        {
            return;
        }

        var context = Context;
        lock (context.Gate)
        {
            var a = context.Upload("perturb.image", (ReadOnlySpan<float>)image);
            var b = context.Upload("perturb.scratch", (ReadOnlySpan<float>)image);
            var m = context.Upload("perturb.mask", mask);
            var sweep = context.Kernel<JacobiArgs>(JacobiKernel);
            for (int it = 0; it < iterations; it++)
            {
                sweep((long)shape.Channels * box.Width * box.Height,
                    new JacobiArgs(a, b, m, shape.Width, shape.Height, box.X, box.Y, box.Width, box.Height));
                (a, b) = (b, a);
            }

            context.Download(a, image);
        }
    }

    /// <inheritdoc />
    public void ExemplarFill(Span<float> image, ImageShape shape, ReadOnlySpan<byte> mask,
        ExemplarFillOptions options, ulong seed)
    {
        Checks.ExemplarFill(image, shape, mask, options);
        var context = Context;
        lock (context.Gate)
        {
            fixed (float* img = image)
            fixed (byte* mk = mask)
            {
                Perturb.ExemplarFill.Run(img, shape, mk, options, seed, new IlgpuPatchSearch(context));
            }
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
        var context = Context;
        lock (context.Gate)
        {
            var args = new PasteArgs(context.Upload("perturb.source", source),
                context.Upload("perturb.image", (ReadOnlySpan<float>)image), context.Upload("perturb.mask", mask),
                shape.Width, shape.Height, shape.Channels, from.X, from.Y, from.Width, from.Height, to.X, to.Y,
                to.Width, to.Height, clip.X, clip.Y, Math.Max(1, clip.Width));
            context.Kernel<PasteArgs>(PasteKernel)((long)clip.Width * clip.Height, args);
            context.Download(args.Image, image);
        }
    }

    /// <inheritdoc />
    public void JpegQuantise(Span<float> image, ImageShape shape, int quality)
    {
        Checks.Image(image, shape);
        Checks.Range(quality, 1, 100, "quality");
        double[] tables = [.. Jpeg.Table(quality, chroma: false), .. Jpeg.Table(quality, chroma: true)];
        int blocks = (shape.Width + 7) / 8 * ((shape.Height + 7) / 8);
        var context = Context;
        lock (context.Gate)
        {
            var args = new JpegArgs(context.Upload("perturb.image", (ReadOnlySpan<float>)image),
                context.Upload("perturb.jpeg_cos", Jpeg.Cos), context.Upload("perturb.jpeg_q", (ReadOnlySpan<double>)tables),
                context.Buffer<double>("perturb.jpeg_scratch", blocks * 256L), shape.Width, shape.Height,
                shape.Channels);
            context.Kernel<JpegArgs>(JpegKernel)(blocks, args);
            context.Download(args.Image, image);
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
        var context = Context;
        lock (context.Gate)
        {
            var args = new AffineArgs(context.Upload("perturb.source", source),
                context.Buffer<float>("perturb.image", image.Length), shape.Width, shape.Height, shape.Channels,
                inv[0], inv[1], inv[2], inv[3], transform.TranslateX, transform.TranslateY);
            context.Kernel<AffineArgs>(AffineKernel)(shape.Plane, args);
            context.Download(args.Image, image);
        }
    }

    /// <inheritdoc />
    public void FillRect(Span<float> image, ImageShape shape, PixelRect rect, Rgb colour)
    {
        Checks.Image(image, shape);
        Checks.Colour(colour, "colour");
        Paint(image, shape, rect.Clip(shape.Width, shape.Height), [], 0, 0, 1, colour);
    }

    /// <inheritdoc />
    public void DrawText(Span<float> image, ImageShape shape, ReadOnlySpan<char> text, int x, int y, int scale,
        Rgb colour)
    {
        Checks.Image(image, shape);
        Checks.Text(text, scale);
        Checks.Colour(colour, "colour");
        const int cells = GlyphFont.GlyphWidth * GlyphFont.GlyphHeight;
        var ink = new byte[text.Length * cells];
        for (int g = 0; g < text.Length; g++)
        {
            for (int k = 0; k < cells; k++)
            {
                ink[g * cells + k] = GlyphFont.Ink(text[g], k % GlyphFont.GlyphWidth, k / GlyphFont.GlyphWidth)
                    ? (byte)1 : (byte)0;
            }
        }

        var (tw, th) = GlyphFont.Measure(text, scale);
        Paint(image, shape, new PixelRect(x, y, tw, th).Clip(shape.Width, shape.Height), ink, x, y, scale, colour);
    }

    /// <summary>Cutout (no glyphs) or text (the glyph bitmaps in <paramref name="ink"/>) over the clipped rect.</summary>
    private void Paint(Span<float> image, ImageShape shape, PixelRect clip, ReadOnlySpan<byte> ink, int x, int y,
        int scale, Rgb colour)
    {
        if (clip.Width == 0 || clip.Height == 0)
        {
            return;
        }

        var context = Context;
        lock (context.Gate)
        {
            var args = new PaintArgs(context.Upload("perturb.image", (ReadOnlySpan<float>)image),
                context.Upload("perturb.ink", ink), shape.Width, shape.Height, shape.ColourChannels, clip.X, clip.Y,
                clip.Width, ink.Length / (GlyphFont.GlyphWidth * GlyphFont.GlyphHeight), x, y, scale, colour.R,
                colour.G, colour.B);
            context.Kernel<PaintArgs>(PaintKernel)((long)clip.Width * clip.Height, args);
            context.Download(args.Image, image);
        }
    }
}
