using PerceptionJudge.Model.Config;
using PerceptionJudge.Model.Nn;

namespace PerceptionJudge.Model.Tests.Nn;

/// <summary>
/// An independent, loop-by-loop double-precision Qwen2 forward written from HF <c>modeling_qwen2.py</c>'s formulas
/// (one unpadded row, no cache): RMSNorm, q/k/v with bias, RoPE with rotate_half, GQA (query head h reads kv head
/// h / (heads / kv_heads)), causal softmax attention, o_proj, SwiGLU, final norm, lm_head or the tied embedding.
/// It reads the model's parameters by their HF names, so a wrong name or layout fails the comparison.
/// </summary>
internal sealed class ScalarQwen2Reference
{
    private readonly ModelConfig _c;
    private readonly Dictionary<string, (float[] Data, long[] Shape)> _p;

    public ScalarQwen2Reference(VisionLanguageModel model)
    {
        _c = model.Config;
        _p = model.NamedParameters().ToDictionary(
            p => p.Name, p => (p.Tensor.Detach().Contiguous().ToArray<float>(), p.Tensor.Shape));
    }

    /// <summary>Logits [T][V] for one row of token ids.</summary>
    public double[][] Logits(long[] ids)
    {
        int hidden = _c.HiddenSize, d = _c.HeadDim, heads = _c.NumAttentionHeads, kvHeads = _c.NumKeyValueHeads;
        var embed = _p["model.embed_tokens.weight"].Data;
        var h = ids.Select(id => Enumerable.Range(0, hidden).Select(j => (double)embed[id * hidden + j]).ToArray())
            .ToArray();
        for (var l = 0; l < _c.NumHiddenLayers; l++)
        {
            var prefix = $"model.layers.{l}.";
            var x = h.Select(row => RmsNorm(row, prefix + "input_layernorm.weight")).ToArray();
            var q = x.Select(row => Linear(row, prefix + "self_attn.q_proj")).ToArray();
            var k = x.Select(row => Linear(row, prefix + "self_attn.k_proj")).ToArray();
            var v = x.Select(row => Linear(row, prefix + "self_attn.v_proj")).ToArray();
            for (var t = 0; t < ids.Length; t++)
            {
                Rope(q[t], heads, d, t);
                Rope(k[t], kvHeads, d, t);
            }
            var attended = new double[ids.Length][];
            for (var t = 0; t < ids.Length; t++)
            {
                attended[t] = new double[heads * d];
                for (var head = 0; head < heads; head++)
                {
                    var kv = head / (heads / kvHeads);
                    var scores = new double[t + 1];
                    for (var j = 0; j <= t; j++)
                    {
                        for (var e = 0; e < d; e++)
                        {
                            scores[j] += q[t][head * d + e] * k[j][kv * d + e];
                        }
                        scores[j] /= Math.Sqrt(d);
                    }
                    var max = scores.Max();
                    var weights = scores.Select(s => Math.Exp(s - max)).ToArray();
                    var sum = weights.Sum();
                    for (var j = 0; j <= t; j++)
                    {
                        for (var e = 0; e < d; e++)
                        {
                            attended[t][head * d + e] += weights[j] / sum * v[j][kv * d + e];
                        }
                    }
                }
            }
            for (var t = 0; t < ids.Length; t++)
            {
                var o = Linear(attended[t], prefix + "self_attn.o_proj");
                var residual = h[t].Zip(o, (a, b) => a + b).ToArray();
                var y = RmsNorm(residual, prefix + "post_attention_layernorm.weight");
                var gate = Linear(y, prefix + "mlp.gate_proj");
                var up = Linear(y, prefix + "mlp.up_proj");
                var inner = gate.Zip(up, (g, u) => g / (1 + Math.Exp(-g)) * u).ToArray();
                var mlp = Linear(inner, prefix + "mlp.down_proj");
                h[t] = residual.Zip(mlp, (a, b) => a + b).ToArray();
            }
        }
        var lmHead = _c.TieWordEmbeddings ? "model.embed_tokens" : "lm_head";
        return h.Select(row => Linear(RmsNorm(row, "model.norm.weight"), lmHead)).ToArray();
    }

    private double[] RmsNorm(double[] x, string weight)
    {
        var w = _p[weight].Data;
        var scale = 1 / Math.Sqrt(x.Sum(v => v * v) / x.Length + _c.RmsNormEps);
        return x.Select((v, i) => w[i] * v * scale).ToArray();
    }

    private double[] Linear(double[] x, string name)
    {
        var (w, shape) = _p[name + ".weight"];
        var bias = _p.TryGetValue(name + ".bias", out var b) ? b.Data : null;
        var y = new double[shape[0]];
        for (var o = 0; o < y.Length; o++)
        {
            var acc = bias is null ? 0.0 : bias[o];
            for (var i = 0; i < x.Length; i++)
            {
                acc += w[o * x.Length + i] * x[i];
            }
            y[o] = acc;
        }
        return y;
    }

    // x[i], x[i + d/2] rotate by position · θ^(−2i/d): (x1 cos − x2 sin, x2 cos + x1 sin) = x cos + rotate_half(x) sin.
    private void Rope(double[] x, int heads, int d, int position)
    {
        for (var head = 0; head < heads; head++)
        {
            for (var i = 0; i < d / 2; i++)
            {
                var angle = position / Math.Pow(_c.RopeTheta, 2.0 * i / d);
                var (first, second) = (x[head * d + i], x[head * d + i + d / 2]);
                x[head * d + i] = first * Math.Cos(angle) - second * Math.Sin(angle);
                x[head * d + i + d / 2] = second * Math.Cos(angle) + first * Math.Sin(angle);
            }
        }
    }
}
