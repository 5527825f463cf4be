namespace PerceptionJudge.Torch;

/// <summary>
/// Tensor operations, named after torch / torch.nn.functional. Each returns a fresh tensor (registered in the current
/// <see cref="DisposeScope"/>) and never disposes its inputs; autograd records them unless a
/// <see cref="NoGradScope"/> is open. libtorch errors (shape mismatch, ...) surface as <see cref="TorchException"/>.
/// </summary>
public static class Ops
{
    /// <summary>a + alpha * b, broadcasting.</summary>
    public static Tensor Add(Tensor a, Tensor b, double alpha = 1) =>
        Tensor.Wrap(Native.pj_tensor_add(a.Handle, b.Handle, alpha, out var r), r);

    /// <summary>a - b, broadcasting.</summary>
    public static Tensor Sub(Tensor a, Tensor b) => Tensor.Wrap(Native.pj_tensor_sub(a.Handle, b.Handle, out var r), r);

    /// <summary>a * b elementwise, broadcasting.</summary>
    public static Tensor Mul(Tensor a, Tensor b) => Tensor.Wrap(Native.pj_tensor_mul(a.Handle, b.Handle, out var r), r);

    /// <summary>a / b elementwise, broadcasting.</summary>
    public static Tensor Div(Tensor a, Tensor b) => Tensor.Wrap(Native.pj_tensor_div(a.Handle, b.Handle, out var r), r);

    /// <summary>a + value.</summary>
    public static Tensor Add(Tensor a, double value) =>
        Tensor.Wrap(Native.pj_tensor_add_scalar(a.Handle, value, out var r), r);

    /// <summary>a * value.</summary>
    public static Tensor Mul(Tensor a, double value) =>
        Tensor.Wrap(Native.pj_tensor_mul_scalar(a.Handle, value, out var r), r);

    /// <summary>a ** exponent.</summary>
    public static Tensor Pow(Tensor a, double exponent) =>
        Tensor.Wrap(Native.pj_tensor_pow_scalar(a.Handle, exponent, out var r), r);

    /// <summary>-a.</summary>
    public static Tensor Neg(Tensor a) => Tensor.Wrap(Native.pj_tensor_neg(a.Handle, out var r), r);

    /// <summary>e^a.</summary>
    public static Tensor Exp(Tensor a) => Tensor.Wrap(Native.pj_tensor_exp(a.Handle, out var r), r);

    /// <summary>ln a.</summary>
    public static Tensor Log(Tensor a) => Tensor.Wrap(Native.pj_tensor_log(a.Handle, out var r), r);

    /// <summary>sqrt(a).</summary>
    public static Tensor Sqrt(Tensor a) => Tensor.Wrap(Native.pj_tensor_sqrt(a.Handle, out var r), r);

    /// <summary>1 / sqrt(a).</summary>
    public static Tensor Rsqrt(Tensor a) => Tensor.Wrap(Native.pj_tensor_rsqrt(a.Handle, out var r), r);

    /// <summary>tanh(a).</summary>
    public static Tensor Tanh(Tensor a) => Tensor.Wrap(Native.pj_tensor_tanh(a.Handle, out var r), r);

    /// <summary>1 / (1 + e^-a).</summary>
    public static Tensor Sigmoid(Tensor a) => Tensor.Wrap(Native.pj_tensor_sigmoid(a.Handle, out var r), r);

    /// <summary>max(a, 0).</summary>
    public static Tensor Relu(Tensor a) => Tensor.Wrap(Native.pj_nn_relu(a.Handle, out var r), r);

    /// <summary>a * sigmoid(a) (SiLU / swish).</summary>
    public static Tensor Silu(Tensor a) => Tensor.Wrap(Native.pj_nn_silu(a.Handle, out var r), r);

    /// <summary>cos(a).</summary>
    public static Tensor Cos(Tensor a) => Tensor.Wrap(Native.pj_tensor_cos(a.Handle, out var r), r);

