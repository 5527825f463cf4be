using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Nn;
using PerceptionJudge.Model.Nn.Vision;

namespace PerceptionJudge.Model.Tests.Nn;

/// <summary>
/// An independent, loop-by-loop double-precision forward of the vision tower for one image, from the formulas of
/// <see cref="VisionTransformer"/>: normalise with mean/std, p×p patch convolution in raster order, learned position
/// embedding, pre-norm blocks (LayerNorm, fused-qkv MHA, exact GELU MLP), ln_q, mlp.0 → GELU → mlp.2. Reads the
/// parameters by their <c>visual.*</c> names.
/// </summary>
internal sealed class ScalarVisionReference
{
    private readonly VisionConfig _c;
    private readonly ImageNormalization _norm;
    private readonly Dictionary<string, (float[] Data, long[] Shape)> _p;

    public ScalarVisionReference(VisionLanguageModel model)
    {
        _c = model.Config.Vision!;
        _norm = model.Visual!.Normalization;
        _p = model.NamedParameters().ToDictionary(
            p => p.Name, p => (p.Tensor.Detach().Contiguous().ToArray<float>(), p.Tensor.Shape));
    }

    /// <summary>Patch embeddings [P][H] of one planar image [C][S][S] in [0, 1].</summary>
    public double[][] Forward(float[] image)
    {
        int s = _c.ImageSize, patch = _c.PatchSize, grid = s / patch, width = _c.HiddenSize, channels = _c.NumChannels;
        var (conv, _) = _p["visual.patch_embed.proj.weight"];
        var convBias = _p["visual.patch_embed.proj.bias"].Data;
        var pos = _p["visual.pos_embed.weight"].Data;
        var h = new double[grid * grid][];
        for (var gy = 0; gy < grid; gy++)
        {
            for (var gx = 0; gx < grid; gx++)
            {
                var token = new double[width];
                for (var o = 0; o < width; o++)
                {
                    var acc = (double)convBias[o];
                    for (var c = 0; c < channels; c++)
                    {
                        for (var y = 0; y < patch; y++)
                        {
                            for (var x = 0; x < patch; x++)
                            {
                                var pixel = image[(c * s + gy * patch + y) * s + gx * patch + x];
                                var normalised = (pixel - (double)_norm.Mean[c]) / _norm.Std[c];
                                acc += conv[((o * channels + c) * patch + y) * patch + x] * normalised;
                            }
                        }
                    }
                    token[o] = acc + pos[(gy * grid + gx) * width + o];
                }
                h[gy * grid + gx] = token;
            }
        }
        for (var b = 0; b < _c.NumHiddenLayers; b++)
        {
            var prefix = $"visual.blocks.{b}.";
            var attended = Attention(h.Select(t => LayerNorm(t, prefix + "norm1")).ToArray(), prefix + "attn.");
            h = h.Select((t, i) => Add(t, attended[i])).ToArray();
            h = h.Select(t => Add(t, Linear(Gelu(Linear(LayerNorm(t, prefix + "norm2"), prefix + "mlp.fc1")),
                prefix + "mlp.fc2"))).ToArray();
        }
        return h.Select(t => Linear(Gelu(Linear(LayerNorm(t, "visual.merger.ln_q"), "visual.merger.mlp.0")),
            "visual.merger.mlp.2")).ToArray();
    }

    private double[][] Attention(double[][] x, string prefix)
    {
        int width = _c.HiddenSize, heads = _c.NumAttentionHeads, d = width / heads;
        var qkv = x.Select(t => Linear(t, prefix + "qkv")).ToArray();
        var output = x.Select(_ => new double[width]).ToArray();
        for (var head = 0; head < heads; head++)
        {
            for (var i = 0; i < x.Length; i++)
            {
                var scores = new double[x.Length];
                for (var j = 0; j < x.Length; j++)
                {
                    for (var e = 0; e < d; e++)
                    {
                        scores[j] += qkv[i][head * d + e] * qkv[j][width + head * d + e] / Math.Sqrt(d);
                    }
                }
                var max = scores.Max();
                var weights = scores.Select(v => Math.Exp(v - max)).ToArray();
                var sum = weights.Sum();
                for (var j = 0; j < x.Length; j++)
                {
                    for (var e = 0; e < d; e++)
                    {
                        output[i][head * d + e] += weights[j] / sum * qkv[j][2 * width + head * d + e];
                    }
                }
            }
        }
        return output.Select(t => Linear(t, prefix + "proj")).ToArray();
    }

    private double[] LayerNorm(double[] x, string name)
    {
        var (w, b) = (_p[name + ".weight"].Data, _p[name + ".bias"].Data);
        var mean = x.Average();
        var variance = x.Average(v => (v - mean) * (v - mean));
        var scale = 1 / Math.Sqrt(variance + _c.LayerNormEps);
        return x.Select((v, i) => (v - mean) * scale * w[i] + b[i]).ToArray();
    }

    private double[] Linear(double[] x, string name)
    {
        var (w, shape) = _p[name + ".weight"];
        var bias = _p[name + ".bias"].Data;
        var y = new double[shape[0]];
        for (var o = 0; o < y.Length; o++)
        {
            var acc = (double)bias[o];
            for (var i = 0; i < x.Length; i++)
            {
                acc += w[o * x.Length + i] * x[i];
            }
            y[o] = acc;
        }
        return y;
    }

    private static double[] Add(double[] a, double[] b) => a.Zip(b, (x, y) => x + y).ToArray();

    // Exact GELU x·Φ(x) = x/2·(1 + erf(x/√2)).
    private static double[] Gelu(double[] x) => x.Select(v => v / 2 * (1 + Erf(v / Math.Sqrt(2)))).ToArray();

    // erf by its Maclaurin series for |z| < 4 (100 terms; cancellation costs < 1e-9 there); |1 − erf(z)| < 2e-8 above.
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
