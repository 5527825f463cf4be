using ILGPU;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// The per-pixel ILGPU kernels of <see cref="PerturbIlgpu"/>: each thread runs the reference's per-pixel formula
/// of <see cref="PixelMath"/> / <see cref="PerturbReference"/> on views (the host helpers take pointers, which
/// device code cannot), with the same float operations in the same order, so on the CPU accelerator every result is
/// the reference's bits. Device code cannot throw: clamps are comparisons, never <c>Math.Clamp</c>.
/// </summary>
public sealed partial class PerturbIlgpu
{
    /// <summary>One thread per pixel of every image: <see cref="PerturbReference.PointwisePixel"/>.</summary>
    internal static void PointwiseKernel(Index1D t, PointwiseArgs a)
    {
        int n = t / a.Plane, i = t - n * a.Plane, cc = a.ColourChannels;
        var k = a.Chains[n];
        ulong seed = a.Seeds[n];
        long at = (long)n * a.Size + i;
        float v0 = a.Batch[at], v1 = cc > 1 ? a.Batch[at + a.Plane] : 0f, v2 = cc > 2 ? a.Batch[at + 2 * a.Plane] : 0f;
        if (k.Brightness != 1f)
        {
            v0 = PixelMath.Clamp01(v0 * k.Brightness);
            v1 = PixelMath.Clamp01(v1 * k.Brightness);
            v2 = PixelMath.Clamp01(v2 * k.Brightness);
        }

        if (k.Contrast != 1f)
        {
            v0 = PixelMath.Clamp01((v0 - 0.5f) * k.Contrast + 0.5f);
            v1 = PixelMath.Clamp01((v1 - 0.5f) * k.Contrast + 0.5f);
            v2 = PixelMath.Clamp01((v2 - 0.5f) * k.Contrast + 0.5f);
        }

        if (k.Saturation != 1f && cc == 3)
        {
            float l = PixelMath.Luma(v0, v1, v2);
            v0 = PixelMath.Clamp01(l + k.Saturation * (v0 - l));
            v1 = PixelMath.Clamp01(l + k.Saturation * (v1 - l));
            v2 = PixelMath.Clamp01(l + k.Saturation * (v2 - l));
        }

        if (k.NoiseStd != 0f)
        {
            v0 = PixelMath.Clamp01(v0 + k.NoiseStd * HashRng.Normal(seed, (ulong)i));
            v1 = PixelMath.Clamp01(v1 + k.NoiseStd * HashRng.Normal(seed, (ulong)(a.Plane + i)));
            v2 = PixelMath.Clamp01(v2 + k.NoiseStd * HashRng.Normal(seed, (ulong)(2 * a.Plane + i)));
        }

        a.Batch[at] = v0;
        if (cc > 1)
        {
            a.Batch[at + a.Plane] = v1;
        }

        if (cc > 2)
        {
            a.Batch[at + 2 * a.Plane] = v2;
        }
    }

    /// <summary>One thread per value of one blur pass: Σ w_k·src(clamped x+k or y+k) in double, the reference's
    /// taps and order (so the reference's bits, where the Cpu backend adds float taps within 1e-5).</summary>
    internal static void BlurKernel(Index1D t, BlurArgs a)
    {
        int plane = a.Width * a.Height, c = t / plane, i = t - c * plane, y = i / a.Width, x = i - y * a.Width;
        int r = (int)(a.Taps.Length / 2), at = c * plane;
        double acc = 0;
        for (int k = -r; k <= r; k++)
        {
            acc += a.Vertical != 0
                ? a.Taps[k + r] * a.Source[at + ClampIndex(y + k, a.Height) * a.Width + x]
                : a.Taps[k + r] * a.Source[at + y * a.Width + ClampIndex(x + k, a.Width)];
        }

        a.Target[t] = (float)acc;
    }

