using System.Runtime.InteropServices;
using TorchSharp;

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
        TorchRuntime.EnsureLoaded();
        var type = dtype.ToScalarType();
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
        var result = Own(Call(() => torch.empty(shape, type)));
        if (numel > 0)
        {
            // One memcpy into libtorch's own buffer (torch.tensor(T[]) would copy through a managed array first).
            MemoryMarshal.AsBytes(data).CopyTo(result.Torch.bytes);
        }
        return result;
    }

    /// <summary>A 0-dimensional tensor holding <paramref name="value"/>.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32) => Full([], value, dtype);

    /// <summary>Uninitialised memory (torch.empty).</summary>
    public static Tensor Empty(long[] shape, DType dtype = DType.Float32) => Create(dtype, t => torch.empty(shape, t));

    /// <summary>All zeros (torch.zeros).</summary>
    public static Tensor Zeros(long[] shape, DType dtype = DType.Float32) => Create(dtype, t => torch.zeros(shape, t));

    /// <summary>All ones (torch.ones).</summary>
    public static Tensor Ones(long[] shape, DType dtype = DType.Float32) => Create(dtype, t => torch.ones(shape, t));

    /// <summary>Every element <paramref name="value"/> (torch.full).</summary>
    public static Tensor Full(long[] shape, double value, DType dtype = DType.Float32) => Create(dtype, t =>
    {
        using var v = value.ToScalar();
        return torch.full(shape, v, t);
    });

    /// <summary>Standard normal draws seeded with <paramref name="seed"/> (drawn in float32, then cast).</summary>
    public static Tensor Randn(long[] shape, ulong seed, DType dtype = DType.Float32) =>
        Random(shape, seed, dtype, normal: true);

    /// <summary>Uniform [0, 1) draws from a generator seeded with <paramref name="seed"/>.</summary>
    public static Tensor Rand(long[] shape, ulong seed, DType dtype = DType.Float32) =>
        Random(shape, seed, dtype, normal: false);

    /// <summary>start, start + step, ... below end (torch.arange).</summary>
    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Int64) =>
        Create(dtype, t =>
        {
            using var a = start.ToScalar();
            using var b = end.ToScalar();
            using var s = step.ToScalar();
            return torch.arange(a, b, s, t);
        });

    private static Tensor Create(DType dtype, Func<torch.ScalarType, torch.Tensor> create)
    {
        TorchRuntime.EnsureLoaded();
        var type = dtype.ToScalarType();
        return Own(Call(() => create(type)));
    }

    // A fresh CPU generator per call, seeded: the same seed gives the same numbers for every dtype.
    private static Tensor Random(long[] shape, ulong seed, DType dtype, bool normal) => Create(dtype, type =>
    {
        using var generator = new torch.Generator(seed);
        var values = normal
            ? torch.randn(shape, torch.ScalarType.Float32, generator: generator)
            : torch.rand(shape, torch.ScalarType.Float32, generator: generator);
        if (type == torch.ScalarType.Float32)
        {
            return values;
        }
        using (values)
        {
            return values.to_type(type);
        }
    });
}
