namespace PerceptionJudge.Torch;

public sealed partial class Tensor
{
    /// <summary>A tensor holding a copy of <paramref name="data"/>, dtype from <typeparamref name="T"/>.</summary>
    public static Tensor From<T>(ReadOnlySpan<T> data, params long[] shape)
        where T : unmanaged => From(data, DTypeInfo.Of<T>(), shape);

    /// <summary>A copy of <paramref name="data"/> as <paramref name="dtype"/> (bfloat16: ushort bits).</summary>
    public static unsafe Tensor From<T>(ReadOnlySpan<T> data, DType dtype, params long[] shape)
        where T : unmanaged
    {
        Native.EnsureLoaded();
        long numel = 1;
        foreach (var size in shape)
        {
            numel *= size;
        }
        if ((long)data.Length * sizeof(T) != numel * dtype.ElementSize())
        {
            throw new TorchException(
                $"From: {data.Length} {typeof(T).Name} values do not fill shape [{string.Join(", ", shape)}] " +
                $"of {dtype}");
        }
        fixed (T* p = data)
        fixed (long* s = shape)
        {
            return Wrap(Native.pj_tensor_from_data(p, (int)dtype, s, shape.Length, out var r), r);
        }
    }

    /// <summary>A 0-dimensional tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32) => Full([], value, dtype);

    /// <summary>Uninitialised memory (torch.empty).</summary>
    public static unsafe Tensor Empty(long[] shape, DType dtype = DType.Float32)
    {
        Native.EnsureLoaded();
        fixed (long* s = shape)
        {
            return Wrap(Native.pj_tensor_empty(s, shape.Length, (int)dtype, out var r), r);
        }
    }

    /// <summary>All zeros (torch.zeros).</summary>
    public static unsafe Tensor Zeros(long[] shape, DType dtype = DType.Float32)
    {
        Native.EnsureLoaded();
        fixed (long* s = shape)
        {
            return Wrap(Native.pj_tensor_zeros(s, shape.Length, (int)dtype, out var r), r);
        }
    }

    /// <summary>All ones (torch.ones).</summary>
    public static unsafe Tensor Ones(long[] shape, DType dtype = DType.Float32)
    {
        Native.EnsureLoaded();
        fixed (long* s = shape)
        {
            return Wrap(Native.pj_tensor_ones(s, shape.Length, (int)dtype, out var r), r);
        }
    }

    /// <summary>Every element <paramref name="value"/> (torch.full).</summary>
    public static unsafe Tensor Full(long[] shape, double value, DType dtype = DType.Float32)
    {
        Native.EnsureLoaded();
        fixed (long* s = shape)
        {
            return Wrap(Native.pj_tensor_full(s, shape.Length, (int)dtype, value, out var r), r);
        }
    }

    /// <summary>Standard normal draws seeded with <paramref name="seed"/> (drawn in float32, then cast).</summary>
    public static unsafe Tensor Randn(long[] shape, ulong seed, DType dtype = DType.Float32)
    {
        Native.EnsureLoaded();
        fixed (long* s = shape)
        {
            return Wrap(Native.pj_tensor_randn(s, shape.Length, (int)dtype, seed, out var r), r);
        }
    }

    /// <summary>Uniform [0, 1) draws from a generator seeded with <paramref name="seed"/>.</summary>
    public static unsafe Tensor Rand(long[] shape, ulong seed, DType dtype = DType.Float32)
    {
        Native.EnsureLoaded();
        fixed (long* s = shape)
        {
            return Wrap(Native.pj_tensor_rand(s, shape.Length, (int)dtype, seed, out var r), r);
        }
    }

    /// <summary>start, start + step, ... below end (torch.arange).</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Int64)
    {
        Native.EnsureLoaded();
        return Wrap(Native.pj_tensor_arange(start, end, step, (int)dtype, out var r), r);
    }
}
