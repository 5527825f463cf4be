using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// The shape of one planar float image [C][H][W], values in [0, 1]; channels 0..2 are R, G, B and a fourth
/// channel (alpha) is carried through colour ops untouched.
/// </summary>
public readonly record struct ImageShape
{
    /// <summary>Checks 1 ≤ channels ≤ 4 and positive sizes.</summary>
    public ImageShape(int channels, int height, int width)
    {
        if (channels is < 1 or > 4)
        {
            throw new KernelInputException("channels", $"must be 1..4, got {channels}");
        }

        Guard.Positive(height, "height");
        Guard.Positive(width, "width");
        Channels = channels;
        Height = height;
        Width = width;
    }

    /// <summary>Number of planes.</summary>
    public int Channels { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>H·W.</summary>
    public int Plane => Height * Width;

    /// <summary>C·H·W, the float count of one image.</summary>
    public int Size => Channels * Height * Width;

    /// <summary>Colour channels touched by colour ops: min(C, 3).</summary>
    public int ColourChannels => Math.Min(Channels, 3);
}

/// <summary>An axis-aligned pixel rectangle [X, X+Width) × [Y, Y+Height).</summary>
public readonly record struct PixelRect(int X, int Y, int Width, int Height)
{
    /// <summary>Exclusive right edge.</summary>
    public int Right => X + Width;

    /// <summary>Exclusive bottom edge.</summary>
    public int Bottom => Y + Height;

    /// <summary>This rectangle clipped to a width × height image (possibly empty).</summary>
    public PixelRect Clip(int width, int height)
    {
        int x0 = Math.Clamp(X, 0, width);
        int y0 = Math.Clamp(Y, 0, height);
        int x1 = Math.Clamp(Right, 0, width);
        int y1 = Math.Clamp(Bottom, 0, height);
        return new PixelRect(x0, y0, Math.Max(0, x1 - x0), Math.Max(0, y1 - y0));
    }

    /// <summary>The same rectangle moved by (dx, dy).</summary>
    public PixelRect Offset(int dx, int dy) => this with { X = X + dx, Y = Y + dy };
}

/// <summary>A linear RGB colour in [0, 1].</summary>
public readonly record struct Rgb(float R, float G, float B)
{
    /// <summary>From 8-bit components.</summary>
    public static Rgb FromBytes(byte r, byte g, byte b) => new(r / 255f, g / 255f, b / 255f);

    /// <summary>Channel c (0 = R, 1 = G, 2 = B).</summary>
    public float this[int c] => c switch { 0 => R, 1 => G, _ => B };

    /// <summary>Rec. 601 luma 0.299 R + 0.587 G + 0.114 B.</summary>
    public float Luma => PixelMath.Luma(R, G, B);
}

/// <summary>
/// A small affine warp about the image centre c: a destination pixel centre p samples the source at
/// q = M⁻¹(p − c − t) + c, where M = scale · rotation(angle) · shear(ShearX) and t = (TranslateX, TranslateY).
/// </summary>
public readonly record struct AffineTransform(float AngleDegrees, float Scale, float ShearX, float TranslateX,
    float TranslateY)
{
    /// <summary>The identity warp.</summary>
    public static AffineTransform Identity => new(0, 1, 0, 0, 0);
}

/// <summary>
/// One fused pointwise chain, applied to R, G, B in this order, each stage clamping to [0, 1]:
/// brightness x·b; contrast (x − ½)·c + ½; saturation l + s(x − l) with l the Rec. 601 luma; noise x + σ·n.
/// Identity values (1, 1, 1, 0) skip a stage. torchvision's ColorJitter uses the image mean as the contrast
/// pivot; we pivot at ½ so the chain stays one pass with no reduction.
/// </summary>
public readonly record struct PointwiseChain(float Brightness, float Contrast, float Saturation, float NoiseStd)
{
    /// <summary>The chain that changes nothing.</summary>
    public static PointwiseChain Identity => new(1, 1, 1, 0);

    internal void Validate(int row)
    {
        Check(Brightness, 0, 8, "brightness", row);
        Check(Contrast, 0, 8, "contrast", row);
        Check(Saturation, 0, 8, "saturation", row);
        Check(NoiseStd, 0, 1, "noise_std", row);
    }

    private static void Check(float v, float lo, float hi, string field, int row)
    {
        if (!(v >= lo && v <= hi))
        {
            throw new KernelInputException(field, $"must be in [{lo}, {hi}], got {v}", row);
        }
    }
}