    /// <summary>One thread per pixel: <see cref="PixelMath.SaltPepperRow"/>'s test and write.</summary>
    internal static void SaltPepperKernel(Index1D i, SaltPepperArgs a)
    {
        ulong h = HashRng.Mix(a.Seed, (ulong)(int)i);
        if ((h >> 40) * (1f / (1 << 24)) >= a.Amount)
        {
            return;
        }

        float v = (h & 1) == 0 ? 0f : 1f;
        for (int c = 0; c < a.ColourChannels; c++)
        {
            a.Image[c * a.Plane + i] = v;
        }
    }

    /// <summary>One thread per pixel: <see cref="PixelMath.HueRow"/>'s clamp(M·rgb) blended by coverage.</summary>
    internal static void HueKernel(Index1D i, HueArgs a)
    {
        float cover = a.HasMask == 0 ? 1f : a.Mask[i] * (1f / 255f);
        if (cover <= 0f)
        {
            return;
        }

        var m = a.Matrix;
        float r0 = a.Image[i], g0 = a.Image[a.Plane + i], b0 = a.Image[2 * a.Plane + i];
        float r1 = PixelMath.Clamp01(m[0] * r0 + m[1] * g0 + m[2] * b0);
        float g1 = PixelMath.Clamp01(m[3] * r0 + m[4] * g0 + m[5] * b0);
        float b1 = PixelMath.Clamp01(m[6] * r0 + m[7] * g0 + m[8] * b0);
        a.Image[i] = r0 + (r1 - r0) * cover;
        a.Image[a.Plane + i] = g0 + (g1 - g0) * cover;
        a.Image[2 * a.Plane + i] = b0 + (b1 - b0) * cover;
    }

    /// <summary>One thread: <see cref="PixelMath.ReferenceLuma"/> (double sums over the plane in pixel order).</summary>
    internal static void ReferenceLumaKernel(Index1D t, RecolourArgs a)
    {
        double full = 0, any = 0;
        long nFull = 0, nAny = 0;
        for (int i = 0; i < a.Plane; i++)
        {
            if (a.Mask[i] == 0)
            {
                continue;
            }

            double l = PixelMath.Luma(a.Image[i], a.Image[a.Plane + i], a.Image[2 * a.Plane + i]);
            any += l;
            nAny++;
            if (a.Mask[i] == 255)
            {
                full += l;
                nFull++;
            }
        }

        a.Luma[0] = nFull > 0 ? (float)(full / nFull) : nAny > 0 ? (float)(any / nAny) : 0f;
    }

    /// <summary>One thread per pixel: <see cref="PixelMath.RecolourRow"/> with the reduced reference luma.</summary>
    internal static void RecolourKernel(Index1D i, RecolourArgs a)
    {
        float cover = a.Mask[i] * (1f / 255f);
        if (cover <= 0f)
        {
            return;
        }

        float inv = 1f / MathF.Max(a.Luma[0], 1f / 255f);
        int g = a.Plane + i, b = 2 * a.Plane + i;
        float k = PixelMath.Luma(a.Image[i], a.Image[g], a.Image[b]) * inv;
        a.Image[i] += (PixelMath.Clamp01(a.R * k) - a.Image[i]) * cover;
        a.Image[g] += (PixelMath.Clamp01(a.G * k) - a.Image[g]) * cover;
        a.Image[b] += (PixelMath.Clamp01(a.B * k) - a.Image[b]) * cover;
    }

    /// <summary>One thread per pixel of the clipped destination rectangle: <see cref="PixelMath.PasteRow"/>.</summary>
    internal static void PasteKernel(Index1D t, PasteArgs a)
    {
        int y = a.ClipY + t / a.ClipWidth, x = a.ClipX + t % a.ClipWidth, plane = a.Width * a.Height;
        float kx = (float)a.FromWidth / a.ToWidth, ky = (float)a.FromHeight / a.ToHeight;
        float sy = a.FromY + (y - a.ToY + 0.5f) * ky - 0.5f;
        float sx = a.FromX + (x - a.ToX + 0.5f) * kx - 0.5f;
        float m = MaskSample(a.Mask, a.Width, a.Height, sx, sy);
        if (m <= 0f)
        {
            return;
        }

        for (int c = 0; c < a.Channels; c++)
        {
            int d = c * plane + y * a.Width + x;
            float v = Bilinear(a.Source, c * plane, a.Width, a.Height, sx, sy);
            a.Image[d] += (v - a.Image[d]) * m;
        }
    }

