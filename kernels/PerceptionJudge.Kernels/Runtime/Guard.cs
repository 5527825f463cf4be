namespace PerceptionJudge.Kernels.Runtime;

/// <summary>Argument checks shared by every kernel family. They throw <see cref="KernelInputException"/>.</summary>
public static class Guard
{
    /// <summary>Throws unless <paramref name="span"/> holds exactly <paramref name="expected"/> elements.</summary>
    public static void Length<T>(ReadOnlySpan<T> span, int expected, string field)
    {
        if (span.Length != expected)
        {
            throw new KernelInputException(field, $"expected {expected} elements, got {span.Length}");
        }
    }

    /// <summary>Throws unless the output span holds exactly <paramref name="expected"/> elements.</summary>
    public static void Length<T>(Span<T> span, int expected, string field) =>
        Length((ReadOnlySpan<T>)span, expected, field);

    /// <summary>Throws unless <paramref name="value"/> is positive.</summary>
    public static void Positive(int value, string field)
    {
        if (value <= 0)
        {
            throw new KernelInputException(field, $"must be positive, got {value}");
        }
    }

    /// <summary>
    /// Throws at the first NaN or infinity, naming the row of a [rows][cols] matrix stored row-major.
    /// Vectorised: a clean span costs one pass at memory speed.
    /// </summary>
    public static void Finite(ReadOnlySpan<float> values, string field, int cols = 1)
    {
        int bad = FirstNonFinite(values);
        if (bad >= 0)
        {
            throw new KernelInputException(
                field, $"value {values[bad]} at column {bad % cols} is not finite", bad / cols);
        }
    }

    /// <summary>Index of the first NaN/Inf in <paramref name="values"/>, or -1.</summary>
    public static int FirstNonFinite(ReadOnlySpan<float> values)
    {
        // x - x is 0 for finite x and NaN for NaN/Inf, so one subtraction tests both.
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float start = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(values);
            for (; i <= values.Length - Vector256<float>.Count; i += Vector256<float>.Count)
            {
                var v = Vector256.LoadUnsafe(ref start, (nuint)i);
                var d = v - v;
                if (!Vector256.EqualsAll(d, d))
                {
                    break;
                }
            }
        }

        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return i;
            }
        }

        return -1;
    }
}
