namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// Row (n, y) of the fused pointwise chain: R, G and B of 8 pixels are loaded once, every enabled stage runs in
/// registers, and they are stored once — one read and one write per value whatever the chain length. Same float
/// operations in the same order as <see cref="PerturbReference.PointwisePixel"/>, so the bits match.
/// </summary>
internal readonly unsafe struct PointwiseRows(float* batch, ImageShape s, PointwiseChain* chains, ulong* seeds)
    : IRowOperation
{
    public void Invoke(int row)
    {
        int n = row / s.Height, y = row % s.Height;
        var k = chains[n];
        ulong seed = seeds[n];
        float* img = batch + (long)n * s.Size;
        int off = y * s.Width, x = 0, plane = s.Plane;
        if (Vector256.IsHardwareAccelerated && s.ColourChannels == 3)
        {
            float* r = img + off, g = r + plane, b = g + plane;
            var zero = Vector256<float>.Zero;
            var one = Vector256<float>.One;
            var half = Vector256.Create(0.5f);
            for (; x <= s.Width - 8; x += 8)
            {
                var vr = Vector256.Load(r + x);
                var vg = Vector256.Load(g + x);
                var vb = Vector256.Load(b + x);
                if (k.Brightness != 1f)
                {
                    var f = Vector256.Create(k.Brightness);
                    vr = Clamp(vr * f, zero, one);
                    vg = Clamp(vg * f, zero, one);
                    vb = Clamp(vb * f, zero, one);
                }

                if (k.Contrast != 1f)
                {
                    var f = Vector256.Create(k.Contrast);
                    vr = Clamp((vr - half) * f + half, zero, one);
                    vg = Clamp((vg - half) * f + half, zero, one);
                    vb = Clamp((vb - half) * f + half, zero, one);
                }

                if (k.Saturation != 1f)
                {
                    var f = Vector256.Create(k.Saturation);
                    var l = Vector256.Create(0.299f) * vr + Vector256.Create(0.587f) * vg
                        + Vector256.Create(0.114f) * vb;
                    vr = Clamp(l + f * (vr - l), zero, one);
                    vg = Clamp(l + f * (vg - l), zero, one);
                    vb = Clamp(l + f * (vb - l), zero, one);
                }

                if (k.NoiseStd != 0f)
                {
                    var f = Vector256.Create(k.NoiseStd);
                    ulong i = (ulong)(off + x);
                    vr = Clamp(vr + f * HashRng.Normal8(seed, i), zero, one);
                    vg = Clamp(vg + f * HashRng.Normal8(seed, (ulong)plane + i), zero, one);
                    vb = Clamp(vb + f * HashRng.Normal8(seed, 2 * (ulong)plane + i), zero, one);
                }

                vr.Store(r + x);
                vg.Store(g + x);
                vb.Store(b + x);
            }
        }

        var span = new Span<float>(img, s.Size);
        for (; x < s.Width; x++)
        {
            PerturbReference.PointwisePixel(span, s, off + x, k, seed);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Clamp(Vector256<float> v, Vector256<float> lo, Vector256<float> hi) =>
        Vector256.Min(Vector256.Max(v, lo), hi);
}

/// <summary>
/// Row (c, y) of one pass of the separable blur, from <paramref name="src"/> to <paramref name="dst"/>:
/// horizontal (vector over x where all taps are in-row, scalar with clamped indices at the edges) or vertical
/// (vector over x, clamped row indices). Float taps, accumulated in tap order.
/// </summary>
internal readonly unsafe struct BlurRows(float* src, float* dst, ImageShape s, float* w, int taps, bool vertical)
    : IRowOperation
{
    public void Invoke(int row)
    {
        int c = row / s.Height, y = row % s.Height, width = s.Width, r = taps / 2;
        float* plane = src + (long)c * s.Plane;
        float* outRow = dst + (long)c * s.Plane + y * width;
        if (vertical)
        {
            int x = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                for (; x <= width - 8; x += 8)
                {
                    var acc = Vector256<float>.Zero;
                    for (int k = 0; k < taps; k++)
                    {
                        int yy = Math.Clamp(y + k - r, 0, s.Height - 1);
                        acc += Vector256.Create(w[k]) * Vector256.Load(plane + yy * width + x);
                    }

                    acc.Store(outRow + x);
                }
            }

            for (; x < width; x++)
            {
                float acc = 0f;
                for (int k = 0; k < taps; k++)
                {
                    acc += w[k] * plane[Math.Clamp(y + k - r, 0, s.Height - 1) * width + x];
                }

                outRow[x] = acc;
            }

            return;
        }

        float* inRow = plane + y * width;
        int xv = r;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; xv <= width - r - 8; xv += 8)
            {
                var acc = Vector256<float>.Zero;
                for (int k = 0; k < taps; k++)
                {
                    acc += Vector256.Create(w[k]) * Vector256.Load(inRow + xv + k - r);
                }

                acc.Store(outRow + xv);
            }
        }

        for (int x = 0; x < width; x++)
        {
            if (x >= r && x < xv)
            {
                x = xv - 1;
                continue;
            }

            float acc = 0f;
            for (int k = 0; k < taps; k++)
            {
                acc += w[k] * inRow[Math.Clamp(x + k - r, 0, width - 1)];
            }

            outRow[x] = acc;
        }
    }
}
