using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// Recolours a masked object, keeping its shading: either to a target colour (target·luma/L₀) or by a
/// luma-preserving hue rotation. Pixels with zero coverage are untouched, bit for bit.
/// </summary>
public sealed class RecolourOp : IPerturbation
{
    private RecolourOp(RegionMask mask, Rgb? target, float hueDegrees)
    {
        ArgumentNullException.ThrowIfNull(mask);
        Mask = mask;
        Target = target;
        HueDegrees = hueDegrees;
    }

    /// <summary>Recolour to <paramref name="target"/> (components in [0, 1]).</summary>
    public static RecolourOp ToColour(RegionMask mask, Rgb target)
    {
        Checks.Colour(target, "target");
        return new RecolourOp(mask, target, 0);
    }

    /// <summary>Rotate the hue by <paramref name="degrees"/> ∈ [−180, 180].</summary>
    public static RecolourOp HueShift(RegionMask mask, float degrees)
    {
        Checks.Range(degrees, -180, 180, "hue");
        return new RecolourOp(mask, null, degrees);
    }

    /// <summary>The object.</summary>
    public RegionMask Mask { get; }

    /// <summary>The target colour, or null for a hue shift.</summary>
    public Rgb? Target { get; }

    /// <summary>The hue shift in degrees when <see cref="Target"/> is null.</summary>
    public float HueDegrees { get; }

    /// <inheritdoc />
    public string Name => "recolour";

    /// <inheritdoc />
    public string Describe() => Target is Rgb t
        ? $"recolour(target=#{Hex(t.R)}{Hex(t.G)}{Hex(t.B)})"
        : $"recolour(hue={HueDegrees:0.#})";

    private static string Hex(float v) => ((int)MathF.Round(v * 255)).ToString("X2");

    /// <inheritdoc />
    public void Apply(IPerturbKernels kernels, Span<float> image, ImageShape shape, ulong seed)
    {
        Mask.Check(shape);
        if (Target is Rgb t)
        {
            kernels.RecolourTo(image, shape, Mask.Coverage, t);
        }
        else
        {
            kernels.HueRotate(image, shape, HueDegrees, Mask.Coverage);
        }
    }
}

/// <summary>Removes a masked object by inpainting from its surroundings (<see cref="HoleFill"/>).</summary>
public sealed class RemoveOp : IPerturbation
{
    /// <summary>Default Jacobi sweeps after the onion-peel fill.</summary>
    public const int DefaultIterations = 64;

    /// <summary>Diffusion fill with <paramref name="iterations"/> ∈ [0, 100000] Jacobi sweeps.</summary>
    public RemoveOp(RegionMask mask, int iterations = DefaultIterations)
        : this(mask, HoleFill.Diffusion(iterations))
    {
    }

    /// <summary>Removes the object and fills the hole with <paramref name="fill"/>.</summary>
    public RemoveOp(RegionMask mask, HoleFill fill)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(fill);
        Mask = mask;
        Fill = fill;
    }

    /// <summary>The object to remove.</summary>
    public RegionMask Mask { get; }

    /// <summary>How the hole is filled.</summary>
    public HoleFill Fill { get; }

    /// <inheritdoc />
    public string Name => "remove";

    /// <inheritdoc />
    public string Describe() => $"remove(bbox={Fmt.Rect(Mask.Bounds)}{Fill.Suffix})";

    /// <inheritdoc />
    public void Apply(IPerturbKernels kernels, Span<float> image, ImageShape shape, ulong seed)
    {
        Mask.Check(shape);
        Fill.Apply(kernels, image, shape, Mask.Coverage, seed);
    }
}

/// <summary>
/// Moves, duplicates or rescales a masked object: the object's pixels (from a copy of the input) are pasted at a
/// new rectangle; unless duplicating, the original place is inpainted first. Changes are confined to the source
/// mask (inpainted) and the destination rectangle.
/// </summary>
public sealed class TransplantOp : IPerturbation
{
    private TransplantOp(string name, RegionMask mask, PixelRect to, bool keepOriginal, HoleFill? fill = null)
    {
        ArgumentNullException.ThrowIfNull(mask);
        Checks.Rect(to, "to");
        Name = name;
        Mask = mask;
        To = to;
        KeepOriginal = keepOriginal;
        Fill = fill ?? HoleFill.Diffusion();
    }

    /// <summary>Moves the object by (dx, dy) pixels; its old place is filled by <paramref name="fill"/>
    /// (default: diffusion).</summary>
    public static TransplantOp Move(RegionMask mask, int dx, int dy, HoleFill? fill = null) =>
        new("move", mask, mask.Bounds.Offset(dx, dy), keepOriginal: false, fill);

    /// <summary>Pastes a copy of the object shifted by (dx, dy): one more object (a count change).</summary>
    public static TransplantOp Duplicate(RegionMask mask, int dx, int dy) =>
        new("duplicate", mask, mask.Bounds.Offset(dx, dy), keepOriginal: true);

