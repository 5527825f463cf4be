namespace PerceptionJudge.Model.Processing;

/// <summary>
/// An 8-bit RGB image, interleaved HWC, rows top to bottom with no padding
/// (<c>Pixels[(y·Width + x)·3 + c]</c>): the image processors' input and the resize's output.
/// </summary>
public sealed class RgbImage
{
    /// <summary>Wraps <paramref name="pixels"/> (not copied); its length must be width·height·3.</summary>
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.LongLength != (long)width * height * 3)
        {
            throw new ArgumentException($"expected {(long)width * height * 3} bytes (width·height·3), got " +
                $"{pixels.Length}", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    /// <summary>Width in pixels.</summary>
    public int Width { get; }

    /// <summary>Height in pixels.</summary>
    public int Height { get; }

    /// <summary>Interleaved RGB bytes, row-major.</summary>
    public byte[] Pixels { get; }

    /// <summary>
    /// The RGB channels of an interleaved RGBA buffer (e.g. the Data library's decoded images). Only opaque images
    /// are accepted: HF's <c>convert_to_rgb</c> alpha-composites a translucent pixel onto white, which this does not
    /// reproduce, so a pixel with alpha below 255 is a <see cref="ModelException"/> naming <paramref name="source"/>.
    /// </summary>
    public static RgbImage FromRgba(int width, int height, ReadOnlySpan<byte> rgba, string source = "<image>")
    {
        if (rgba.Length != (long)width * height * 4)
        {
            throw new ModelException(source, null, $"expected {(long)width * height * 4} RGBA bytes, got {rgba.Length}");
        }

        var rgb = new byte[width * height * 3];
        for (int p = 0; p < width * height; p++)
        {
            if (rgba[p * 4 + 3] != 255)
            {
                throw new ModelException(source, null,
                    $"pixel ({p % width}, {p / width}) has alpha {rgba[p * 4 + 3]}; only opaque images are supported " +
                    "(flatten it onto a background first)");
            }

            rgb[p * 3] = rgba[p * 4];
            rgb[p * 3 + 1] = rgba[p * 4 + 1];
            rgb[p * 3 + 2] = rgba[p * 4 + 2];
        }

        return new RgbImage(width, height, rgb);
    }
}