    /// <summary>sin(a).</summary>
    public static Tensor Sin(Tensor a) => Tensor.Wrap(Native.pj_tensor_sin(a.Handle, out var r), r);

    /// <summary>|a|.</summary>
    public static Tensor Abs(Tensor a) => Tensor.Wrap(Native.pj_tensor_abs(a.Handle, out var r), r);

    /// <summary>Elementwise not, as bool.</summary>
    public static Tensor LogicalNot(Tensor a) => Tensor.Wrap(Native.pj_tensor_logical_not(a.Handle, out var r), r);

    /// <summary>min(max(a, min), max); pass an infinity for an open side.</summary>
    public static Tensor Clamp(Tensor a, double min, double max) =>
        Tensor.Wrap(Native.pj_tensor_clamp(a.Handle, min, max, out var r), r);

    /// <summary>a == b elementwise (bool), broadcasting.</summary>
    public static Tensor Eq(Tensor a, Tensor b) => Tensor.Wrap(Native.pj_tensor_eq(a.Handle, b.Handle, out var r), r);

    /// <summary>a &lt; b elementwise (bool), broadcasting.</summary>
    public static Tensor Lt(Tensor a, Tensor b) => Tensor.Wrap(Native.pj_tensor_lt(a.Handle, b.Handle, out var r), r);

    /// <summary>a &gt; b elementwise (bool), broadcasting.</summary>
    public static Tensor Gt(Tensor a, Tensor b) => Tensor.Wrap(Native.pj_tensor_gt(a.Handle, b.Handle, out var r), r);

    /// <summary>GELU: x * Phi(x) exactly, or the tanh approximation (approximate="tanh").</summary>
    public static Tensor Gelu(Tensor a, bool tanhApproximation = false) =>
        Tensor.Wrap(Native.pj_nn_gelu(a.Handle, tanhApproximation ? 1 : 0, out var r), r);

    /// <summary>Inverted dropout with drop probability <paramref name="p"/> (identity when not training).</summary>
    public static Tensor Dropout(Tensor a, double p, bool training) =>
        Tensor.Wrap(Native.pj_nn_dropout(a.Handle, p, training ? 1 : 0, out var r), r);

    /// <summary><paramref name="value"/> where the bool <paramref name="mask"/> is true, else a.</summary>
    public static Tensor MaskedFill(Tensor a, Tensor mask, double value) =>
        Tensor.Wrap(Native.pj_tensor_masked_fill(a.Handle, mask.Handle, value, out var r), r);

    /// <summary>a where the bool <paramref name="condition"/> is true, else b.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b) =>
        Tensor.Wrap(Native.pj_tensor_where(condition.Handle, a.Handle, b.Handle, out var r), r);

    /// <summary>Matrix product with torch.matmul's batching and broadcasting rules.</summary>
    public static Tensor MatMul(Tensor a, Tensor b) => Tensor.Wrap(Native.pj_tensor_matmul(a.Handle, b.Handle, out var r), r);

    /// <summary>x W^T + b, W of shape [out, in] (torch.nn.functional.linear).</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null) =>
        Tensor.Wrap(Native.pj_nn_linear(x.Handle, weight.Handle, bias?.Handle ?? TensorHandle.Null, out var r), r);

    /// <summary>Rows of <paramref name="weight"/> [V, D] picked by int64 <paramref name="indices"/>.</summary>
    public static Tensor Embedding(Tensor weight, Tensor indices) =>
        Tensor.Wrap(Native.pj_nn_embedding(weight.Handle, indices.Handle, out var r), r);

    /// <summary>
    /// RMSNorm over the last dim: y = w * x / sqrt(mean(x^2) + eps), statistics in float32 (HF Qwen2RMSNorm).
    /// </summary>
    public static Tensor RmsNorm(Tensor x, Tensor? weight, double eps = 1e-6) =>
        Tensor.Wrap(Native.pj_nn_rms_norm(x.Handle, weight?.Handle ?? TensorHandle.Null, eps, out var r), r);

