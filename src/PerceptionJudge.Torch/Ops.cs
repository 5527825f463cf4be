using TorchSharp;
using F = TorchSharp.torch.nn.functional;
using TS = TorchSharp.torch.Tensor;

namespace PerceptionJudge.Torch;

/// <summary>
/// The ops the model needs, each one libtorch call through TorchSharp (or, for the composites RmsNorm, Rotary and
/// ScaledDotProductAttention, a fixed sequence of them inside a TorchSharp dispose scope that frees the
/// intermediates). Inputs are never disposed; every result is a fresh <see cref="Tensor"/>; autograd records every op
/// unless grad mode is off.
/// </summary>
public static partial class Ops
{
    /// <summary>a + alpha * b with broadcasting.</summary>
    public static Tensor Add(Tensor a, Tensor b, double alpha = 1) => Binary(a, b, (x, y) =>
    {
        if (alpha == 1)
        {
            return x.add(y);
        }
        using var s = alpha.ToScalar();
        return x.add(y, s);
    });

    /// <summary>a - b with broadcasting.</summary>
    public static Tensor Sub(Tensor a, Tensor b) => Binary(a, b, (x, y) => x.sub(y));

    /// <summary>a * b elementwise with broadcasting.</summary>
    public static Tensor Mul(Tensor a, Tensor b) => Binary(a, b, (x, y) => x.mul(y));

    /// <summary>a / b elementwise with broadcasting.</summary>
    public static Tensor Div(Tensor a, Tensor b) => Binary(a, b, (x, y) => x.div(y));

    /// <summary>a + value.</summary>
    public static Tensor Add(Tensor a, double value) => WithScalar(a, value, (x, s) => x.add(s));

    /// <summary>a * value.</summary>
    public static Tensor Mul(Tensor a, double value) => WithScalar(a, value, (x, s) => x.mul(s));

    /// <summary>a ^ exponent elementwise.</summary>
    public static Tensor Pow(Tensor a, double exponent) => WithScalar(a, exponent, (x, s) => x.pow(s));

    /// <summary>-a.</summary>
    public static Tensor Neg(Tensor a) => Tensor.Op(a.Torch, x => x.neg());

    /// <summary>e^a.</summary>
    public static Tensor Exp(Tensor a) => Tensor.Op(a.Torch, x => x.exp());

    /// <summary>Natural log.</summary>
    public static Tensor Log(Tensor a) => Tensor.Op(a.Torch, x => x.log());

    /// <summary>Square root.</summary>
    public static Tensor Sqrt(Tensor a) => Tensor.Op(a.Torch, x => x.sqrt());

    /// <summary>1 / sqrt(a).</summary>
    public static Tensor Rsqrt(Tensor a) => Tensor.Op(a.Torch, x => x.rsqrt());

    /// <summary>tanh.</summary>
    public static Tensor Tanh(Tensor a) => Tensor.Op(a.Torch, x => x.tanh());

    /// <summary>Logistic sigmoid.</summary>
    public static Tensor Sigmoid(Tensor a) => Tensor.Op(a.Torch, x => x.sigmoid());

    /// <summary>max(a, 0).</summary>
    public static Tensor Relu(Tensor a) => Tensor.Op(a.Torch, x => x.relu());

    /// <summary>a * sigmoid(a) (SwiGLU's gate).</summary>
    public static Tensor Silu(Tensor a) => Tensor.Op(a.Torch, x => F.silu(x));

    /// <summary>cos.</summary>
    public static Tensor Cos(Tensor a) => Tensor.Op(a.Torch, x => x.cos());

    /// <summary>sin.</summary>
    public static Tensor Sin(Tensor a) => Tensor.Op(a.Torch, x => x.sin());

    /// <summary>|a|.</summary>
    public static Tensor Abs(Tensor a) => Tensor.Op(a.Torch, x => x.abs());

    /// <summary>Elementwise logical not (bool result).</summary>
    public static Tensor LogicalNot(Tensor a) => Tensor.Op(a.Torch, x => x.logical_not());

    /// <summary>Clamps every element into [min, max].</summary>
    public static Tensor Clamp(Tensor a, double min, double max) => Tensor.Op(a.Torch, x =>
    {
        using var lo = min.ToScalar();
        using var hi = max.ToScalar();
        return x.clamp(lo, hi);
    });

    /// <summary>a == b elementwise (bool).</summary>
    public static Tensor Eq(Tensor a, Tensor b) => Binary(a, b, (x, y) => x.eq(y));

