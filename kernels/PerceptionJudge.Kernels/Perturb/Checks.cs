using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>Entry-point checks shared by every backend; they throw <see cref="KernelInputException"/>.</summary>
internal static class Checks
{
    public static void Image(ReadOnlySpan<float> image, ImageShape shape, string field = "image")
    {
        if (shape.Channels == 0)
        {
            throw new KernelInputException("shape", "default ImageShape; construct it with sizes");
        }

        Guard.Length(image, shape.Size, field);
    }

    public static void Mask(ReadOnlySpan<byte> mask, ImageShape shape, bool allowEmpty)
    {
        if (!(allowEmpty && mask.IsEmpty))
        {
            Guard.Length(mask, shape.Plane, "mask");
        }
    }

    public static void ExemplarFill(ReadOnlySpan<float> image, ImageShape shape, ReadOnlySpan<byte> mask,
        ExemplarFillOptions options)
    {
        Image(image, shape);
        Mask(mask, shape, allowEmpty: false);
        options.Validate();
    }

    public static void Distinct(ReadOnlySpan<float> source, ReadOnlySpan<float> image)
    {
        if (source.Overlaps(image))
        {
            throw new KernelInputException("source", "must not overlap the destination image");
        }
    }

    public static void Range(float value, float lo, float hi, string field)
    {
        if (!(value >= lo && value <= hi))
        {
            throw new KernelInputException(field, $"must be in [{lo}, {hi}], got {value}");
        }
    }

    public static void Rect(PixelRect rect, string field)
    {
        if (rect.Width <= 0 || rect.Height <= 0)
        {
            throw new KernelInputException(field, $"must have positive size, got {rect.Width}x{rect.Height}");
        }
    }

    public static void Colour(Rgb c, string field)
    {
        Range(c.R, 0, 1, field);
        Range(c.G, 0, 1, field);
        Range(c.B, 0, 1, field);
    }

    public static void Affine(AffineTransform t)
    {
        Range(t.AngleDegrees, -180, 180, "angle");
        Range(t.Scale, 0.1f, 10, "scale");
        Range(t.ShearX, -2, 2, "shear");
        Range(t.TranslateX, -1e6f, 1e6f, "translate_x");
        Range(t.TranslateY, -1e6f, 1e6f, "translate_y");
    }

    public static void Text(ReadOnlySpan<char> text, int scale)
    {
        Guard.Positive(scale, "scale");
        GlyphFont.Validate(text);
    }

    public static void Batch(Span<float> batch, ImageShape shape, ReadOnlySpan<PointwiseChain> chains,
        ReadOnlySpan<ulong> seeds)
    {
        Guard.Length(seeds, chains.Length, "seeds");
        Guard.Length(batch, checked(chains.Length * shape.Size), "batch");
        for (int n = 0; n < chains.Length; n++)
        {
            chains[n].Validate(n);
        }
    }
}
