using ILGPU;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// The ILGPU kernels of <see cref="PerturbIlgpu"/> that work on neighbourhoods: a Jacobi sweep of the inpaint, the
/// exemplar fill's patch search, and the JPEG 8×8 block quantisation. Each repeats the shared host code's
/// arithmetic in its order (<see cref="Inpaint.JacobiRow"/>, <see cref="ExemplarProblem.Ssd"/> with
/// <see cref="ExemplarProblem.Better"/>, <see cref="Jpeg.BlockRow"/>).
/// </summary>
public sealed partial class PerturbIlgpu
{
    /// <summary>
    /// One thread per pixel and channel of the inpaint box: a hole pixel becomes the float mean of its in-box
    /// 4-neighbours in the previous iterate (left, right, up, down, as <see cref="Inpaint.JacobiRow"/>); the
    /// iterates ping-pong between two full images, which agree outside the hole.
    /// </summary>
    internal static void JacobiKernel(Index1D t, JacobiArgs a)
    {
        int boxPlane = a.BoxWidth * a.BoxHeight, c = t / boxPlane, j = t - c * boxPlane;
        int ly = j / a.BoxWidth, lx = j - ly * a.BoxWidth, x = a.BoxX + lx, y = a.BoxY + ly;
        int i = y * a.Width + x;
        if (a.Mask[i] == 0)
        {
            return;
        }

        int at = c * a.Width * a.Height + i;
        float sum = 0f;
        int n = 0;
        if (lx > 0)
        {
            sum += a.Previous[at - 1];
            n++;
        }

        if (lx < a.BoxWidth - 1)
        {
            sum += a.Previous[at + 1];
            n++;
        }

        if (ly > 0)
        {
            sum += a.Previous[at - a.Width];
            n++;
        }

        if (ly < a.BoxHeight - 1)
        {
            sum += a.Previous[at + a.Width];
            n++;
        }

        a.Next[at] = n > 0 ? sum / n : a.Previous[at];
    }

    /// <summary>
    /// One thread per row of the search window: the best valid centre of the row under
    /// <see cref="ExemplarProblem.Better"/> (float SSD over the target's known offsets in row order, colour channels
    /// in order, then the seeded hash, then the index), or −1 when the row has none.
    /// </summary>
    internal static void SearchRowKernel(Index1D row, SearchArgs a)
    {
        int y = a.WindowY + row, best = -1;
        float bestSsd = float.PositiveInfinity;
        ulong bestKey = ulong.MaxValue;
        for (int x = a.WindowX; x < a.WindowX + a.WindowWidth; x++)
        {
            int i = y * a.Width + x;
            if (a.Valid[i] == 0)
            {
                continue;
            }

            float ssd = 0f;
            for (int k = 0; k < a.Count; k++)
            {
                for (int c = 0; c < a.ColourChannels; c++)
                {
                    float d = a.Image[c * a.Plane + i + a.Offsets[k]] - a.Values[c * a.Count + k];
                    ssd += d * d;
                }
            }

            ulong key = HashRng.Mix(a.Seed, (ulong)i);
            if (best < 0 || ExemplarProblem.Better(ssd, key, i, bestSsd, bestKey, best))
            {
                (best, bestSsd, bestKey) = (i, ssd, key);
            }
        }

        a.RowIndex[row] = best;
        a.RowSsd[row] = bestSsd;
        a.RowKey[row] = bestKey;
    }

    /// <summary>One thread: the best of the row winners in row order (the same total order), into Best[0].</summary>
    internal static void SearchBestKernel(Index1D t, SearchArgs a)
    {
        int best = -1;
        float bestSsd = float.PositiveInfinity;
        ulong bestKey = ulong.MaxValue;
        for (int row = 0; row < a.WindowHeight; row++)
        {
            int i = a.RowIndex[row];
            if (i >= 0 && (best < 0 || ExemplarProblem.Better(a.RowSsd[row], a.RowKey[row], i, bestSsd, bestKey, best)))
            {
                (best, bestSsd, bestKey) = (i, a.RowSsd[row], a.RowKey[row]);
            }
        }

        a.Best[0] = best;
    }

