using System.Runtime.InteropServices;

namespace PerceptionJudge.Kernels.Runtime;

/// <summary>An element-wise op of one input, in the style of TensorPrimitives' operator structs.</summary>
public interface IUnaryOperator
{
    /// <summary>Scalar form; the tail and the reference.</summary>
    static abstract float Invoke(float x);

    /// <summary>256-bit form.</summary>
    static abstract Vector256<float> Invoke(Vector256<float> x);

    /// <summary>512-bit form.</summary>
    static abstract Vector512<float> Invoke(Vector512<float> x);
}

/// <summary>An element-wise op of two inputs, in the style of TensorPrimitives' operator structs.</summary>
public interface IBinaryOperator
{
    /// <summary>Scalar form; the tail and the reference.</summary>
    static abstract float Invoke(float x, float y);

    /// <summary>256-bit form.</summary>
    static abstract Vector256<float> Invoke(Vector256<float> x, Vector256<float> y);

    /// <summary>512-bit form.</summary>
    static abstract Vector512<float> Invoke(Vector512<float> x, Vector512<float> y);
}

/// <summary>
/// The one vector loop shape: Vector512 when accelerated, else Vector256, then a scalar tail.
/// Element-wise, so results do not depend on the vector width chosen.
/// </summary>
public static class SimdLoop
{
    /// <summary><c>d[i] = TOp(x[i])</c>.</summary>
    public static void Unary<TOp>(ReadOnlySpan<float> x, Span<float> d)
        where TOp : struct, IUnaryOperator
    {
        if (d.Length < x.Length)
        {
            throw new ArgumentException("destination too short", nameof(d));
        }

        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ds = ref MemoryMarshal.GetReference(d);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                TOp.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ds, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                TOp.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i)).StoreUnsafe(ref ds, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            Unsafe.Add(ref ds, i) = TOp.Invoke(Unsafe.Add(ref xs, i));
        }
    }

    /// <summary><c>d[i] = TOp(x[i], y[i])</c>.</summary>
    public static void Binary<TOp>(ReadOnlySpan<float> x, ReadOnlySpan<float> y, Span<float> d)
        where TOp : struct, IBinaryOperator
    {
        if (y.Length != x.Length || d.Length < x.Length)
        {
            throw new ArgumentException("span lengths differ");
        }

        ref float xs = ref MemoryMarshal.GetReference(x);
        ref float ys = ref MemoryMarshal.GetReference(y);
        ref float ds = ref MemoryMarshal.GetReference(d);
        int i = 0;
        if (Vector512.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector512<float>.Count; i += Vector512<float>.Count)
            {
                TOp.Invoke(Vector512.LoadUnsafe(ref xs, (nuint)i), Vector512.LoadUnsafe(ref ys, (nuint)i))
                    .StoreUnsafe(ref ds, (nuint)i);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= x.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                TOp.Invoke(Vector256.LoadUnsafe(ref xs, (nuint)i), Vector256.LoadUnsafe(ref ys, (nuint)i))
                    .StoreUnsafe(ref ds, (nuint)i);
            }
        }

        for (; i < x.Length; i++)
        {
            Unsafe.Add(ref ds, i) = TOp.Invoke(Unsafe.Add(ref xs, i), Unsafe.Add(ref ys, i));
        }
    }
}
