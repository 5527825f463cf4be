namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// Per-row scalar formulas shared by <see cref="PerturbReference"/> (rows in order) and <see cref="PerturbCpu"/>
/// (rows in parallel): each row writes only its own pixels and reads inputs no other row writes, so the two
/// give identical bits. Planes are [C][H][W]; masks are coverage bytes [H][W] (0 = outside, 255 = inside).
/// </summary>
internal static unsafe class PixelMath
{
    /// <summary>Rec. 601 luma.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Luma(float r, float g, float b) => 0.299f * r + 0.587f * g + 0.114f * b;

    /// <summary>min(max(x, 0), 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Clamp01(float x) => x < 0f ? 0f : x > 1f ? 1f : x;

    /// <summary>
    /// Hue rotation by θ as one 3×3 matrix M = T⁻¹·R(θ)·T, T = RGB→YIQ (FCC NTSC), R rotating the I–Q plane.
    /// Y (luma) is invariant, so shading is kept; row-major float[9].
    /// </summary>
    public static float[] HueMatrix(double degrees)
    {
        double[] t = [0.299, 0.587, 0.114, 0.595716, -0.274453, -0.321263, 0.211456, -0.522591, 0.311135];
        double th = degrees * Math.PI / 180.0;
        double c = Math.Cos(th);
        double s = Math.Sin(th);
        double[] r = [1, 0, 0, 0, c, -s, 0, s, c];
        double[] m = Mul(Inverse(t), Mul(r, t));
        var f = new float[9];
        for (int i = 0; i < 9; i++)
        {
            f[i] = (float)m[i];
        }

        return f;
    }

    private static double[] Mul(double[] a, double[] b)
    {
        var m = new double[9];
        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                m[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
            }
        }