    /// <summary>One thread per pixel: <see cref="PixelMath.AffineRow"/>, bilinear at M⁻¹(p − c − t) + c.</summary>
    internal static void AffineKernel(Index1D i, AffineArgs a)
    {
        int y = i / a.Width, x = i - y * a.Width, plane = a.Width * a.Height;
        float cx = a.Width * 0.5f, cy = a.Height * 0.5f;
        float dy = y + 0.5f - cy - a.TranslateY;
        float dx = x + 0.5f - cx - a.TranslateX;
        float sx = a.Inv0 * dx + a.Inv1 * dy + cx - 0.5f;
        float sy = a.Inv2 * dx + a.Inv3 * dy + cy - 0.5f;
        for (int c = 0; c < a.Channels; c++)
        {
            a.Image[c * plane + i] = Bilinear(a.Source, c * plane, a.Width, a.Height, sx, sy);
        }
    }

    /// <summary>One thread per pixel of the clipped rectangle: the colour (<see cref="PixelMath.FillRect"/>), or with
    /// glyphs the colour where <see cref="GlyphFont.InkAt"/> is ink (<see cref="PixelMath.DrawText"/>).</summary>
    internal static void PaintKernel(Index1D t, PaintArgs a)
    {
        int y = a.ClipY + t / a.ClipWidth, x = a.ClipX + t % a.ClipWidth;
        if (a.Glyphs > 0)
        {
            int fx = (x - a.OriginX) / a.Scale, row = (y - a.OriginY) / a.Scale;
            int glyph = fx / (GlyphFont.GlyphWidth + 1), col = fx % (GlyphFont.GlyphWidth + 1);
            if (glyph >= a.Glyphs || col >= GlyphFont.GlyphWidth || row >= GlyphFont.GlyphHeight
                || a.Ink[(glyph * GlyphFont.GlyphHeight + row) * GlyphFont.GlyphWidth + col] == 0)
            {
                return;
            }
        }

        int i = y * a.Width + x, plane = a.Width * a.Height;
        a.Image[i] = a.R;
        if (a.ColourChannels > 1)
        {
            a.Image[plane + i] = a.G;
        }

        if (a.ColourChannels > 2)
        {
            a.Image[2 * plane + i] = a.B;
        }
    }

    /// <summary>min(max(v, 0), n − 1) without <c>Math.Clamp</c> (which may throw).</summary>
    private static int ClampIndex(int v, int n) => v < 0 ? 0 : v > n - 1 ? n - 1 : v;

    /// <summary><see cref="PixelMath.Bilinear"/> of the plane at <paramref name="at"/>, edge-clamped.</summary>
    private static float Bilinear(ArrayView<float> p, int at, int w, int h, float sx, float sy)
    {
        float fx0 = MathF.Floor(sx), fy0 = MathF.Floor(sy);
        float fx = sx - fx0, fy = sy - fy0;
        int x0 = ClampIndex((int)fx0, w), x1 = ClampIndex((int)fx0 + 1, w);
        int y0 = ClampIndex((int)fy0, h), y1 = ClampIndex((int)fy0 + 1, h);
        float top = p[at + y0 * w + x0] + (p[at + y0 * w + x1] - p[at + y0 * w + x0]) * fx;
        float bottom = p[at + y1 * w + x0] + (p[at + y1 * w + x1] - p[at + y1 * w + x0]) * fx;
        return top + (bottom - top) * fy;
    }

    /// <summary><see cref="PixelMath.MaskSample"/>: bilinear coverage in [0, 1], 0 outside the image.</summary>
    private static float MaskSample(ArrayView<byte> m, int w, int h, float sx, float sy)
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

    private static float MaskAt(ArrayView<byte> m, int w, int h, int x, int y) =>
        (uint)x < (uint)w && (uint)y < (uint)h ? m[y * w + x] : 0f;
}