    /// <summary>LayerNorm over the last dim: (x - mean) / sqrt(var + eps) * w + b (biased variance).</summary>
    public static Tensor LayerNorm(Tensor x, Tensor? weight, Tensor? bias, double eps = 1e-5) =>
        Tensor.Wrap(
            Native.pj_nn_layer_norm(
                x.Handle, weight?.Handle ?? TensorHandle.Null, bias?.Handle ?? TensorHandle.Null, eps, out var r),
            r);

    /// <summary>
    /// Rotary embedding x*cos + rot(x)*sin; cos/sin hold the full head dim and broadcast against x. Half-split
    /// (Qwen2/Llama rotate_half): rot(x) = cat(-x2, x1). Interleaved (GPT-J): rot(x)[2i] = -x[2i+1],
    /// rot(x)[2i+1] = x[2i].
    /// </summary>
    public static Tensor Rotary(Tensor x, Tensor cos, Tensor sin, bool interleaved = false) =>
        Tensor.Wrap(Native.pj_nn_rotary(x.Handle, cos.Handle, sin.Handle, interleaved ? 1 : 0, out var r), r);

    /// <summary>
    /// softmax(q k^T * scale + mask) v over [..., heads, L, E] inputs; scale defaults to 1/sqrt(E). Fewer k/v heads
    /// than q heads are repeated (grouped-query attention). Causal: query i sees key j iff j &lt;= i + S - L (the last
    /// query sees every key: KV-cache decoding). A bool mask keeps true positions; a float mask is added (0 / -inf).
    /// Softmax runs in float32.
    /// </summary>
    public static Tensor ScaledDotProductAttention(
        Tensor q, Tensor k, Tensor v, Tensor? mask = null, bool isCausal = false, double? scale = null) =>
        Tensor.Wrap(
            Native.pj_nn_sdpa(
                q.Handle, k.Handle, v.Handle, mask?.Handle ?? TensorHandle.Null, isCausal ? 1 : 0, scale ?? 0,
                out var r),
            r);

    /// <summary>Softmax along <paramref name="dim"/>.</summary>
    public static Tensor Softmax(Tensor x, long dim) => Tensor.Wrap(Native.pj_nn_softmax(x.Handle, dim, out var r), r);

    /// <summary>Log-softmax along <paramref name="dim"/>.</summary>
    public static Tensor LogSoftmax(Tensor x, long dim) =>
        Tensor.Wrap(Native.pj_nn_log_softmax(x.Handle, dim, out var r), r);

