namespace PerceptionJudge.Data.Images;

/// <summary>
/// A decoded image: <see cref="Width"/> × <see cref="Height"/> pixels, interleaved RGBA, 8 bits per channel,
/// rows top to bottom with no padding (<c>Pixels[(y·Width + x)·4 + c]</c>). Managed memory only.
/// </summary>
public sealed class Rgba8Image
{
    /// <summary>Wraps <paramref name="pixels"/> (not copied); its length must be width·height·4.</summary>
    public Rgba8Image(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.LongLength != (long)width * height * 4)
        {
            throw new ArgumentException($"expected {(long)width * height * 4} bytes, got {pixels.Length}",
                nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>A new opaque image filled with one colour.</summary>
    public static Rgba8Image Filled(int width, int height, byte r, byte g, byte b)
    {
        var image = new Rgba8Image(width, height, new byte[width * height * 4]);
        for (int i = 0; i < image.Pixels.Length; i += 4)
        {
            image.Pixels[i] = r;
            image.Pixels[i + 1] = g;
            image.Pixels[i + 2] = b;
            image.Pixels[i + 3] = 255;
        }

        return image;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Interleaved RGBA bytes, row-major.</summary>
    public byte[] Pixels { get; }

    /// <summary>The RGBA bytes of pixel (x, y).</summary>
    public ReadOnlySpan<byte> Pixel(int x, int y) => Pixels.AsSpan((y * Width + x) * 4, 4);

    /// <summary>A deep copy.</summary>
    public Rgba8Image Clone() => new(Width, Height, (byte[])Pixels.Clone());
}
