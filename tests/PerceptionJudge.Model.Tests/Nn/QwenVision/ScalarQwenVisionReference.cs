using PerceptionJudge.Model.Config;

namespace PerceptionJudge.Model.Tests.Nn.QwenVision;

/// <summary>
/// An independent double-precision, loop-by-loop forward of the HF Qwen2-VL / Qwen2.5-VL vision towers
/// (modeling_qwen2_vl.py / modeling_qwen2_5_vl.py), plain arrays, no torch. It works in the input's patch order: each
/// patch finds its (row, col), its frame and, for Qwen2.5-VL windowed blocks, its window from its own coordinates, and
/// attends to exactly the patches sharing them. Attention is permutation-equivariant and the window reorder moves whole
/// merge units, so HF's reorder / argsort pair cancels; <see cref="WindowOrder"/> gives HF's internal order (for the
/// per-block captures) by sorting merge units on (image, frame, window row, window col, row, col).
/// </summary>
public sealed class ScalarQwenVisionReference(QwenVisionConfig config, IReadOnlyDictionary<string, double[]> weights)
{
    private readonly int _m = config.SpatialMergeSize;

    /// <summary>Per patch: image, frame, row, column.</summary>
    public (int Image, int Frame, int Row, int Col)[] Patches(IReadOnlyList<(int T, int H, int W)> grid)
    {
        var patches = new List<(int, int, int, int)>();
        for (var image = 0; image < grid.Count; image++)
        {
            var (t, h, w) = grid[image];
            for (var q = 0; q < t * h * w; q++)
            {
                int frame = q / (h * w), inFrame = q % (h * w);
                int block = inFrame / (_m * _m), within = inFrame % (_m * _m);
                int blockRow = block / (w / _m), blockCol = block % (w / _m);
                patches.Add((image, frame, blockRow * _m + within / _m, blockCol * _m + within % _m));
            }
        }
        return [.. patches];
    }

    /// <summary>HF's window order of the merge units (window_index), by sorting the units' coordinates.</summary>
    public int[] WindowOrder(IReadOnlyList<(int T, int H, int W)> grid)
    {
        var patches = Patches(grid);
        var ws = config.MergerWindowSize;
        var units = Enumerable.Range(0, patches.Length / (_m * _m)).ToArray();
        return [.. units.OrderBy(u =>
        {
            var (image, frame, row, col) = patches[u * _m * _m];
            int r = row / _m, c = col / _m;
            return (image, frame, r / ws, c / ws, r, c);
        })];
    }

    /// <summary>
    /// The forward of <paramref name="x"/> [L, F] (row-major); returns each block's output [L, D] in input order and
    /// the merger output [L / m², out].
    /// </summary>
    public (double[][] Blocks, double[] Output) Forward(double[] x, IReadOnlyList<(int T, int H, int W)> grid)
    {
        int d = config.EmbedDim, f = config.PatchFeatures;
        var patches = Patches(grid);
        var l = patches.Length;
        // Conv3d with stride = kernel: each patch's C×Tp×p×p values dotted with each output channel's kernel.
        var kernel = weights["patch_embed.proj.weight"];
        var h = new double[l * d];
        for (var i = 0; i < l; i++)
        {
            for (var o = 0; o < d; o++)
            {
                double acc = 0;
                for (var k = 0; k < f; k++)
                {
                    acc += x[i * f + k] * kernel[o * f + k];
                }
                h[i * d + o] = acc;
            }
        }
        var (cos, sin) = Rotary(patches);
        var ws = config.MergerWindowSize;
        var blocks = new double[config.Depth][];
        for (var b = 0; b < config.Depth; b++)
        {
            var windowed = config.IsQwen25 && !config.FullAttBlockIndexes.Contains(b);
            bool SameSegment(int i, int j)
            {
                var (a, c) = (patches[i], patches[j]);
                if (a.Image != c.Image || a.Frame != c.Frame)
                {
                    return false;
                }
                return !windowed || (a.Row / _m / ws == c.Row / _m / ws && a.Col / _m / ws == c.Col / _m / ws);
            }
            var prefix = $"blocks.{b}.";
            var n1 = Norm(h, l, d, prefix + "norm1");
            var attn = Attention(n1, l, prefix + "attn", cos, sin, SameSegment);
            var h1 = new double[h.Length];
            for (var i = 0; i < h.Length; i++)
            {
                h1[i] = h[i] + attn[i];
            }
            var mlp = Mlp(Norm(h1, l, d, prefix + "norm2"), l, prefix + "mlp");
            for (var i = 0; i < h.Length; i++)
            {
                h1[i] += mlp[i];
            }
            h = blocks[b] = h1;
        }
        // Merger: consecutive m² patches (one merge window) concatenated, then Linear, GELU, Linear.
        var normed = Norm(h, l, d, "merger.ln_q");
        int units = l / (_m * _m), wide = config.MergedWidth;
        var hidden = Linear(normed, units, wide, "merger.mlp.0", wide);
        for (var i = 0; i < hidden.Length; i++)
        {
            hidden[i] = hidden[i] / 2 * (1 + Erf(hidden[i] / Math.Sqrt(2)));
        }
        return (blocks, Linear(hidden, units, wide, "merger.mlp.2", config.OutHiddenSize));
    }

