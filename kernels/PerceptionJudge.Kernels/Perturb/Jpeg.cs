namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// JPEG-like blockiness by real baseline-JPEG quantisation (ITU-T T.81): per 8×8 block, RGB→YCbCr (JFIF, on the
/// 0..255 scale, Y shifted by −128), orthonormal 2-D DCT-II F(u,v) = α(u)α(v) Σₓ Σᵧ f(x,y) cos((2x+1)uπ/16)
/// cos((2y+1)vπ/16), quantise F → round(F/Q)·Q with the Annex K tables scaled by the IJG quality rule
/// (q &lt; 50: 5000/q %, else 200 − 2q %), inverse DCT, back to RGB, clamp. Partial edge blocks are padded by
/// edge replication and only in-image pixels are written. With one or two channels, channel 0 uses the luma table
/// alone. Shared by every backend (double precision, separable), so rounding ties resolve identically.
/// </summary>
internal static unsafe class Jpeg
{
    private static readonly int[] s_luma =
    [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ];

    private static readonly int[] s_chroma =
    [
        17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
        47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
        99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    ];

    private static readonly double[] s_cos = BuildCos();

    /// <summary>C[u][x] = α(u)·cos((2x+1)uπ/16), row-major 8×8: the DCT basis every backend multiplies by.</summary>
    internal static ReadOnlySpan<double> Cos => s_cos;

    private static double[] BuildCos()
    {
        var c = new double[64];
        for (int u = 0; u < 8; u++)
        {
            double a = u == 0 ? Math.Sqrt(0.125) : 0.5;
            for (int x = 0; x < 8; x++)
            {
                c[u * 8 + x] = a * Math.Cos((2 * x + 1) * u * Math.PI / 16.0);
            }
        }

        return c;
    }

    /// <summary>
    /// The luma (0) or chroma (1) table scaled for <paramref name="quality"/> 1..100, entries 1..255.
    /// </summary>
    public static double[] Table(int quality, bool chroma)
    {
        int scale = quality < 50 ? 5000 / quality : 200 - 2 * quality;
        var src = chroma ? s_chroma : s_luma;
        var q = new double[64];
        for (int i = 0; i < 64; i++)
        {
            q[i] = Math.Clamp((src[i] * scale + 50) / 100, 1, 255);
        }

        return q;
    }

    /// <summary>Quantises every block of block-row <paramref name="by"/>.</summary>
    public static void BlockRow(float* img, ImageShape s, int by, double[] lumaQ, double[] chromaQ)
    {
        var planes = new double[3 * 64];
        var tmp = new double[64];
        bool colour = s.Channels >= 3;
        for (int bx = 0; bx * 8 < s.Width; bx++)
        {
            for (int y = 0; y < 8; y++)
            {
                int iy = Math.Min(by * 8 + y, s.Height - 1);
                for (int x = 0; x < 8; x++)
                {
                    int i = iy * s.Width + Math.Min(bx * 8 + x, s.Width - 1);
                    if (colour)
                    {
                        double r = img[i] * 255.0, g = img[s.Plane + i] * 255.0, b = img[2 * s.Plane + i] * 255.0;
                        planes[y * 8 + x] = 0.299 * r + 0.587 * g + 0.114 * b - 128.0;
                        planes[64 + y * 8 + x] = -0.168736 * r - 0.331264 * g + 0.5 * b;
                        planes[128 + y * 8 + x] = 0.5 * r - 0.418688 * g - 0.081312 * b;
                    }
                    else
                    {
                        planes[y * 8 + x] = img[i] * 255.0 - 128.0;
                    }
                }
            }

            for (int p = 0; p < (colour ? 3 : 1); p++)
            {
                Quantise(planes.AsSpan(p * 64, 64), tmp, p == 0 ? lumaQ : chromaQ);
            }

            for (int y = 0; y < 8 && by * 8 + y < s.Height; y++)
            {
                for (int x = 0; x < 8 && bx * 8 + x < s.Width; x++)
                {
                    int i = (by * 8 + y) * s.Width + bx * 8 + x;
                    double yy = planes[y * 8 + x] + 128.0;
                    if (colour)
                    {
                        double cb = planes[64 + y * 8 + x], cr = planes[128 + y * 8 + x];
                        img[i] = PixelMath.Clamp01((float)((yy + 1.402 * cr) / 255.0));
                        img[s.Plane + i] = PixelMath.Clamp01((float)((yy - 0.344136 * cb - 0.714136 * cr) / 255.0));
                        img[2 * s.Plane + i] = PixelMath.Clamp01((float)((yy + 1.772 * cb) / 255.0));
                    }
                    else
                    {
                        img[i] = PixelMath.Clamp01((float)(yy / 255.0));
                    }
                }
            }
        }
    }

    private static void Quantise(Span<double> block, double[] tmp, double[] q)
    {
        var c = s_cos;
        // Forward: rows then columns. tmp[y][u] = Σx C[u][x] f[y][x]; F[v][u] = Σy C[v][y] tmp[y][u].
        for (int y = 0; y < 8; y++)
        {
            for (int u = 0; u < 8; u++)
            {
                double acc = 0;
                for (int x = 0; x < 8; x++)
                {
                    acc += c[u * 8 + x] * block[y * 8 + x];
                }

                tmp[y * 8 + u] = acc;
            }
        }

        for (int v = 0; v < 8; v++)
        {
            for (int u = 0; u < 8; u++)
            {
                double acc = 0;
                for (int y = 0; y < 8; y++)
                {
                    acc += c[v * 8 + y] * tmp[y * 8 + u];
                }

                block[v * 8 + u] = Math.Round(acc / q[v * 8 + u]) * q[v * 8 + u];
            }
        }

        // Inverse: tmp[y][u] = Σv C[v][y] F[v][u]; f[y][x] = Σu C[u][x] tmp[y][u].
        for (int y = 0; y < 8; y++)
        {
            for (int u = 0; u < 8; u++)
            {
                double acc = 0;
                for (int v = 0; v < 8; v++)
                {
                    acc += c[v * 8 + y] * block[v * 8 + u];
                }

                tmp[y * 8 + u] = acc;
            }
        }

        for (int y = 0; y < 8; y++)
        {
            for (int x = 0; x < 8; x++)
            {
                double acc = 0;
                for (int u = 0; u < 8; u++)
                {
                    acc += c[u * 8 + x] * tmp[y * 8 + u];
                }

                block[y * 8 + x] = acc;
            }
        }
    }
}
