using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>Masks and colours of a box in a planar photo [3][H][W]: what the question-aware edits work on.</summary>
internal static class PhotoRegions
{
    /// <summary>The whole box as a mask, grown by <paramref name="grow"/> pixels (clipped).</summary>
    public static RegionMask Box(ImageShape shape, PixelRect rect, int grow = 0)
    {
        var r = new PixelRect(rect.X - grow, rect.Y - grow, rect.Width + 2 * grow, rect.Height + 2 * grow)
            .Clip(shape.Width, shape.Height);
        var coverage = new byte[shape.Plane];
        for (int y = r.Y; y < r.Bottom; y++)
        {
            coverage.AsSpan(y * shape.Width + r.X, r.Width).Fill(255);
        }

        return new RegionMask(shape.Width, shape.Height, coverage);
    }

    /// <summary>
    /// The object inside a box: pixels whose L1 RGB distance from the mean of the box's border ring exceeds 0.25,
    /// grown by <paramref name="grow"/> pixels (a square dilation, so anti-aliased edges go with the object). Null
    /// (use the whole box) when that is under <paramref name="minFraction"/> of the box (a tenth for objects; thin
    /// glyph strokes need less).
    /// </summary>
    public static RegionMask? Foreground(float[] planes, ImageShape shape, PixelRect rect, int grow = 0,
        double minFraction = 0.1)
    {
        int plane = shape.Plane, w = shape.Width, inside = 0;
        var ring = BorderMean(planes, shape, rect);
        var coverage = new byte[plane];
        for (int y = rect.Y; y < rect.Bottom; y++)
        {
            for (int x = rect.X; x < rect.Right; x++)
            {
                int i = y * w + x;
                double d = Math.Abs(planes[i] - ring.R) + Math.Abs(planes[plane + i] - ring.G)
                    + Math.Abs(planes[2 * plane + i] - ring.B);
                if (d > 0.25)
                {
                    coverage[i] = 255;
                    inside++;
                }
            }
        }

        return inside > 0 && inside >= minFraction * rect.Width * rect.Height
            ? new RegionMask(shape.Width, shape.Height, Dilate(coverage, shape, grow))
            : null;
    }

    /// <summary>Mean colour of the box's one-pixel border ring (the background around a tight box).</summary>
    public static Rgb BorderMean(float[] planes, ImageShape shape, PixelRect rect) =>
        Mean(planes, shape, rect, (x, y) => y == rect.Y || y == rect.Bottom - 1 || x == rect.X || x == rect.Right - 1);

    /// <summary>Mean colour of the whole box.</summary>
    public static Rgb BoxMean(float[] planes, ImageShape shape, PixelRect rect) =>
        Mean(planes, shape, rect, (_, _) => true);

    /// <summary>A saturated colour 120°..240° of hue (by <paramref name="u"/>) from <paramref name="from"/>.</summary>
    public static Rgb DistantColour(Rgb from, float u) => FromHsv((Hue(from) + 120 + 120 * u) % 360, 0.8, 0.85);

    /// <summary>
    /// A plain colour name: black, white or grey when saturation (max − min)/max is under 0.2, else by hue: red
    /// (&lt; 15° or ≥ 345°), orange (&lt; 45°), yellow (&lt; 70°), green (&lt; 165°), cyan (&lt; 195°), blue
    /// (&lt; 255°), purple (&lt; 290°), pink.
    /// </summary>
    public static string Name(Rgb c)
    {
        float max = Math.Max(c.R, Math.Max(c.G, c.B)), min = Math.Min(c.R, Math.Min(c.G, c.B));
        if (max < 1e-6f || (max - min) / max < 0.2f)
        {
            return max < 0.25f ? "black" : max > 0.8f ? "white" : "grey";
        }

        double h = Hue(c);
        return h switch
        {
            < 15 or >= 345 => "red",
            < 45 => "orange",
            < 70 => "yellow",
            < 165 => "green",
            < 195 => "cyan",
            < 255 => "blue",
            < 290 => "purple",
            _ => "pink",
        };
    }

    private static Rgb Mean(float[] planes, ImageShape shape, PixelRect rect, Func<int, int, bool> take)
    {
        double r = 0, g = 0, b = 0;
        int n = 0, plane = shape.Plane;
        for (int y = rect.Y; y < rect.Bottom; y++)
        {
            for (int x = rect.X; x < rect.Right; x++)
            {
                if (take(x, y))
                {
                    int i = y * shape.Width + x;
                    (r, g, b, n) = (r + planes[i], g + planes[plane + i], b + planes[2 * plane + i], n + 1);
                }
            }
        }

        return new Rgb((float)(r / n), (float)(g / n), (float)(b / n));
    }

    private static byte[] Dilate(byte[] coverage, ImageShape shape, int grow)
    {
        if (grow <= 0)
        {
            return coverage;
        }

        int w = shape.Width, h = shape.Height;
        var grown = new byte[coverage.Length];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                if (coverage[y * w + x] == 0)
                {
                    continue;
                }

                for (int yy = Math.Max(0, y - grow); yy <= Math.Min(h - 1, y + grow); yy++)
                {
                    grown.AsSpan(yy * w + Math.Max(0, x - grow), Math.Min(w - 1, x + grow) - Math.Max(0, x - grow) + 1)
                        .Fill(255);
                }
            }
        }

        return grown;
    }

    private static double Hue(Rgb c)
    {
        double r = c.R, g = c.G, b = c.B;
        double max = Math.Max(r, Math.Max(g, b)), d = max - Math.Min(r, Math.Min(g, b));
        if (d < 1e-6)
        {
            return 0;
        }

        double h = max == r ? (g - b) / d % 6 : max == g ? (b - r) / d + 2 : (r - g) / d + 4;
        return (h * 60 + 360) % 360;
    }

    private static Rgb FromHsv(double h, double s, double v)
    {
        double c = v * s, x = c * (1 - Math.Abs(h / 60 % 2 - 1)), m = v - c;
        var (r, g, b) = (int)(h / 60) switch
        {
            0 => (c, x, 0.0),
            1 => (x, c, 0.0),
            2 => (0.0, c, x),
            3 => (0.0, x, c),
            4 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        return new Rgb((float)(r + m), (float)(g + m), (float)(b + m));
    }
}
