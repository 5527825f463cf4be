using PerceptionJudge.Kernels.Runtime;

namespace PerceptionJudge.Kernels.Perturb;

/// <summary>Parameters of the exemplar (patch) fill.</summary>
/// <param name="PatchRadius">Patches are (2r+1)² pixels; r ∈ [1, 16]. 4 (9×9) suits photographs of ~500 px.</param>
/// <param name="SearchMargin">Source patches are searched with their centre at most this many pixels outside the
/// hole's bounding box (∈ [1, 4096]); it bounds the cost at O(hole area × ring area) instead of the image area.
/// </param>
public readonly record struct ExemplarFillOptions(int PatchRadius, int SearchMargin)
{
    /// <summary>9×9 patches searched within 32 pixels of the hole.</summary>
    public static ExemplarFillOptions Default => new(4, 32);

    internal void Validate()
    {
        Checks.Range(PatchRadius, 1, 16, "patch_radius");
        Checks.Range(SearchMargin, 1, 4096, "search_margin");
    }
}

/// <summary>A patch search strategy: the scalar reference or the SIMD, row-parallel CPU form.</summary>
internal interface IPatchSearch
{
    /// <summary>The index y·W + x of the best valid source centre for the problem's current target.</summary>
    int Find(ExemplarProblem p);
}

/// <summary>
/// Exemplar-based inpainting after Criminisi, Pérez and Toyama, "Region filling and object removal by
/// exemplar-based image inpainting" (IEEE TIP 13(9), 2004), shared by every backend except for the search:
/// <list type="number">
/// <item>front: hole pixels with a known 4-neighbour. Each has priority P = C·(D + 0.1), with confidence
/// C = Σ conf(q) / |patch| over the known in-image pixels q of its (2r+1)² patch (conf 1 outside the hole,
/// the patch's C for filled pixels) and data term D = |∇L⊥ · n|, ∇L the largest central-difference luma
/// gradient among the patch's known pixels and n the unit normal of the front (the gradient of the known
/// indicator). The 0.1 keeps flat regions ordered by confidence (outside in). Highest P wins, ties to the lowest
/// index;</item>
/// <item>search: among source centres whose whole patch lies in the image and outside the original hole, and
/// within <see cref="ExemplarFillOptions.SearchMargin"/> of the hole, the one minimising the float SSD over the
/// target's known pixels (offsets in row order, colour channels in order: d = s − t; ssd += d·d). Exact ties go
/// to the smallest <see cref="HashRng.Mix"/>(seed, index), then the lowest index, so the seed only varies which
/// of several equally good sources is copied;</item>
/// <item>copy: the target's unknown pixels (all channels) take the source patch's values and become known.</item>
/// </list>
/// If no candidate exists within the margin the whole image is searched; if the hole leaves no complete source
/// patch anywhere, the hole is filled by the diffusion onion peel (<see cref="Inpaint.OnionPeel"/>). Pixels
/// outside the mask never change.
/// </summary>
internal static unsafe class ExemplarFill
{
    public static void Run<TSearch>(float* img, ImageShape s, byte* mask, ExemplarFillOptions o, ulong seed,
        TSearch search)
        where TSearch : IPatchSearch
    {
        var hole = Inpaint.Box(mask, s.Width, s.Height);
        if (hole.Width == 0)
        {
            return;
        }

        var p = new ExemplarProblem(img, s, o.PatchRadius, seed);
        for (int i = 0; i < s.Plane; i++)
        {
            p.Known[i] = mask[i] == 0;
            p.Confidence[i] = p.Known[i] ? 1 : 0;
        }

        if (!p.SetWindow(mask, hole, o.SearchMargin) && !p.SetWindow(mask, hole, Math.Max(s.Width, s.Height)))
        {
            Inpaint.OnionPeel(img, s, mask, hole);
            return;
        }

        while (p.NextTarget(hole) is int target)
        {
            p.Copy(target, search.Find(p));
        }
    }
}

/// <summary>The state of one exemplar fill: known pixels, confidences, valid source centres and the target.
/// </summary>
internal sealed unsafe class ExemplarProblem(float* img, ImageShape s, int radius, ulong seed)
{
    public float* Image { get; } = img;

    public ImageShape Shape { get; } = s;

    public int Radius { get; } = radius;

