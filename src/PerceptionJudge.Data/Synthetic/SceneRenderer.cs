using PerceptionJudge.Kernels.Perturb;

namespace PerceptionJudge.Data.Synthetic;

/// <summary>
/// Rasterises scenes into planar RGB: a textured neutral background (two low-frequency sinusoids plus per-pixel
/// hashed grain) and shapes with anti-aliased edges (4×4 supersampled coverage), lit by a mild vertical shading
/// (×1.08 at the top to ×0.92 at the bottom, exactly the palette colour at the centre row).
/// </summary>
internal static class SceneRenderer
{
    private const int Samples = 4;

    public static float[] Background(ImageShape s, SceneRandom rng)
    {
        var img = new float[s.Size];
        float baseLevel = 0.72f + 0.16f * rng.NextFloat();
        float tintR = 0.04f * (rng.NextFloat() - 0.5f), tintB = 0.04f * (rng.NextFloat() - 0.5f);
        float fx = 2 + 6 * rng.NextFloat(), fy = 2 + 6 * rng.NextFloat(), phase = 6.283f * rng.NextFloat();
        ulong grain = rng.NextULong();
        for (int y = 0; y < s.Height; y++)
        {
            for (int x = 0; x < s.Width; x++)
            {
                int i = y * s.Width + x;
                float u = (float)x / s.Width, v = (float)y / s.Height;
                float wave = 0.05f * MathF.Sin(6.283f * fx * u + phase) * MathF.Cos(6.283f * fy * v);
                float level = baseLevel + wave + 0.03f * (HashRng.Uniform(grain, (ulong)i) - 0.5f);
                img[i] = PixelMath01(level + tintR);
                img[s.Plane + i] = PixelMath01(level);
                img[2 * s.Plane + i] = PixelMath01(level + tintB);
            }
        }

        return img;
    }

    private static float PixelMath01(float v) => Math.Clamp(v, 0f, 1f);

    /// <summary>Coverage bytes [H][W] of a shape centred at (cx, cy) with circumradius r.</summary>
    public static byte[] Coverage(ImageShape s, ShapeKind shape, float cx, float cy, float r)
    {
        var mask = new byte[s.Plane];
        int x0 = Math.Max(0, (int)(cx - r) - 1), x1 = Math.Min(s.Width - 1, (int)(cx + r) + 1);
        int y0 = Math.Max(0, (int)(cy - r) - 1), y1 = Math.Min(s.Height - 1, (int)(cy + r) + 1);
        for (int y = y0; y <= y1; y++)
        {
            for (int x = x0; x <= x1; x++)
            {
                int hits = 0;
                for (int sy = 0; sy < Samples; sy++)
                {
                    for (int sx = 0; sx < Samples; sx++)
                    {
                        float px = x + (sx + 0.5f) / Samples - cx, py = y + (sy + 0.5f) / Samples - cy;
                        hits += Inside(shape, px / r, py / r) ? 1 : 0;
                    }
                }

                mask[y * s.Width + x] = (byte)((hits * 255 + Samples * Samples / 2) / (Samples * Samples));
            }
        }

        return mask;
    }

    /// <summary>Point-in-shape on the unit circumradius (x right, y down).</summary>
    private static bool Inside(ShapeKind shape, float x, float y) => shape switch
    {
        ShapeKind.Circle => x * x + y * y <= 1f,
        ShapeKind.Square => MathF.Abs(x) <= 0.75f && MathF.Abs(y) <= 0.75f,
        ShapeKind.Triangle => y <= 0.5f && 1.732f * x - y <= 1f && -1.732f * x - y <= 1f,
        _ => InStar(x, y),
    };

    private static bool InStar(float x, float y)
    {
        // Even-odd test against the 10-vertex polygon: outer radius 1, inner 0.45, first point straight up.
        bool inside = false;
        for (int i = 0, j = 9; i < 10; j = i++)
        {
            var (xi, yi) = s_star[i];
            var (xj, yj) = s_star[j];
            if ((yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi)
            {
                inside = !inside;
            }
        }

        return inside;
    }

    private static readonly (float X, float Y)[] s_star = Enumerable.Range(0, 10).Select(StarVertex).ToArray();

    private static (float X, float Y) StarVertex(int i)
    {
        float r = i % 2 == 0 ? 1f : 0.45f;
        float a = -MathF.PI / 2 + i * MathF.PI / 5;
        return (r * MathF.Cos(a), r * MathF.Sin(a));
    }

    /// <summary>Composites a shape of <paramref name="colour"/> over the image by its coverage, with shading.</summary>
    public static void Fill(float[] img, ImageShape s, byte[] mask, Rgb colour, float cy, float r)
    {
        for (int i = 0; i < s.Plane; i++)
        {
            if (mask[i] == 0)
            {
                continue;
            }

            float a = mask[i] / 255f;
            float shade = 1f - 0.08f * ((i / s.Width) - cy) / r;
            for (int c = 0; c < 3; c++)
            {
                float v = Math.Clamp(colour[c] * shade, 0f, 1f);
                img[c * s.Plane + i] += (v - img[c * s.Plane + i]) * a;
            }
        }
    }

    /// <summary>The ink mask of text rendered by <see cref="GlyphFont"/> at (x, y)·scale.</summary>
    public static byte[] TextMask(ImageShape s, string text, int x0, int y0, int scale)
    {
        var mask = new byte[s.Plane];
        var (w, h) = GlyphFont.Measure(text, scale);
        for (int y = Math.Max(0, y0); y < Math.Min(s.Height, y0 + h); y++)
        {
            for (int x = Math.Max(0, x0); x < Math.Min(s.Width, x0 + w); x++)
            {
                if (GlyphFont.InkAt(text, scale, x - x0, y - y0))
                {
                    mask[y * s.Width + x] = 255;
                }
            }
        }

        return mask;
    }
}