    /// <summary>Rescales the object about its centre by <paramref name="factor"/> ∈ [0.25, 4].</summary>
    public static TransplantOp Scale(RegionMask mask, float factor)
    {
        ArgumentNullException.ThrowIfNull(mask);
        Checks.Range(factor, 0.25f, 4f, "factor");
        var b = mask.Bounds;
        int w = Math.Max(1, (int)MathF.Round(b.Width * factor)), h = Math.Max(1, (int)MathF.Round(b.Height * factor));
        int cx2 = 2 * b.X + b.Width, cy2 = 2 * b.Y + b.Height;
        return new("scale", mask, new PixelRect((cx2 - w) / 2, (cy2 - h) / 2, w, h), keepOriginal: false);
    }

    /// <summary>move, duplicate or scale.</summary>
    public string Name { get; }

    /// <summary>The object.</summary>
    public RegionMask Mask { get; }

    /// <summary>Where the object's bounding box lands.</summary>
    public PixelRect To { get; }

    /// <summary>True for duplicate: the original stays.</summary>
    public bool KeepOriginal { get; }

    /// <summary>How the vacated place is filled (unused when <see cref="KeepOriginal"/>).</summary>
    public HoleFill Fill { get; }

    /// <inheritdoc />
    public string Describe() =>
        $"{Name}(from={Fmt.Rect(Mask.Bounds)}, to={Fmt.Rect(To)}{(KeepOriginal ? "" : Fill.Suffix)})";

    /// <inheritdoc />
    public void Apply(IPerturbKernels kernels, Span<float> image, ImageShape shape, ulong seed)
    {
        Mask.Check(shape);
        var source = image.ToArray();
        if (!KeepOriginal)
        {
            Fill.Apply(kernels, image, shape, Mask.Coverage, seed);
        }

        kernels.Paste(source, image, shape, Mask.Coverage, Mask.Bounds, To);
    }
}

/// <summary>Swaps two objects: both are inpainted, then each is pasted centred where the other was.</summary>
public sealed class SwapOp : IPerturbation
{
    /// <summary>Two masks of the same image.</summary>
    public SwapOp(RegionMask a, RegionMask b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Width != b.Width || a.Height != b.Height)
        {
            throw new KernelInputException("mask", "the two masks have different sizes");
        }

        A = a;
        B = b;
    }

    /// <summary>First object.</summary>
    public RegionMask A { get; }

    /// <summary>Second object.</summary>
    public RegionMask B { get; }

    /// <inheritdoc />
    public string Name => "swap";

    /// <inheritdoc />
    public string Describe() => $"swap(a={Fmt.Rect(A.Bounds)}, b={Fmt.Rect(B.Bounds)})";

    /// <inheritdoc />
    public void Apply(IPerturbKernels kernels, Span<float> image, ImageShape shape, ulong seed)
    {
        A.Check(shape);
        var source = image.ToArray();
        kernels.Inpaint(image, shape, A.Union(B).Coverage, RemoveOp.DefaultIterations);
        kernels.Paste(source, image, shape, A.Coverage, A.Bounds, CentredOn(A.Bounds, B.Bounds));
        kernels.Paste(source, image, shape, B.Coverage, B.Bounds, CentredOn(B.Bounds, A.Bounds));
    }

    private static PixelRect CentredOn(PixelRect r, PixelRect on) =>
        r with { X = on.X + (on.Width - r.Width) / 2, Y = on.Y + (on.Height - r.Height) / 2 };
}

/// <summary>
/// Changes a text or digit patch: optionally erases the old glyphs (inpainting <see cref="Erase"/>), then renders
/// <see cref="Text"/> in the 5×7 font at (X, Y) with an integer scale.
/// </summary>
public sealed class GlyphOp : IPerturbation
{
    /// <summary>Checks the text is in the font and the scale is 1..64; <paramref name="fill"/> fills the erased
    /// glyphs (default: diffusion).</summary>
    public GlyphOp(string text, int x, int y, int scale, Rgb colour, RegionMask? erase = null, HoleFill? fill = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        Checks.Text(text, scale);
        Checks.Range(scale, 1, 64, "scale");
        Checks.Colour(colour, "colour");
        Text = text;
        X = x;
        Y = y;
        Scale = scale;
        Colour = colour;
        Erase = erase;
        Fill = fill ?? HoleFill.Diffusion();
    }

    /// <summary>The new text.</summary>
    public string Text { get; }

    /// <summary>Left edge.</summary>
    public int X { get; }

    /// <summary>Top edge.</summary>
    public int Y { get; }

    /// <summary>Font pixel size.</summary>
    public int Scale { get; }

    /// <summary>Ink colour.</summary>
    public Rgb Colour { get; }

    /// <summary>The old glyphs to remove first, if any.</summary>
    public RegionMask? Erase { get; }

    /// <summary>How the erased glyphs are filled.</summary>
    public HoleFill Fill { get; }

    /// <inheritdoc />
    public string Name => "glyph";

    /// <inheritdoc />
    public string Describe() => $"glyph(text=\"{Text}\", x={X}, y={Y}, scale={Scale}{Fill.Suffix})";

    /// <inheritdoc />
    public void Apply(IPerturbKernels kernels, Span<float> image, ImageShape shape, ulong seed)
    {
        if (Erase is not null)
        {
            Erase.Check(shape);
            Fill.Apply(kernels, image, shape, Erase.Coverage, seed);
        }

        kernels.DrawText(image, shape, Text, X, Y, Scale, Colour);
    }
}

internal static class Fmt
{
    public static string Rect(PixelRect r) => $"[{r.X},{r.Y},{r.Width},{r.Height}]";
}