    /// <summary>2-D convolution, x [N, C, H, W], weight [O, C, kH, kW] (a ViT patch embed: stride = kernel).</summary>
    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias, long stride = 1, long padding = 0) =>
        Conv2d(x, weight, bias, stride, stride, padding, padding);

    /// <summary>2-D convolution with separate strides and paddings per axis.</summary>
    public static Tensor Conv2d(
        Tensor x, Tensor weight, Tensor? bias, long strideH, long strideW, long padH, long padW) =>
        Tensor.Wrap(
            Native.pj_nn_conv2d(
                x.Handle, weight.Handle, bias?.Handle ?? TensorHandle.Null, strideH, strideW, padH, padW, out var r),
            r);

    /// <summary>Same data, new shape (copies only when a view is impossible); one size may be -1.</summary>
    public static unsafe Tensor Reshape(Tensor x, params long[] shape)
    {
        fixed (long* s = shape)
        {
            return Tensor.Wrap(Native.pj_tensor_reshape(x.Handle, s, shape.Length, out var r), r);
        }
    }

    /// <summary>A view with a new shape (throws when the strides do not allow it).</summary>
    public static unsafe Tensor View(Tensor x, params long[] shape)
    {
        fixed (long* s = shape)
        {
            return Tensor.Wrap(Native.pj_tensor_view(x.Handle, s, shape.Length, out var r), r);
        }
    }

    /// <summary>Swaps two dimensions (a view).</summary>
    public static Tensor Transpose(Tensor x, long dim0, long dim1) =>
        Tensor.Wrap(Native.pj_tensor_transpose(x.Handle, dim0, dim1, out var r), r);

    /// <summary>Reorders dimensions (a view).</summary>
    public static unsafe Tensor Permute(Tensor x, params long[] dims)
    {
        fixed (long* d = dims)
        {
            return Tensor.Wrap(Native.pj_tensor_permute(x.Handle, d, dims.Length, out var r), r);
        }
    }

    /// <summary>Inserts a size-1 dimension at <paramref name="dim"/>.</summary>
    public static Tensor Unsqueeze(Tensor x, long dim) => Tensor.Wrap(Native.pj_tensor_unsqueeze(x.Handle, dim, out var r), r);

    /// <summary>Removes dimension <paramref name="dim"/> when its size is 1.</summary>
    public static Tensor Squeeze(Tensor x, long dim) => Tensor.Wrap(Native.pj_tensor_squeeze(x.Handle, dim, out var r), r);

    /// <summary>Broadcasts size-1 dimensions to <paramref name="shape"/> (-1 keeps a size), without copying.</summary>
    public static unsafe Tensor Expand(Tensor x, params long[] shape)
    {
        fixed (long* s = shape)
        {
            return Tensor.Wrap(Native.pj_tensor_expand(x.Handle, s, shape.Length, out var r), r);
        }
    }

    /// <summary>Concatenates along <paramref name="dim"/>.</summary>
    public static unsafe Tensor Cat(IReadOnlyList<Tensor> tensors, long dim = 0) =>
        WithHandles(tensors, (p, n) => (Native.pj_tensor_cat(p, n, dim, out var r), r));

    /// <summary>Stacks equal-shaped tensors along a new dimension <paramref name="dim"/>.</summary>
    public static unsafe Tensor Stack(IReadOnlyList<Tensor> tensors, long dim = 0) =>
        WithHandles(tensors, (p, n) => (Native.pj_tensor_stack(p, n, dim, out var r), r));

    /// <summary>Lower triangle (on and below <paramref name="diagonal"/>); zeroes the rest.</summary>
    public static Tensor Tril(Tensor x, long diagonal = 0) =>
        Tensor.Wrap(Native.pj_tensor_tril(x.Handle, diagonal, out var r), r);

    /// <summary>Upper triangle (on and above <paramref name="diagonal"/>); zeroes the rest.</summary>
    public static Tensor Triu(Tensor x, long diagonal = 0) =>
        Tensor.Wrap(Native.pj_tensor_triu(x.Handle, diagonal, out var r), r);

    /// <summary>Elements start .. start+length-1 along <paramref name="dim"/> (a view).</summary>
    public static Tensor Narrow(Tensor x, long dim, long start, long length) =>
        Tensor.Wrap(Native.pj_tensor_narrow(x.Handle, dim, start, length, out var r), r);

    /// <summary>x[start:end:step] along <paramref name="dim"/> (a view; end clamps to the size).</summary>
    public static Tensor Slice(Tensor x, long dim, long start, long end, long step = 1) =>
        Tensor.Wrap(Native.pj_tensor_slice(x.Handle, dim, start, end, step, out var r), r);

    /// <summary>out[i][j] = x[index[i][j]][j] for dim 0, and so on (torch.gather).</summary>
    public static Tensor Gather(Tensor x, long dim, Tensor index) =>
        Tensor.Wrap(Native.pj_tensor_gather(x.Handle, dim, index.Handle, out var r), r);

    /// <summary>Slices of <paramref name="x"/> at int64 <paramref name="index"/> along a dim.</summary>
    public static Tensor IndexSelect(Tensor x, long dim, Tensor index) =>
        Tensor.Wrap(Native.pj_tensor_index_select(x.Handle, dim, index.Handle, out var r), r);

    /// <summary>Sum of every element (a 0-d tensor).</summary>
    public static unsafe Tensor Sum(Tensor x) => Tensor.Wrap(Native.pj_tensor_sum(x.Handle, null, 0, 0, out var r), r);

    /// <summary>Sum over <paramref name="dims"/>.</summary>
    public static unsafe Tensor Sum(Tensor x, long[] dims, bool keepdim = false)
    {
        if (dims.Length == 0)
        {
            throw new TorchException("Sum: give at least one dim, or call Sum(x) for every element");
        }
        fixed (long* d = dims)
        {
            return Tensor.Wrap(Native.pj_tensor_sum(x.Handle, d, dims.Length, keepdim ? 1 : 0, out var r), r);
        }
    }

    /// <summary>Mean of every element (a 0-d tensor).</summary>
    public static unsafe Tensor Mean(Tensor x) => Tensor.Wrap(Native.pj_tensor_mean(x.Handle, null, 0, 0, out var r), r);

    /// <summary>Mean over <paramref name="dims"/>.</summary>
    public static unsafe Tensor Mean(Tensor x, long[] dims, bool keepdim = false)
    {
        if (dims.Length == 0)
        {
            throw new TorchException("Mean: give at least one dim, or call Mean(x) for every element");
        }
        fixed (long* d = dims)
        {
            return Tensor.Wrap(Native.pj_tensor_mean(x.Handle, d, dims.Length, keepdim ? 1 : 0, out var r), r);
        }
    }

    /// <summary>Maximum along <paramref name="dim"/> and its int64 index.</summary>
    public static (Tensor Values, Tensor Indices) Max(Tensor x, long dim, bool keepdim = false)
    {
        Native.Check(Native.pj_tensor_max(x.Handle, dim, keepdim ? 1 : 0, out var values, out var indices));
        return (Tensor.Wrap(0, values), Tensor.Wrap(0, indices));
    }

    /// <summary>Index of the maximum along <paramref name="dim"/> (int64).</summary>
    public static Tensor ArgMax(Tensor x, long dim, bool keepdim = false) =>
        Tensor.Wrap(Native.pj_tensor_argmax(x.Handle, dim, keepdim ? 1 : 0, out var r), r);

    /// <summary>Running sum along <paramref name="dim"/>.</summary>
    public static Tensor Cumsum(Tensor x, long dim) => Tensor.Wrap(Native.pj_tensor_cumsum(x.Handle, dim, out var r), r);

    /// <summary>The <paramref name="k"/> largest (or smallest) elements along <paramref name="dim"/>, sorted.</summary>
    public static (Tensor Values, Tensor Indices) TopK(Tensor x, long k, long dim = -1, bool largest = true)
    {
        Native.Check(Native.pj_tensor_topk(x.Handle, k, dim, largest ? 1 : 0, out var values, out var indices));
        return (Tensor.Wrap(0, values), Tensor.Wrap(0, indices));
    }

    /// <summary>
    /// Draws <paramref name="samples"/> int64 indices per row of <paramref name="probs"/> (unnormalised weights) from a
    /// generator seeded with <paramref name="seed"/> (CPU; other devices use their default generator).
    /// </summary>
    public static Tensor Multinomial(Tensor probs, long samples, ulong seed, bool replacement = false) =>
        Tensor.Wrap(Native.pj_tensor_multinomial(probs.Handle, samples, replacement ? 1 : 0, seed, out var r), r);

    // Pins every handle for the duration of a native call that takes an array of them.
    private static unsafe Tensor WithHandles(IReadOnlyList<Tensor> tensors, HandleArrayCall call)
    {
        var raw = new nint[tensors.Count];
        var added = 0;
        try
        {
            for (; added < raw.Length; added++)
            {
                var success = false;
                tensors[added].Handle.DangerousAddRef(ref success);
                raw[added] = tensors[added].Handle.DangerousGetHandle();
            }
            fixed (nint* p = raw)
            {
                var (status, result) = call(p, raw.Length);
                return Tensor.Wrap(status, result);
            }
        }
        finally
        {
            for (var i = 0; i < added; i++)
            {
                tensors[i].Handle.DangerousRelease();
            }
        }
    }

    private unsafe delegate (int Status, nint Result) HandleArrayCall(nint* handles, int count);
}
