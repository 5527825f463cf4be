using PerceptionJudge.Data.Images;
using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Ppjd;

/// <summary>
/// The perturbed variant of an imported image, chosen by the row seed. With boxes: one box (seeded) is either
/// recoloured to a distant hue (target hue = the box's mean hue + 120°..240°, shading kept; only the pixels that
/// differ from the box's border, i.e. the object, when they are at least a tenth of the box) or removed by
/// diffusion inpainting (only when the box covers at most a quarter of the image, so there are surroundings to
/// fill from); both are semantic. Without boxes: colour jitter, a small affine warp and Gaussian noise, which
/// keep the answer (non-semantic).
/// </summary>
internal static class MmprEdit
{
    public sealed record Result(Rgba8Image Image, bool Semantic, PpjdPerturbation Perturbation);

    public static Result Make(Rgba8Image image, List<(double X0, double Y0, double X1, double Y1)> boxes, ulong seed)
    {
        int w = image.Width, h = image.Height;
        var rects = new List<PixelRect>();
        for (int i = 0; i < boxes.Count; i++)
        {
            var (x0, y0, x1, y1) = boxes[i];
            int ix0 = (int)Math.Floor(x0), iy0 = (int)Math.Floor(y0);
            var r = new PixelRect(ix0, iy0, (int)Math.Ceiling(x1) - ix0, (int)Math.Ceiling(y1) - iy0).Clip(w, h);
            if (r.Width <= 0 || r.Height <= 0)
            {
                throw new RowException($"boxes[{i}] [{x0},{y0},{x1},{y1}] is empty or outside the {w}x{h} image");
            }

            rects.Add(r);
        }

        var shape = new ImageShape(3, h, w);
        var planes = new float[shape.Size];
        PlanarBatch.ToPlanar(image, planes);
        PpjdPerturbation perturbation;
        if (rects.Count == 0)
        {
            perturbation = Noise(planes, shape, seed);
        }
        else
        {
            int k = (int)(HashRng.Mix(seed, 1) % (ulong)rects.Count);
            var rect = rects[k];
            var coverage = new byte[w * h];
            for (int y = rect.Y; y < rect.Bottom; y++)
            {
                coverage.AsSpan(y * w + rect.X, rect.Width).Fill(255);
            }

            var mask = new RegionMask(w, h, coverage);
            bool small = (long)rect.Width * rect.Height * 4 <= (long)w * h;
            string box = $"box {k} [{rect.X},{rect.Y},{rect.Right},{rect.Bottom}]";
            IPerturbation op;
            string kind, description;
            if (small && (HashRng.Mix(seed, 2) & 1) == 0)
            {
                (op, kind, description) = (new RemoveOp(mask), "remove", $"{box} removed (inpainted)");
            }
            else
            {
                var target = DistantColour(planes, shape, rect, HashRng.Uniform(seed, 3));
                op = RecolourOp.ToColour(Foreground(planes, shape, rect) ?? mask, target);
                (kind, description) = ("recolour", $"{box} recoloured to a distant hue");
            }

            Perturbation.Apply(op, planes, shape, seed);
            perturbation = new PpjdPerturbation(kind, description, op.Describe());
        }

        return new Result(PlanarBatch.FromPlanar(planes, 0, 3, h, w), rects.Count > 0, perturbation);
    }

    private static PpjdPerturbation Noise(float[] planes, ImageShape shape, ulong seed)
    {
        float U(ulong c, float lo, float hi) => lo + (hi - lo) * HashRng.Uniform(seed, c);
        IPerturbation[] ops =
        [
            new ColorJitterOp(U(10, 0.85f, 1.15f), U(11, 0.85f, 1.15f), U(12, 0.8f, 1.2f), U(13, -8, 8)),
            new AffineOp(new AffineTransform(U(14, -4, 4), U(15, 0.96f, 1.04f), 0, U(16, -4, 4), U(17, -4, 4))),
            new GaussianNoiseOp(U(18, 0.01f, 0.03f)),
        ];
        for (int i = 0; i < ops.Length; i++)
        {
            Perturbation.Apply(ops[i], planes, shape, HashRng.Mix(seed, 20 + (ulong)i));
        }

        return new PpjdPerturbation("noise", "non-semantic photometric+geometric noise (answers unchanged)",
            string.Join(" + ", ops.Select(o => o.Describe())));
    }

    /// <summary>
    /// The object inside a box: pixels whose L1 RGB distance from the mean of the box's border ring exceeds 0.25,
    /// so a recolour spares the background. Null (use the whole box) when that is under a tenth of the box.
    /// </summary>
    private static RegionMask? Foreground(float[] planes, ImageShape shape, PixelRect rect)
    {
        int plane = shape.Plane, w = shape.Width, ring = 0;
        double r = 0, g = 0, b = 0;
        for (int y = rect.Y; y < rect.Bottom; y++)
        {
            for (int x = rect.X; x < rect.Right; x++)
            {
                if (y == rect.Y || y == rect.Bottom - 1 || x == rect.X || x == rect.Right - 1)
                {
                    int i = y * w + x;
                    (r, g, b, ring) = (r + planes[i], g + planes[plane + i], b + planes[2 * plane + i], ring + 1);
                }
            }
        }

        (r, g, b) = (r / ring, g / ring, b / ring);
        var coverage = new byte[plane];
        int inside = 0;
        for (int y = rect.Y; y < rect.Bottom; y++)
        {
            for (int x = rect.X; x < rect.Right; x++)
            {
                int i = y * w + x;
                double d = Math.Abs(planes[i] - r) + Math.Abs(planes[plane + i] - g)
                    + Math.Abs(planes[2 * plane + i] - b);
                if (d > 0.25)
                {
                    coverage[i] = 255;
                    inside++;
                }
            }
        }

        return inside * 10 >= rect.Width * rect.Height ? new RegionMask(shape.Width, shape.Height, coverage) : null;
    }

    /// <summary>A saturated colour 120°..240° of hue (by <paramref name="u"/>) from the box's mean.</summary>
    private static Rgb DistantColour(float[] planes, ImageShape shape, PixelRect rect, float u)
    {
        double r = 0, g = 0, b = 0;
        int plane = shape.Plane, n = rect.Width * rect.Height;
        for (int y = rect.Y; y < rect.Bottom; y++)
        {
            for (int x = rect.X; x < rect.Right; x++)
            {
                int i = y * shape.Width + x;
                r += planes[i];
                g += planes[plane + i];
                b += planes[2 * plane + i];
            }
        }

        double hue = Hue(r / n, g / n, b / n) + 120 + 120 * u;
        return FromHsv(hue % 360, 0.8, 0.85);
    }

    private static double Hue(double r, double g, double b)
    {
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
