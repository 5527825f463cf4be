namespace PerceptionJudge.Data.Images;

/// <summary>Resampling for model inputs.</summary>
public static class ImageResize
{
    /// <summary>
    /// Area-average (box) resampling to <paramref name="width"/> × <paramref name="height"/>: each output pixel is the
    /// coverage-weighted mean of the source pixels under its footprint, per RGBA channel, rounded to nearest. For an
    /// integer shrink factor k this is the plain mean of each k × k block (what OpenCV's INTER_AREA gives).
    /// </summary>
    public static Rgba8Image AreaAverage(Rgba8Image source, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        if (width == source.Width && height == source.Height)
        {
            return source.Clone();
        }

        double sx = (double)source.Width / width, sy = (double)source.Height / height;
        var output = new byte[width * height * 4];
        Span<double> acc = stackalloc double[4];
        for (int y = 0; y < height; y++)
        {
            double y0 = y * sy, y1 = y0 + sy;
            for (int x = 0; x < width; x++)
            {
                double x0 = x * sx, x1 = x0 + sx, area = 0;
                acc.Clear();
                for (int v = (int)y0; v < Math.Min(source.Height, (int)Math.Ceiling(y1)); v++)
                {
                    double wy = Math.Min(y1, v + 1) - Math.Max(y0, v);
                    for (int u = (int)x0; u < Math.Min(source.Width, (int)Math.Ceiling(x1)); u++)
                    {
                        double w = wy * (Math.Min(x1, u + 1) - Math.Max(x0, u));
                        var px = source.Pixel(u, v);
                        for (int c = 0; c < 4; c++)
                        {
                            acc[c] += w * px[c];
                        }

                        area += w;
                    }
                }

                for (int c = 0; c < 4; c++)
                {
                    output[(y * width + x) * 4 + c] = (byte)Math.Clamp(Math.Round(acc[c] / area), 0, 255);
                }
            }
        }

        return new Rgba8Image(width, height, output);
    }
}