    public ulong Seed { get; } = seed;

    public bool[] Known { get; } = new bool[s.Plane];

    public double[] Confidence { get; } = new double[s.Plane];

    /// <summary>Source centre (x, y) is usable: its whole patch is in the image and outside the hole.</summary>
    public bool[] Valid { get; } = new bool[s.Plane];

    /// <summary>Candidate centres: rows and columns that may hold a valid centre.</summary>
    public PixelRect Window { get; private set; }

    /// <summary>Known target pixels: linear offsets dy·W + dx from the centre, in row order.</summary>
    public int[] Offsets { get; } = new int[(2 * radius + 1) * (2 * radius + 1)];

    /// <summary>The target's values at <see cref="Offsets"/>, colour channel by channel: [c·Count + k].</summary>
    public float[] Values { get; } = new float[3 * (2 * radius + 1) * (2 * radius + 1)];

    /// <summary>Number of known target pixels.</summary>
    public int Count { get; private set; }

    /// <summary>The "+ 0.1" of P = C·(D + 0.1).</summary>
    private const double FlatPriority = 0.1;

    private double _targetConfidence;

    /// <summary>Marks the valid centres within <paramref name="margin"/> of <paramref name="hole"/>; false if none.
    /// </summary>
    public bool SetWindow(byte* mask, PixelRect hole, int margin)
    {
        int w = Shape.Width, h = Shape.Height, r = Radius;
        // Integral image of the hole: a patch is hole-free when its count is zero.
        var sum = new int[(w + 1) * (h + 1)];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                sum[(y + 1) * (w + 1) + x + 1] = (mask[y * w + x] != 0 ? 1 : 0) + sum[y * (w + 1) + x + 1]
                    + sum[(y + 1) * (w + 1) + x] - sum[y * (w + 1) + x];
            }
        }

        int x0 = Math.Max(r, hole.X - margin), y0 = Math.Max(r, hole.Y - margin);
        int x1 = Math.Min(w - r, hole.Right + margin), y1 = Math.Min(h - r, hole.Bottom + margin);
        Window = x1 > x0 && y1 > y0 ? new PixelRect(x0, y0, x1 - x0, y1 - y0) : default;
        bool any = false;
        for (int y = y0; y < y1; y++)
        {
            for (int x = x0; x < x1; x++)
            {
                int a = (y - r) * (w + 1) + x - r, b = (y + r + 1) * (w + 1) + x + r + 1;
                int inHole = sum[b] - sum[(y + r + 1) * (w + 1) + x - r] - sum[(y - r) * (w + 1) + x + r + 1] + sum[a];
                Valid[y * w + x] = inHole == 0;
                any |= inHole == 0;
            }
        }

        return any;
    }

    /// <summary>Picks the front pixel of highest priority and loads its known pixels; null when the hole is full.
    /// </summary>
    public int? NextTarget(PixelRect hole)
    {
        int w = Shape.Width, best = -1;
        double bestP = double.NegativeInfinity;
        for (int y = hole.Y; y < hole.Bottom; y++)
        {
            for (int x = hole.X; x < hole.Right; x++)
            {
                int i = y * w + x;
                if (Known[i] || !(IsKnown(x - 1, y) || IsKnown(x + 1, y) || IsKnown(x, y - 1) || IsKnown(x, y + 1)))
                {
                    continue;
                }

                double pr = PatchConfidence(x, y) * (DataTerm(x, y) + FlatPriority);
                if (pr > bestP)
                {
                    (bestP, best) = (pr, i);
                }
            }
        }

        if (best < 0)
        {
            return null;
        }

        LoadTarget(best);
        return best;
    }

    /// <summary>Float SSD of the source patch centred at <paramref name="centre"/> against the target.</summary>
    public float Ssd(int centre)
    {
        int cc = Shape.ColourChannels, plane = Shape.Plane;
        float ssd = 0f;
        for (int k = 0; k < Count; k++)
        {
            for (int c = 0; c < cc; c++)
            {
                float d = Image[c * plane + centre + Offsets[k]] - Values[c * Count + k];
                ssd += d * d;
            }
        }

        return ssd;
    }

    /// <summary>The total order of candidates: SSD, then the seeded hash of the index, then the index.</summary>
    public static bool Better(float ssd, ulong key, int index, float bestSsd, ulong bestKey, int bestIndex) =>
        ssd < bestSsd || (ssd == bestSsd && (key < bestKey || (key == bestKey && index < bestIndex)));

    /// <summary>Copies the source patch into the target's unknown pixels, which become known.</summary>
    public void Copy(int target, int source)
    {
        int w = Shape.Width, h = Shape.Height, r = Radius, tx = target % w, ty = target / w;
        for (int dy = -r; dy <= r; dy++)
        {
            for (int dx = -r; dx <= r; dx++)
            {
                int x = tx + dx, y = ty + dy;
                if (x < 0 || y < 0 || x >= w || y >= h || Known[y * w + x])
                {
                    continue;
                }

                int t = y * w + x, src = source + dy * w + dx;
                for (int c = 0; c < Shape.Channels; c++)
                {
                    Image[c * Shape.Plane + t] = Image[c * Shape.Plane + src];
                }

                Known[t] = true;
                Confidence[t] = _targetConfidence;
            }
        }
    }

    private bool IsKnown(int x, int y) =>
        x >= 0 && y >= 0 && x < Shape.Width && y < Shape.Height && Known[y * Shape.Width + x];

    private double PatchConfidence(int cx, int cy)
    {
        double sum = 0;
        int n = 0;
        for (int y = Math.Max(0, cy - Radius); y <= Math.Min(Shape.Height - 1, cy + Radius); y++)
        {
            for (int x = Math.Max(0, cx - Radius); x <= Math.Min(Shape.Width - 1, cx + Radius); x++)
            {
                sum += Known[y * Shape.Width + x] ? Confidence[y * Shape.Width + x] : 0;
                n++;
            }
        }

        return sum / n;
    }

    /// <summary>D = |∇L⊥ · n| with the strongest known luma gradient of the patch and the front normal.</summary>
    private double DataTerm(int cx, int cy)
    {
        double nx = (IsKnown(cx + 1, cy) ? 1 : 0) - (IsKnown(cx - 1, cy) ? 1 : 0);
        double ny = (IsKnown(cx, cy + 1) ? 1 : 0) - (IsKnown(cx, cy - 1) ? 1 : 0);
        double norm = Math.Sqrt(nx * nx + ny * ny);
        if (norm == 0)
        {
            return 0;
        }

        double gx = 0, gy = 0, g2 = 0;
        for (int y = Math.Max(1, cy - Radius); y <= Math.Min(Shape.Height - 2, cy + Radius); y++)
        {
            for (int x = Math.Max(1, cx - Radius); x <= Math.Min(Shape.Width - 2, cx + Radius); x++)
            {
                if (IsKnown(x - 1, y) && IsKnown(x + 1, y) && IsKnown(x, y - 1) && IsKnown(x, y + 1))
                {
                    double ax = (Luma(x + 1, y) - Luma(x - 1, y)) / 2, ay = (Luma(x, y + 1) - Luma(x, y - 1)) / 2;
                    if (ax * ax + ay * ay > g2)
                    {
                        (gx, gy, g2) = (ax, ay, ax * ax + ay * ay);
                    }
                }
            }
        }

        // The isophote is the gradient turned by 90°: (−gy, gx).
        return Math.Abs(-gy * nx + gx * ny) / norm;
    }

    private double Luma(int x, int y)
    {
        int i = y * Shape.Width + x, plane = Shape.Plane;
        return Shape.ColourChannels < 3 ? Image[i]
            : PixelMath.Luma(Image[i], Image[plane + i], Image[2 * plane + i]);
    }

    private void LoadTarget(int centre)
    {
        int w = Shape.Width, r = Radius, tx = centre % w, ty = centre / w, n = 0;
        for (int dy = -r; dy <= r; dy++)
        {
            for (int dx = -r; dx <= r; dx++)
            {
                if (IsKnown(tx + dx, ty + dy))
                {
                    Offsets[n++] = dy * w + dx;
                }
            }
        }

        Count = n;
        for (int c = 0; c < Shape.ColourChannels; c++)
        {
            for (int k = 0; k < n; k++)
            {
                Values[c * n + k] = Image[c * Shape.Plane + centre + Offsets[k]];
            }
        }

        _targetConfidence = PatchConfidence(tx, ty);
    }
}