    /// <summary>a &lt; b elementwise (bool).</summary>
    public static Tensor Lt(Tensor a, Tensor b) => Binary(a, b, (x, y) => x.lt(y));

    /// <summary>a &gt; b elementwise (bool).</summary>
    public static Tensor Gt(Tensor a, Tensor b) => Binary(a, b, (x, y) => x.gt(y));

    /// <summary>GELU, exact (erf) or the tanh approximation.</summary>
    public static Tensor Gelu(Tensor a, bool tanhApproximation = false) => Tensor.Op(a.Torch, x =>
        F.gelu(x, tanhApproximation ? TorchSharp.Modules.GELU.Approximate.tanh : TorchSharp.Modules.GELU.Approximate.none));

    /// <summary>Inverted dropout with probability <paramref name="p"/> when training; identity otherwise.</summary>
    public static Tensor Dropout(Tensor a, double p, bool training) => Tensor.Op(a.Torch, x => F.dropout(x, p, training));

    /// <summary>a with <paramref name="value"/> wherever the bool <paramref name="mask"/> is true.</summary>
    public static Tensor MaskedFill(Tensor a, Tensor mask, double value) => Binary(a, mask, (x, m) =>
    {
        using var s = value.ToScalar();
        return x.masked_fill(m, s);
    });

