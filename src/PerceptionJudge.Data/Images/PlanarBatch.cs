namespace PerceptionJudge.Data.Images;

/// <summary>
/// Conversions between <see cref="Rgba8Image"/> and planar float batches laid out [N][C][H][W] in [0, 1]
/// (C = 3: RGB, or 4: RGBA), the layout the ViT patch embedding reads. Byte b maps to b/255; back, x maps to
/// round(clamp(x, 0, 1)·255) (ties to even), so bytes → floats → bytes is exact.
/// </summary>
public static class PlanarBatch
{
    /// <summary>Packs same-sized images into one [N][C][H][W] array.</summary>
    public static float[] ToPlanar(IReadOnlyList<Rgba8Image> images, int channels = 3)
    {
        ArgumentNullException.ThrowIfNull(images);
        CheckChannels(channels);
        if (images.Count == 0)
        {
            return [];
        }

        int w = images[0].Width;
        int h = images[0].Height;
        int plane = w * h;
        var batch = new float[images.Count * channels * plane];
        for (int n = 0; n < images.Count; n++)
        {
            var image = images[n];
            if (image.Width != w || image.Height != h)
            {
                throw new ArgumentException($"image {n} is {image.Width}x{image.Height}, batch is {w}x{h}",
                    nameof(images));
            }

            ToPlanar(image, batch.AsSpan(n * channels * plane, channels * plane), channels);
        }

        return batch;
    }

    /// <summary>Writes one image as [C][H][W] into <paramref name="planes"/> (length C·H·W).</summary>
    public static void ToPlanar(Rgba8Image image, Span<float> planes, int channels = 3)
    {
        ArgumentNullException.ThrowIfNull(image);
        CheckChannels(channels);
        int plane = image.Width * image.Height;
        if (planes.Length != channels * plane)
        {
            throw new ArgumentException($"expected {channels * plane} floats, got {planes.Length}", nameof(planes));
        }

        var px = image.Pixels;
        for (int c = 0; c < channels; c++)
        {
            var dst = planes.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++)
            {
                dst[i] = px[i * 4 + c] / 255f;
            }
        }
    }

    /// <summary>Unpacks image <paramref name="index"/> of a [N][C][H][W] batch; alpha is 255 when C = 3.</summary>
    public static Rgba8Image FromPlanar(ReadOnlySpan<float> batch, int index, int channels, int height, int width)
    {
        CheckChannels(channels);
        int plane = width * height;
        var planes = batch.Slice(index * channels * plane, channels * plane);
        var px = new byte[plane * 4];
        for (int c = 0; c < 4; c++)
        {
            if (c >= channels)
            {
                for (int i = 0; i < plane; i++)
                {
                    px[i * 4 + c] = 255;
                }

                continue;
            }

            var src = planes.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++)
            {
                px[i * 4 + c] = ToByte(src[i]);
            }
        }

        return new Rgba8Image(width, height, px);
    }

    /// <summary>round(clamp(x, 0, 1)·255), NaN → 0.</summary>
    public static byte ToByte(float x) =>
        x >= 1f ? (byte)255 : x > 0f ? (byte)MathF.Round(x * 255f, MidpointRounding.ToEven) : (byte)0;

    private static void CheckChannels(int channels)
    {
        if (channels is not (3 or 4))
        {
            throw new ArgumentOutOfRangeException(nameof(channels), channels, "channels must be 3 (RGB) or 4 (RGBA)");
        }
    }
}