    // emb = cat(freqs, freqs), freqs = [row · inv_freq, col · inv_freq], inv_freq[j] = theta^(−2j / (hd / 2)).
    private (double[] Cos, double[] Sin) Rotary((int Image, int Frame, int Row, int Col)[] patches)
    {
        int hd = config.HeadDim, quarter = hd / 4;
        var (cos, sin) = (new double[patches.Length * hd], new double[patches.Length * hd]);
        for (var i = 0; i < patches.Length; i++)
        {
            for (var k = 0; k < hd; k++)
            {
                var j = k % (2 * quarter);
                var position = j < quarter ? patches[i].Row : patches[i].Col;
                var angle = position / Math.Pow(10000.0, 2.0 * (j % quarter) / (hd / 2));
                cos[i * hd + k] = Math.Cos(angle);
                sin[i * hd + k] = Math.Sin(angle);
            }
        }
        return (cos, sin);
    }

    private double[] Attention(
        double[] x, int l, string prefix, double[] cos, double[] sin, Func<int, int, bool> sameSegment)
    {
        int d = config.EmbedDim, heads = config.NumHeads, hd = config.HeadDim;
        var qkv = Linear(x, l, d, prefix + ".qkv", 3 * d);
        var output = new double[l * d];
        var scale = 1 / Math.Sqrt(hd);
        for (var head = 0; head < heads; head++)
        {
            double[] Vector(int token, int which, bool rotate)
            {
                var v = new double[hd];
                var at = token * 3 * d + which * d + head * hd;
                for (var k = 0; k < hd; k++)
                {
                    v[k] = qkv[at + k];
                }
                if (!rotate)
                {
                    return v;
                }
                var r = new double[hd];
                for (var k = 0; k < hd; k++)
                {
                    var rotated = k < hd / 2 ? -v[k + hd / 2] : v[k - hd / 2];
                    r[k] = v[k] * cos[token * hd + k] + rotated * sin[token * hd + k];
                }
                return r;
            }
            for (var i = 0; i < l; i++)
            {
                var q = Vector(i, 0, true);
                var keys = Enumerable.Range(0, l).Where(j => sameSegment(i, j)).ToArray();
                var scores = keys.Select(j =>
                {
                    var k = Vector(j, 1, true);
                    double dot = 0;
                    for (var c = 0; c < hd; c++)
                    {
                        dot += q[c] * k[c];
                    }
                    return dot * scale;
                }).ToArray();
                var max = scores.Max();
                var weightsOf = scores.Select(s => Math.Exp(s - max)).ToArray();
                var total = weightsOf.Sum();
                for (var n = 0; n < keys.Length; n++)
                {
                    var v = Vector(keys[n], 2, false);
                    for (var c = 0; c < hd; c++)
                    {
                        output[i * d + head * hd + c] += weightsOf[n] / total * v[c];
                    }
                }
            }
        }
        return Linear(output, l, d, prefix + ".proj", d);
    }

    private double[] Mlp(double[] x, int l, string prefix)
    {
        int d = config.EmbedDim, inner = config.MlpHidden;
        if (!config.IsQwen25)
        {
            var hidden = Linear(x, l, d, prefix + ".fc1", inner).Select(Activate).ToArray();
            return Linear(hidden, l, inner, prefix + ".fc2", d);
        }
        var gate = Linear(x, l, d, prefix + ".gate_proj", inner);
        var up = Linear(x, l, d, prefix + ".up_proj", inner);
        var product = gate.Select((g, i) => Activate(g) * up[i]).ToArray();
        return Linear(product, l, inner, prefix + ".down_proj", d);
    }

    private double Activate(double v) => config.HiddenAct switch
    {
        "quick_gelu" => v / (1 + Math.Exp(-1.702 * v)),
        "silu" => v / (1 + Math.Exp(-v)),
        "gelu" => v / 2 * (1 + Erf(v / Math.Sqrt(2))),
        _ => throw new NotSupportedException(config.HiddenAct),
    };

    // LayerNorm (qwen2_vl, biased variance, with bias) or RMSNorm (qwen2_5_vl), eps 1e-6, over rows of width d.
    private double[] Norm(double[] x, int rows, int d, string prefix)
    {
        var w = weights[prefix + ".weight"];
        var y = new double[x.Length];
        for (var r = 0; r < rows; r++)
        {
            var row = x.AsSpan(r * d, d);
            double mean = 0, square = 0;
            foreach (var v in row)
            {
                mean += v / d;
                square += v * v / d;
            }
            for (var c = 0; c < d; c++)
            {
                y[r * d + c] = config.IsQwen25
                    ? w[c] * row[c] / Math.Sqrt(square + 1e-6)
                    : (row[c] - mean) / Math.Sqrt(square - mean * mean + 1e-6) * w[c] + weights[prefix + ".bias"][c];
            }
        }
        return y;
    }

    private double[] Linear(double[] x, int rows, int inWidth, string prefix, int outWidth)
    {
        var (w, b) = (weights[prefix + ".weight"], weights[prefix + ".bias"]);
        var y = new double[rows * outWidth];
        for (var r = 0; r < rows; r++)
        {
            for (var o = 0; o < outWidth; o++)
            {
                var acc = b[o];
                for (var k = 0; k < inWidth; k++)
                {
                    acc += x[r * inWidth + k] * w[o * inWidth + k];
                }
                y[r * outWidth + o] = acc;
            }
        }
        return y;
    }

    // erf by its Maclaurin series for |z| < 4 (100 terms); ±1 beyond (|1 − erf| < 2e-8 there).
    private static double Erf(double z)
    {
        if (Math.Abs(z) >= 4)
        {
            return Math.Sign(z);
        }
        double sum = 0, term = z;
        for (var n = 0; n < 100; n++)
        {
            sum += term / (2 * n + 1);
            term *= -z * z / (n + 1);
        }
        return 2 / Math.Sqrt(Math.PI) * sum;
    }
}