    /// <summary>
    /// One thread per 8×8 block: <see cref="Jpeg.BlockRow"/>'s colour transform, separable DCT-II, quantisation
    /// (round half to even, as <c>Math.Round</c>), inverse and write-back, in double in its order; the block's
    /// three planes and the transform's temporary are the thread's 256 doubles of <c>Scratch</c>.
    /// </summary>
    internal static void JpegKernel(Index1D t, JpegArgs a)
    {
        int blocksX = (a.Width + 7) / 8, by = t / blocksX, bx = t - by * blocksX, plane = a.Width * a.Height;
        var planes = a.Scratch.SubView((long)(int)t * 256, 192);
        var tmp = a.Scratch.SubView((long)(int)t * 256 + 192, 64);
        bool colour = a.Channels >= 3;
        for (int y = 0; y < 8; y++)
        {
            int iy = Math.Min(by * 8 + y, a.Height - 1);
            for (int x = 0; x < 8; x++)
            {
                int i = iy * a.Width + Math.Min(bx * 8 + x, a.Width - 1);
                if (colour)
                {
                    double r = a.Image[i] * 255.0, g = a.Image[plane + i] * 255.0, b = a.Image[2 * plane + i] * 255.0;
                    planes[y * 8 + x] = 0.299 * r + 0.587 * g + 0.114 * b - 128.0;
                    planes[64 + y * 8 + x] = -0.168736 * r - 0.331264 * g + 0.5 * b;
                    planes[128 + y * 8 + x] = 0.5 * r - 0.418688 * g - 0.081312 * b;
                }
                else
                {
                    planes[y * 8 + x] = a.Image[i] * 255.0 - 128.0;
                }
            }
        }

        for (int p = 0; p < (colour ? 3 : 1); p++)
        {
            Quantise(planes.SubView(p * 64, 64), tmp, a.Cos, a.Tables.SubView(p == 0 ? 0 : 64, 64));
        }

        for (int y = 0; y < 8 && by * 8 + y < a.Height; y++)
        {
            for (int x = 0; x < 8 && bx * 8 + x < a.Width; x++)
            {
                int i = (by * 8 + y) * a.Width + bx * 8 + x;
                double yy = planes[y * 8 + x] + 128.0;
                if (colour)
                {
                    double cb = planes[64 + y * 8 + x], cr = planes[128 + y * 8 + x];
                    a.Image[i] = PixelMath.Clamp01((float)((yy + 1.402 * cr) / 255.0));
                    a.Image[plane + i] = PixelMath.Clamp01((float)((yy - 0.344136 * cb - 0.714136 * cr) / 255.0));
                    a.Image[2 * plane + i] = PixelMath.Clamp01((float)((yy + 1.772 * cb) / 255.0));
                }
                else
                {
                    a.Image[i] = PixelMath.Clamp01((float)(yy / 255.0));
                }
            }
        }
    }

    /// <summary>The forward DCT, quantisation and inverse of one 8×8 plane, as <c>Jpeg.Quantise</c>.</summary>
    private static void Quantise(ArrayView<double> block, ArrayView<double> tmp, ArrayView<double> c,
        ArrayView<double> q)
    {
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

                block[v * 8 + u] = RoundHalfToEven(acc / q[v * 8 + u]) * q[v * 8 + u];
            }
        }

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

    /// <summary><c>Math.Round(v)</c> (ties to even) from <c>Math.Floor</c>: v − ⌊v⌋ is exact in double, so the value
    /// equals Math.Round's (a zero may come back as +0 where Math.Round gives −0; both add identically).</summary>
    internal static double RoundHalfToEven(double v)
    {
        double f = Math.Floor(v), d = v - f;
        return d > 0.5 ? f + 1 : d < 0.5 ? f : Math.Floor(f * 0.5) * 2 == f ? f : f + 1;
    }
}
