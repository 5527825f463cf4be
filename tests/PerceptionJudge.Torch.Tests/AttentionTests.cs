using PerceptionJudge.Torch;

namespace PerceptionJudge.Torch.Tests;

/// <summary>scaled_dot_product_attention: hand-computed cases and an independent double-precision reference.</summary>
[TestFixture]
public sealed class AttentionTests : TorchTest
{
    [Test]
    public void Sdpa_OneQueryTwoKeysByHand()
    {
        // q = [1, 0], keys [1, 0] and [0, 1], scale 1/sqrt(2): scores [0.70711, 0];
        // p = sigmoid(0.70711) = 0.669761; out = p [1, 2] + (1 - p) [3, 4] = [3 - 2p, 4 - 2p].
        var q = F32([1, 0], 1, 1, 1, 2);
        var k = F32([1, 0, 0, 1], 1, 1, 2, 2);
        var v = F32([1, 2, 3, 4], 1, 1, 2, 2);
        var p = 1 / (1 + Math.Exp(-1 / Math.Sqrt(2)));
        AssertClose(Ops.ScaledDotProductAttention(q, k, v), [(float)(3 - 2 * p), (float)(4 - 2 * p)]);
        // An explicit scale of 0 -> uniform weights over the keys.
        AssertClose(Ops.ScaledDotProductAttention(q, k, v, scale: 1e-30), [2, 3]);
    }

    [Test]
    public void Sdpa_CausalFirstQuerySeesOnlyFirstKey()
    {
        var q = Tensor.Randn([1, 1, 3, 4], 1);
        var k = Tensor.Randn([1, 1, 3, 4], 2);
        var v = Tensor.Randn([1, 1, 3, 4], 3);
        var y = Ops.ScaledDotProductAttention(q, k, v, isCausal: true);
        AssertClose(y.Narrow(2, 0, 1), v.Narrow(2, 0, 1).ToArray<float>());
        Assert.That(y.ToArray<float>(), Is.EqualTo(Reference(q, k, v, null, true)).Within(1e-5));
    }

    [Test]
    public void Sdpa_CausalAlignsLastQueryWithLastKeyForKvCache()
    {
        // One new token against a cache of 5: causal must not hide any key.
        var q = Tensor.Randn([2, 3, 1, 8], 4);
        var k = Tensor.Randn([2, 3, 5, 8], 5);
        var v = Tensor.Randn([2, 3, 5, 8], 6);
        var causal = Ops.ScaledDotProductAttention(q, k, v, isCausal: true).ToArray<float>();
        var full = Ops.ScaledDotProductAttention(q, k, v).ToArray<float>();
        Assert.That(causal, Is.EqualTo(full).Within(1e-6));
    }

    [Test]
    public void Sdpa_PaddingMasksAdditiveAndBoolAgree()
    {
        // Key 1 is padding: the single query must return v0 exactly.
        var q = Tensor.Randn([1, 1, 1, 4], 7);
        var k = Tensor.Randn([1, 1, 2, 4], 8);
        var v = F32([1, 2, 3, 4, 5, 6, 7, 8], 1, 1, 2, 4);
        var additive = F32([0, float.NegativeInfinity], 1, 1, 1, 2);
        var keep = Tensor.From<bool>([true, false], 1, 1, 1, 2);
        AssertClose(Ops.ScaledDotProductAttention(q, k, v, additive), [1, 2, 3, 4]);
        AssertClose(Ops.ScaledDotProductAttention(q, k, v, keep), [1, 2, 3, 4]);
    }

    [Test]
    public void Sdpa_MatchesReferenceWithCausalAndPadding()
    {
        var q = Tensor.Randn([2, 2, 5, 4], 10);
        var k = Tensor.Randn([2, 2, 5, 4], 11);
        var v = Tensor.Randn([2, 2, 5, 4], 12);
        // Batch 1 pads its last two keys; broadcast over heads and queries: [B, 1, 1, S].
        var pad = new float[10];
        pad[8] = pad[9] = float.NegativeInfinity;
        var mask = F32(pad, 2, 1, 1, 5);
        var y = Ops.ScaledDotProductAttention(q, k, v, mask, isCausal: true).ToArray<float>();
        Assert.That(y, Is.EqualTo(Reference(q, k, v, pad, true)).Within(1e-5));
    }

    [Test]
    public void Sdpa_GroupedQueryRepeatsKvHeads()
    {
        var q = Tensor.Randn([1, 4, 3, 8], 13);
        var k = Tensor.Randn([1, 2, 3, 8], 14);
        var v = Tensor.Randn([1, 2, 3, 8], 15);
        var expandedK = Ops.IndexSelect(k, 1, I64([0, 0, 1, 1]));
        var expandedV = Ops.IndexSelect(v, 1, I64([0, 0, 1, 1]));
        var grouped = Ops.ScaledDotProductAttention(q, k, v, isCausal: true).ToArray<float>();
        var explicitHeads = Ops.ScaledDotProductAttention(q, expandedK, expandedV, isCausal: true).ToArray<float>();
        Assert.That(grouped, Is.EqualTo(explicitHeads).Within(1e-6));
        var e = Assert.Throws<TorchException>(() => Ops.ScaledDotProductAttention(q, Tensor.Zeros([1, 3, 3, 8]),
            Tensor.Zeros([1, 3, 3, 8])));
        Assert.That(e!.Message, Does.Contain("not a multiple"));
    }

    /// <summary>Plain double loops over [B, H, L, E]; <paramref name="keyMask"/> is additive per [B, S].</summary>
    private static float[] Reference(Tensor qt, Tensor kt, Tensor vt, float[]? keyMask, bool causal)
    {
        var shape = qt.Shape;
        int b = (int)shape[0], h = (int)shape[1], l = (int)shape[2], e = (int)shape[3];
        var s = (int)kt.Size(2);
        float[] q = qt.ToArray<float>(), k = kt.ToArray<float>(), v = vt.ToArray<float>();
        var y = new float[b * h * l * e];
        var scale = 1 / Math.Sqrt(e);
        var w = new double[s];
        for (var bh = 0; bh < b * h; bh++)
        {
            var batch = bh / h;
            for (var i = 0; i < l; i++)
            {
                var max = double.NegativeInfinity;
                for (var j = 0; j < s; j++)
                {
                    double dot = 0;
                    for (var c = 0; c < e; c++)
                    {
                        dot += (double)q[(bh * l + i) * e + c] * k[(bh * s + j) * e + c];
                    }
                    w[j] = dot * scale + (keyMask?[batch * s + j] ?? 0);
                    if (causal && j > i + s - l)
                    {
                        w[j] = double.NegativeInfinity;
                    }
                    max = Math.Max(max, w[j]);
                }
                double sum = 0;
                for (var j = 0; j < s; j++)
                {
                    w[j] = Math.Exp(w[j] - max);
                    sum += w[j];
                }
                for (var c = 0; c < e; c++)
                {
                    double acc = 0;
                    for (var j = 0; j < s; j++)
                    {
                        acc += w[j] / sum * v[(bh * s + j) * e + c];
                    }
                    y[(bh * l + i) * e + c] = (float)acc;
                }
            }
        }
        return y;
    }
}