    /// <summary>Elementwise choice: a where condition, else b.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        var (c, x, y) = (condition.Torch, a.Torch, b.Torch);
        return Tensor.Op(c, _ => torch.where(c, x, y));
    }

    /// <summary>Matrix product with torch.matmul's batching and broadcasting rules.</summary>
    public static Tensor MatMul(Tensor a, Tensor b)
    {
        CheckMatMul(a.Torch.shape, b.Torch.shape);
        return Binary(a, b, (x, y) => x.matmul(y));
    }

    /// <summary>x W^T + b, W of shape [out, in] (torch.nn.functional.linear).</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        var (w, b) = (weight.Torch, bias?.Torch);
        return Tensor.Op(x.Torch, input => F.linear(input, w, b));
    }

    /// <summary>Rows of <paramref name="weight"/> [V, D] picked by int64 <paramref name="indices"/>.</summary>
    public static Tensor Embedding(Tensor weight, Tensor indices)
    {
        var (w, i) = (weight.Torch, indices.Torch);
        // at::embedding's forward: index_select on the flattened indices, viewed back to indices.shape + [D].
        return Composite(() => w.index_select(0, i.reshape(-1)).view([.. i.shape, w.shape[^1]]));
    }

    /// <summary>
    /// RMSNorm over the last dim: y = w * x / sqrt(mean(x^2) + eps), statistics in float32 (HF Qwen2RMSNorm).
    /// </summary>
    public static Tensor RmsNorm(Tensor x, Tensor? weight, double eps = 1e-6)
    {
        var (input, w) = (x.Torch, weight?.Torch);
        return Composite(() =>
        {
            using Scalar two = 2, epsilon = eps;
            var h = input.to_type(ComputeType(input));
            var y = (h * torch.rsqrt(h.pow(two).mean([-1L], keepdim: true).add(epsilon))).to_type(input.dtype);
            return w is null ? y : w * y;
        });
    }

    /// <summary>LayerNorm over the last dim: (x - mean) / sqrt(var + eps) * w + b (biased variance).</summary>
    public static Tensor LayerNorm(Tensor x, Tensor? weight, Tensor? bias, double eps = 1e-5)
    {
        var (input, w, b) = (x.Torch, weight?.Torch, bias?.Torch);
        if (input.dim() == 0)
        {
            throw new TorchException("layer_norm: input must have at least one dimension", 2);
        }
        return Tensor.Op(input, t => F.layer_norm(t, [t.shape[^1]], w, b, eps));
    }

    /// <summary>
    /// Rotary embedding x*cos + rot(x)*sin; cos/sin hold the full head dim and broadcast against x. Half-split
    /// (Qwen2/Llama rotate_half): rot(x) = cat(-x2, x1). Interleaved (GPT-J): rot(x)[2i] = -x[2i+1],
    /// rot(x)[2i+1] = x[2i].
    /// </summary>
    public static Tensor Rotary(Tensor x, Tensor cos, Tensor sin, bool interleaved = false)
    {
        var (input, c, s) = (x.Torch, cos.Torch, sin.Torch);
        var d = input.shape[^1];
        if (d % 2 != 0)
        {
            throw new TorchException($"rotary: head dim must be even, got {d}", 2);
        }
        return Composite(() =>
        {
            var rotated = interleaved
                ? torch.stack([-input.slice(-1, 1, d, 2), input.slice(-1, 0, d, 2)], -1).flatten(-2)
                : torch.cat([-input.narrow(-1, d / 2, d / 2), input.narrow(-1, 0, d / 2)], -1);
            return input * c + rotated * s;
        });
    }

    /// <summary>
    /// softmax(q k^T * scale + mask) v over [..., heads, L, E] inputs; scale defaults to 1/sqrt(E). Fewer k/v heads
    /// than q heads are repeated (grouped-query attention). Causal: query i sees key j iff j &lt;= i + S - L (the last
    /// query sees every key: KV-cache decoding). A bool mask keeps true positions; a float mask is added (0 / -inf).
    /// Softmax runs in float32.
    /// </summary>
    public static Tensor ScaledDotProductAttention(
        Tensor q, Tensor k, Tensor v, Tensor? mask = null, bool isCausal = false, double? scale = null)
    {
        var (query, key, value, m) = (q.Torch, k.Torch, v.Torch, mask?.Torch);
        if (query.dim() < 2 || key.dim() != query.dim() || value.dim() != query.dim())
        {
            throw new TorchException("sdpa: q, k, v must have the same rank >= 2", 2);
        }
        var repeat = 1L;
        if (query.dim() >= 3 && key.shape[^3] != query.shape[^3])
        {
            long heads = query.shape[^3], kvHeads = key.shape[^3];
            if (kvHeads <= 0 || heads % kvHeads != 0 || value.shape[^3] != kvHeads)
            {
                throw new TorchException(
                    $"sdpa: {heads} query heads are not a multiple of {kvHeads} key/value heads", 2);
            }
            repeat = heads / kvHeads;
        }
        var s = scale is > 0 ? scale.Value : 1.0 / Math.Sqrt(query.shape[^1]);
        return Composite(() =>
        {
            using Scalar scaleBy = s, minusInf = double.NegativeInfinity;
            var (kk, vv) = repeat == 1
                ? (key, value)
                : (key.repeat_interleave(repeat, -3), value.repeat_interleave(repeat, -3));
            var scores = query.matmul(kk.transpose(-2, -1)).mul(scaleBy).to_type(ComputeType(query));
            if (isCausal)
            {
                long l = query.shape[^2], n = kk.shape[^2];
                var keep = torch.ones([l, n], torch.ScalarType.Bool).tril(n - l);
                scores = scores.masked_fill(keep.logical_not(), minusInf);
            }
            if (m is not null)
            {
                scores = m.dtype == torch.ScalarType.Bool
                    ? scores.masked_fill(m.logical_not(), minusInf)
                    : scores + m.to_type(scores.dtype);
            }
            return scores.softmax(-1).to_type(value.dtype).matmul(vv);
        });
    }

    /// <summary>Softmax along <paramref name="dim"/>.</summary>
    public static Tensor Softmax(Tensor x, long dim) => Tensor.Op(x.Torch, t => t.softmax(dim));

    /// <summary>Log-softmax along <paramref name="dim"/>.</summary>
    public static Tensor LogSoftmax(Tensor x, long dim) => Tensor.Op(x.Torch, t => t.log_softmax(dim));

    /// <summary>2-D convolution, x [N, C, H, W], weight [O, C, kH, kW] (a ViT patch embed: stride = kernel).</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, long stride = 1, long padding = 0) =>
        Conv2d(x, weight, bias, stride, stride, padding, padding);

    /// <summary>2-D convolution with separate strides and paddings per axis.</summary>
    public static Tensor Conv2d(
        Tensor x, Tensor weight, Tensor? bias, long strideH, long strideW, long padH, long padW)
    {
        var (w, b) = (weight.Torch, bias?.Torch);
        return Tensor.Op(x.Torch, t => F.conv2d(t, w, b, [strideH, strideW], [padH, padW], [1, 1], 1));
    }

    /// <summary>Same data, new shape (copies only when a view is impossible); one size may be -1.</summary>
    public static Tensor Reshape(Tensor x, params long[] shape) => Tensor.Op(x.Torch, t => t.reshape(shape));

    /// <summary>A view with a new shape (throws when the strides do not allow it).</summary>
    public static Tensor View(Tensor x, params long[] shape) => Tensor.Op(x.Torch, t => t.view(shape));

    /// <summary>Swaps two dimensions (a view).</summary>
    public static Tensor Transpose(Tensor x, long dim0, long dim1) => Tensor.Op(x.Torch, t => t.transpose(dim0, dim1));

    /// <summary>Reorders dimensions (a view).</summary>
    public static Tensor Permute(Tensor x, params long[] dims) => Tensor.Op(x.Torch, t => t.permute(dims));

    /// <summary>Inserts a size-1 dimension at <paramref name="dim"/>.</summary>
    public static Tensor Unsqueeze(Tensor x, long dim) => Tensor.Op(x.Torch, t => t.unsqueeze(dim));

    /// <summary>Removes dimension <paramref name="dim"/> when its size is 1.</summary>
    public static Tensor Squeeze(Tensor x, long dim) => Tensor.Op(x.Torch, t => t.squeeze(dim));

    /// <summary>Broadcasts size-1 dimensions to <paramref name="shape"/> (-1 keeps a size), without copying.</summary>
    public static Tensor Expand(Tensor x, params long[] shape) => Tensor.Op(x.Torch, t => t.expand(shape));

    /// <summary>Concatenates along <paramref name="dim"/>.</summary>
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, long dim = 0)
    {
        var list = Unwrap(tensors, "cat");
        return Tensor.Own(Tensor.Call(() => torch.cat(list, dim)));
    }

    /// <summary>Stacks equal-shaped tensors along a new dimension <paramref name="dim"/>.</summary>
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, long dim = 0)
    {
        var list = Unwrap(tensors, "stack");
        return Tensor.Own(Tensor.Call(() => torch.stack(list, dim)));
    }

    /// <summary>Lower triangle (on and below <paramref name="diagonal"/>); zeroes the rest.</summary>
    public static Tensor Tril(Tensor x, long diagonal = 0) => Tensor.Op(x.Torch, t => t.tril(diagonal));

    /// <summary>Upper triangle (on and above <paramref name="diagonal"/>); zeroes the rest.</summary>
    public static Tensor Triu(Tensor x, long diagonal = 0) => Tensor.Op(x.Torch, t => t.triu(diagonal));

    /// <summary>Elements start .. start+length-1 along <paramref name="dim"/> (a view).</summary>
    public static Tensor Narrow(Tensor x, long dim, long start, long length) =>
        Tensor.Op(x.Torch, t => t.narrow(dim, start, length));

    /// <summary>x[start:end:step] along <paramref name="dim"/> (a view; end clamps to the size).</summary>
    public static Tensor Slice(Tensor x, long dim, long start, long end, long step = 1) =>
        Tensor.Op(x.Torch, t => t.slice(dim, start, end, step));

    /// <summary>out[i][j] = x[index[i][j]][j] for dim 0, and so on (torch.gather).</summary>
    public static Tensor Gather(Tensor x, long dim, Tensor index) => Binary(x, index, (t, i) => t.gather(dim, i));

    /// <summary>Slices of <paramref name="x"/> at int64 <paramref name="index"/> along a dim.</summary>
    public static Tensor IndexSelect(Tensor x, long dim, Tensor index) =>
        Binary(x, index, (t, i) => t.index_select(dim, i));

    /// <summary>Sum of every element (a 0-d tensor).</summary>
    public static Tensor Sum(Tensor x) => Tensor.Op(x.Torch, t => t.sum());

    /// <summary>Sum over <paramref name="dims"/>.</summary>
    public static Tensor Sum(Tensor x, long[] dims, bool keepdim = false)
    {
        if (dims.Length == 0)
        {
            throw new TorchException("Sum: give at least one dim, or call Sum(x) for every element");
        }
        return Tensor.Op(x.Torch, t => t.sum(dims, keepdim));
    }

    /// <summary>Mean of every element (a 0-d tensor).</summary>
    public static Tensor Mean(Tensor x) => Tensor.Op(x.Torch, t => t.mean());

    /// <summary>Mean over <paramref name="dims"/>.</summary>
    public static Tensor Mean(Tensor x, long[] dims, bool keepdim = false)
    {
        if (dims.Length == 0)
        {
            throw new TorchException("Mean: give at least one dim, or call Mean(x) for every element");
        }
        return Tensor.Op(x.Torch, t => t.mean(dims, keepdim));
    }

    /// <summary>Maximum along <paramref name="dim"/> and its int64 index.</summary>
    public static (Tensor Values, Tensor Indices) Max(Tensor x, long dim, bool keepdim = false)
    {
        var input = x.Torch;
        var (values, indices) = Tensor.Call(() => input.max(dim, keepdim));
        return (Tensor.Own(values), Tensor.Own(indices));
    }

    /// <summary>Index of the maximum along <paramref name="dim"/> (int64).</summary>
    public static Tensor ArgMax(Tensor x, long dim, bool keepdim = false) =>
        Tensor.Op(x.Torch, t => t.argmax(dim, keepdim));

    /// <summary>Running sum along <paramref name="dim"/>.</summary>
    public static Tensor Cumsum(Tensor x, long dim) => Tensor.Op(x.Torch, t => t.cumsum(dim));

    /// <summary>The <paramref name="k"/> largest (or smallest) elements along <paramref name="dim"/>, sorted.</summary>
    public static (Tensor Values, Tensor Indices) TopK(Tensor x, long k, long dim = -1, bool largest = true)
    {
        var input = x.Torch;
        var (values, indices) = Tensor.Call(() => input.topk(checked((int)k), checked((int)dim), largest, sorted: true));
        return (Tensor.Own(values), Tensor.Own(indices));
    }

    /// <summary>
    /// Draws <paramref name="samples"/> int64 indices per row of <paramref name="probs"/> (unnormalised weights) from a
    /// generator seeded with <paramref name="seed"/> (CPU; other devices use their default generator).
    /// </summary>
    public static Tensor Multinomial(Tensor probs, long samples, ulong seed, bool replacement = false) =>
        Tensor.Op(probs.Torch, p =>
        {
            if (p.device_type != TorchSharp.DeviceType.CPU)
            {
                return torch.multinomial(p, samples, replacement);
            }
            using var generator = new torch.Generator(seed);
            return torch.multinomial(p, samples, replacement, generator);
        });

    // TorchSharp 0.107's THSTensor_matmul has no try/catch, so a libtorch error there aborts the process: check the
    // shapes first and throw libtorch's own messages.
    private static void CheckMatMul(long[] a, long[] b)
    {
        if (a.Length == 0 || b.Length == 0)
        {
            throw new TorchException(
                $"both arguments to matmul need to be at least 1D, but they are {a.Length}D and {b.Length}D", 1);
        }
        long k1 = a[^1], k2 = b.Length == 1 ? b[0] : b[^2];
        if (k1 != k2)
        {
            if (a.Length == 1 && b.Length == 1)
            {
                throw new TorchException(
                    $"inconsistent tensor size, expected tensor [{k1}] and src [{k2}] to have the same number of " +
                    "elements, but got " + k1 + " and " + k2 + " elements respectively", 1);
            }
            long rows = 1;
            for (var i = 0; i < a.Length - 1; i++)
            {
                rows *= a[i];
            }
            throw new TorchException(
                $"mat1 and mat2 shapes cannot be multiplied ({rows}x{k1} and {k2}x{(b.Length == 1 ? 1 : b[^1])})", 1);
        }
        // Batch dimensions (all but the last two) broadcast against each other.
        int batchA = Math.Max(a.Length - 2, 0), batchB = Math.Max(b.Length - 2, 0);
        for (var i = 1; i <= Math.Min(batchA, batchB); i++)
        {
            long x = a[batchA - i], y = b[batchB - i];
            if (x != y && x != 1 && y != 1)
            {
                throw new TorchException($"The size of tensor a ({x}) must match the size of tensor b ({y}) at " +
                    $"non-singleton dimension {Math.Max(batchA, batchB) - i}", 1);
            }
        }
    }

    // Softmax and normalisation statistics run in float32 (float64 stays float64), as HF Qwen2 does for bf16.
    private static torch.ScalarType ComputeType(TS x) =>
        x.dtype == torch.ScalarType.Float64 ? torch.ScalarType.Float64 : torch.ScalarType.Float32;

    private static Tensor Binary(Tensor a, Tensor b, Func<TS, TS, TS> op)
    {
        var other = b.Torch;
        return Tensor.Op(a.Torch, x => op(x, other));
    }

    private static Tensor WithScalar(Tensor a, double value, Func<TS, Scalar, TS> op) => Tensor.Op(a.Torch, x =>
    {
        using var s = value.ToScalar();
        return op(x, s);
    });

    // A composite op: its intermediates live in a TorchSharp dispose scope, freed when it closes; the result leaves.
    // Scalars are disposed explicitly (an implicit double → Scalar would wait for its finalizer).
    private static Tensor Composite(Func<TS> body) => Tensor.Own(Tensor.Call(() =>
    {
        using var scope = torch.NewDisposeScope();
        return body().MoveToOuterDisposeScope();
    }));

    private static TS[] Unwrap(IReadOnlyList<Tensor> tensors, string op)
    {
        if (tensors.Count == 0)
        {
            throw new TorchException($"{op}: needs at least one tensor", 2);
        }
        var list = new TS[tensors.Count];
        for (var i = 0; i < list.Length; i++)
        {
            list[i] = tensors[i].Torch;
        }
        return list;
    }
}
