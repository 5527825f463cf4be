namespace PerceptionJudge.Kernels.Perturb;

/// <summary>
/// Diffusion inpainting of the pixels where mask &gt; 0 (the "remove" edit), in two steps shared by every backend:
/// (1) onion peel: layer by layer from the hole's boundary inwards, each hole pixel with a known 4-neighbour
/// becomes the mean of its known 4-neighbours; (2) <c>iterations</c> Jacobi sweeps of the discrete Laplace
/// equation Δu = 0 inside the hole with the surrounding pixels as Dirichlet boundary: u'(p) = mean of u over the
/// in-image 4-neighbours of p, reading the previous iterate. Pixels outside the mask never change.
/// </summary>
internal static unsafe class Inpaint
{
    /// <summary>Bounding box of mask &gt; 0 grown by one pixel and clipped; empty when the mask is empty.</summary>
    public static PixelRect Box(byte* mask, int w, int h)
    {
        int x0 = w, y0 = h, x1 = -1, y1 = -1;
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                if (mask[y * w + x] != 0)
                {
                    x0 = Math.Min(x0, x);
                    x1 = Math.Max(x1, x);
                    y0 = Math.Min(y0, y);
                    y1 = Math.Max(y1, y);
                }
            }
        }

        return x1 < 0 ? default : new PixelRect(x0 - 1, y0 - 1, x1 - x0 + 3, y1 - y0 + 3).Clip(w, h);
    }

    /// <summary>Step 1: fills the hole from its boundary inwards (serial; its order is the definition).</summary>
    public static void OnionPeel(float* img, ImageShape s, byte* mask, PixelRect box)
    {
        int w = s.Width;
        var known = new bool[box.Width * box.Height];
        int unknown = 0;
        for (int y = box.Y; y < box.Bottom; y++)
        {
            for (int x = box.X; x < box.Right; x++)
            {
                bool k = mask[y * w + x] == 0;
                known[(y - box.Y) * box.Width + x - box.X] = k;
                unknown += k ? 0 : 1;
            }
        }

        var layer = new List<int>();
        while (unknown > 0)
        {
            layer.Clear();
            for (int y = box.Y; y < box.Bottom; y++)
            {
                for (int x = box.X; x < box.Right; x++)
                {
                    if (!known[(y - box.Y) * box.Width + x - box.X] && KnownNeighbours(known, box, x, y) > 0)
                    {
                        layer.Add(y * w + x);
                    }
                }
            }

            if (layer.Count == 0)
            {
                // Nothing known to diffuse from (the mask covers the image): mid grey.
                FillUnknown(img, s, box, known, 0.5f);
                return;
            }

            foreach (int p in layer)
            {
                int x = p % w, y = p / w;
                for (int c = 0; c < s.Channels; c++)
                {
                    float* plane = img + c * s.Plane;
                    float sum = 0f;
                    int n = 0;
                    Accumulate(plane, known, box, w, x - 1, y, ref sum, ref n);
                    Accumulate(plane, known, box, w, x + 1, y, ref sum, ref n);
                    Accumulate(plane, known, box, w, x, y - 1, ref sum, ref n);
                    Accumulate(plane, known, box, w, x, y + 1, ref sum, ref n);
                    plane[p] = sum / n;
                }
            }

            foreach (int p in layer)
            {
                known[(p / w - box.Y) * box.Width + p % w - box.X] = true;
            }

            unknown -= layer.Count;
        }
    }

    private static int KnownNeighbours(bool[] known, PixelRect box, int x, int y)
    {
        int n = 0;
        n += IsKnown(known, box, x - 1, y) ? 1 : 0;
        n += IsKnown(known, box, x + 1, y) ? 1 : 0;
        n += IsKnown(known, box, x, y - 1) ? 1 : 0;
        n += IsKnown(known, box, x, y + 1) ? 1 : 0;
        return n;
    }

    private static bool IsKnown(bool[] known, PixelRect box, int x, int y) =>
        x >= box.X && x < box.Right && y >= box.Y && y < box.Bottom && known[(y - box.Y) * box.Width + x - box.X];

    private static void Accumulate(float* plane, bool[] known, PixelRect box, int w, int x, int y, ref float sum,
        ref int n)
    {
        if (IsKnown(known, box, x, y))
        {
            sum += plane[y * w + x];
            n++;
        }
    }

    private static void FillUnknown(float* img, ImageShape s, PixelRect box, bool[] known, float v)
    {
        for (int y = box.Y; y < box.Bottom; y++)
        {
            for (int x = box.X; x < box.Right; x++)
            {
                if (!known[(y - box.Y) * box.Width + x - box.X])
                {
                    for (int c = 0; c < s.Channels; c++)
                    {
                        img[c * s.Plane + y * s.Width + x] = v;
                    }
                }
            }
        }
    }

    /// <summary>Copies the box of every plane into <paramref name="prev"/> ([C][box.H][box.W]).</summary>
    public static void Snapshot(float* img, ImageShape s, PixelRect box, float* prev)
    {
        for (int c = 0; c < s.Channels; c++)
        {
            for (int y = box.Y; y < box.Bottom; y++)
            {
                new ReadOnlySpan<float>(img + c * s.Plane + y * s.Width + box.X, box.Width)
                    .CopyTo(new Span<float>(prev + (c * box.Height + y - box.Y) * box.Width, box.Width));
            }
        }
    }

    /// <summary>Step 2, row y of one Jacobi sweep: hole pixels become the mean of their 4-neighbours in prev.</summary>
    public static void JacobiRow(float* img, ImageShape s, byte* mask, PixelRect box, float* prev, int y)
    {
        int bw = box.Width, bh = box.Height, ly = y - box.Y;
        for (int x = box.X; x < box.Right; x++)
        {
            if (mask[y * s.Width + x] == 0)
            {
                continue;
            }

            int lx = x - box.X;
            for (int c = 0; c < s.Channels; c++)
            {
                float* p = prev + c * bh * bw;
                float sum = 0f;
                int n = 0;
                // The box holds every in-image neighbour of a hole pixel (it is the hole's bounds grown by one).
                if (lx > 0)
                {
                    sum += p[ly * bw + lx - 1];
                    n++;
                }

                if (lx < bw - 1)
                {
                    sum += p[ly * bw + lx + 1];
                    n++;
                }

                if (ly > 0)
                {
                    sum += p[(ly - 1) * bw + lx];
                    n++;
                }

                if (ly < bh - 1)
                {
                    sum += p[(ly + 1) * bw + lx];
                    n++;
                }

                img[c * s.Plane + y * s.Width + x] = n > 0 ? sum / n : p[ly * bw + lx];
            }
        }
    }
}