        return m;
    }

    private static double[] Inverse(double[] a)
    {
        double det = a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6])
            + a[2] * (a[3] * a[7] - a[4] * a[6]);
        double[] adj =
        [
            a[4] * a[8] - a[5] * a[7], a[2] * a[7] - a[1] * a[8], a[1] * a[5] - a[2] * a[4],
            a[5] * a[6] - a[3] * a[8], a[0] * a[8] - a[2] * a[6], a[2] * a[3] - a[0] * a[5],
            a[3] * a[7] - a[4] * a[6], a[1] * a[6] - a[0] * a[7], a[0] * a[4] - a[1] * a[3],
        ];
        for (int i = 0; i < 9; i++)
        {
            adj[i] /= det;
        }

        return adj;
    }

    /// <summary>
    /// Row y of a hue rotation: rgb' = clamp(M·rgb), blended x + (x' − x)·m/255; mask null = all 255.
    /// </summary>
    public static void HueRow(float* img, int plane, int w, int y, byte* mask, float* m)
    {
        float* r = img + y * w;
        float* g = r + plane;
        float* b = g + plane;
        for (int x = 0; x < w; x++)
        {
            float cover = mask == null ? 1f : mask[y * w + x] * (1f / 255f);
            if (cover <= 0f)
            {
                continue;
            }

            float r0 = r[x], g0 = g[x], b0 = b[x];
            float r1 = Clamp01(m[0] * r0 + m[1] * g0 + m[2] * b0);
            float g1 = Clamp01(m[3] * r0 + m[4] * g0 + m[5] * b0);
            float b1 = Clamp01(m[6] * r0 + m[7] * g0 + m[8] * b0);
            r[x] = r0 + (r1 - r0) * cover;
            g[x] = g0 + (g1 - g0) * cover;
            b[x] = b0 + (b1 - b0) * cover;
        }
    }

    /// <summary>
    /// Mean luma of fully covered pixels (mask = 255), or of all covered pixels when none is full; the
    /// shading reference of <see cref="RecolourRow"/>. Serial, double accumulation. 0 when the mask is empty.
    /// </summary>
    public static float ReferenceLuma(float* img, int plane, byte* mask)
    {
        double full = 0, any = 0;
        long nFull = 0, nAny = 0;
        for (int i = 0; i < plane; i++)
        {
            if (mask[i] == 0)
            {
                continue;
            }

            double l = Luma(img[i], img[plane + i], img[2 * plane + i]);
            any += l;
            nAny++;
            if (mask[i] == 255)
            {
                full += l;
                nFull++;
            }
        }

        return nFull > 0 ? (float)(full / nFull) : nAny > 0 ? (float)(any / nAny) : 0f;
    }

    /// <summary>
    /// Row y of recolour-to-target: shading k = luma(x)/L₀ (L₀ the object's reference luma, floored at 1/255),
    /// x' = clamp(target·k), blended by coverage. A flat object becomes exactly the target colour.
    /// </summary>
    public static void RecolourRow(float* img, int plane, int w, int y, byte* mask, Rgb target, float refLuma)
    {
        float inv = 1f / MathF.Max(refLuma, 1f / 255f);
        float* r = img + y * w;
        float* g = r + plane;
        float* b = g + plane;
        for (int x = 0; x < w; x++)
        {
            float cover = mask[y * w + x] * (1f / 255f);
            if (cover <= 0f)
            {
                continue;
            }

            float k = Luma(r[x], g[x], b[x]) * inv;
            r[x] += (Clamp01(target.R * k) - r[x]) * cover;
            g[x] += (Clamp01(target.G * k) - g[x]) * cover;
            b[x] += (Clamp01(target.B * k) - b[x]) * cover;
        }
    }

    /// <summary>Row y of salt-and-pepper: with probability p a pixel's colour channels all become 0 or 1.</summary>
    public static void SaltPepperRow(float* img, ImageShape s, int y, float amount, ulong seed)
    {
        for (int x = 0; x < s.Width; x++)
        {
            int i = y * s.Width + x;
            ulong h = HashRng.Mix(seed, (ulong)i);
            if ((h >> 40) * (1f / (1 << 24)) >= amount)
            {
                continue;
            }

            float v = (h & 1) == 0 ? 0f : 1f;
            for (int c = 0; c < s.ColourChannels; c++)
            {
                img[c * s.Plane + i] = v;
            }
        }
    }

    /// <summary>Bilinear sample of a plane at (sx, sy), clamped to the edge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Bilinear(float* p, int w, int h, float sx, float sy)
    {
        float fx0 = MathF.Floor(sx), fy0 = MathF.Floor(sy);
        float fx = sx - fx0, fy = sy - fy0;
        int x0 = Math.Clamp((int)fx0, 0, w - 1), x1 = Math.Clamp((int)fx0 + 1, 0, w - 1);
        int y0 = Math.Clamp((int)fy0, 0, h - 1), y1 = Math.Clamp((int)fy0 + 1, 0, h - 1);
        float top = p[y0 * w + x0] + (p[y0 * w + x1] - p[y0 * w + x0]) * fx;
        float bottom = p[y1 * w + x0] + (p[y1 * w + x1] - p[y1 * w + x0]) * fx;
        return top + (bottom - top) * fy;
    }

    /// <summary>Bilinear sample of a coverage mask in [0, 1]; 0 outside the image.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MaskSample(byte* m, int w, int h, float sx, float sy)
    {
        float fx0 = MathF.Floor(sx), fy0 = MathF.Floor(sy);
        float fx = sx - fx0, fy = sy - fy0;
        int x0 = (int)fx0, y0 = (int)fy0;
        float a = MaskAt(m, w, h, x0, y0), b = MaskAt(m, w, h, x0 + 1, y0);
        float c = MaskAt(m, w, h, x0, y0 + 1), d = MaskAt(m, w, h, x0 + 1, y0 + 1);
        float top = a + (b - a) * fx;
        float bottom = c + (d - c) * fx;
        return (top + (bottom - top) * fy) * (1f / 255f);
    }

    private static float MaskAt(byte* m, int w, int h, int x, int y) =>
        (uint)x < (uint)w && (uint)y < (uint)h ? m[y * w + x] : 0f;

    /// <summary>
    /// Row y (inside <paramref name="to"/>) of a masked paste: destination pixel (x, y) samples the source at
    /// from.XY + ((x, y) − to.XY + ½)·from.Size/to.Size − ½ (bilinear), with the source mask's coverage m there,
    /// and becomes d + (s − d)·m. Equal sizes give an exact pixel copy.
    /// </summary>
    public static void PasteRow(float* src, float* dst, ImageShape s, byte* mask, PixelRect from, PixelRect to, int y)
    {
        var clip = to.Clip(s.Width, s.Height);
        float kx = (float)from.Width / to.Width, ky = (float)from.Height / to.Height;
        float sy = from.Y + (y - to.Y + 0.5f) * ky - 0.5f;
        for (int x = clip.X; x < clip.Right; x++)
        {
            float sx = from.X + (x - to.X + 0.5f) * kx - 0.5f;
            float m = MaskSample(mask, s.Width, s.Height, sx, sy);
            if (m <= 0f)
            {
                continue;
            }

            for (int c = 0; c < s.Channels; c++)
            {
                float* d = dst + c * s.Plane + y * s.Width + x;
                float v = Bilinear(src + c * s.Plane, s.Width, s.Height, sx, sy);
                *d += (v - *d) * m;
            }
        }
    }

    /// <summary>M⁻¹ of <see cref="AffineTransform"/> as float[4] (row-major 2×2), computed in double.</summary>
    public static float[] AffineInverse(AffineTransform t)
    {
        double th = t.AngleDegrees * Math.PI / 180.0;
        double c = Math.Cos(th) * t.Scale, s = Math.Sin(th) * t.Scale;
        // M = s·R·[[1, k], [0, 1]] = [[c, c·k − s], [s, s·k + c]]
        double a = c, b = c * t.ShearX - s, cc = s, d = s * t.ShearX + c;
        double det = a * d - b * cc;
        return [(float)(d / det), (float)(-b / det), (float)(-cc / det), (float)(a / det)];
    }

    /// <summary>Row y of the affine warp: dst(p) = bilinear(src, M⁻¹(p − c − t) + c) at pixel centres.</summary>
    public static void AffineRow(float* src, float* dst, ImageShape s, AffineTransform t, float* inv, int y)
    {
        float cx = s.Width * 0.5f, cy = s.Height * 0.5f;
        float dy = y + 0.5f - cy - t.TranslateY;
        for (int x = 0; x < s.Width; x++)
        {
            float dx = x + 0.5f - cx - t.TranslateX;
            float sx = inv[0] * dx + inv[1] * dy + cx - 0.5f;
            float sy = inv[2] * dx + inv[3] * dy + cy - 0.5f;
            for (int c = 0; c < s.Channels; c++)
            {
                dst[c * s.Plane + y * s.Width + x] = Bilinear(src + c * s.Plane, s.Width, s.Height, sx, sy);
            }
        }
    }

    /// <summary>
    /// Sets every pixel of <paramref name="rect"/> (clipped) to <paramref name="colour"/>; alpha untouched.
    /// </summary>
    public static void FillRect(float* img, ImageShape s, PixelRect rect, Rgb colour)
    {
        var r = rect.Clip(s.Width, s.Height);
        for (int c = 0; c < s.ColourChannels; c++)
        {
            for (int y = r.Y; y < r.Bottom; y++)
            {
                new Span<float>(img + c * s.Plane + y * s.Width + r.X, r.Width).Fill(colour[c]);
            }
        }
    }

    /// <summary>Sets the ink pixels of <paramref name="text"/> rendered at (x, y)·<paramref name="scale"/>.</summary>
    public static void DrawText(float* img, ImageShape s, ReadOnlySpan<char> text, int x0, int y0, int scale,
        Rgb colour)
    {
        var (tw, th) = GlyphFont.Measure(text, scale);
        var r = new PixelRect(x0, y0, tw, th).Clip(s.Width, s.Height);
        for (int y = r.Y; y < r.Bottom; y++)
        {
            for (int x = r.X; x < r.Right; x++)
            {
                if (GlyphFont.InkAt(text, scale, x - x0, y - y0))
                {
                    for (int c = 0; c < s.ColourChannels; c++)
                    {
                        img[c * s.Plane + y * s.Width + x] = colour[c];
                    }
                }
            }
        }
    }
}
