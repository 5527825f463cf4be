using PerceptionJudge.Torch;

namespace PerceptionJudge.Model.Weights;

/// <summary>Element types of the safetensors format; the header spells them as the member names (F32, ...).</summary>
public enum SafetensorsDType
{
    /// <summary>Boolean, one byte per element.</summary>
    BOOL,

    /// <summary>Unsigned 8-bit integer.</summary>
    U8,

    /// <summary>Signed 8-bit integer.</summary>
    I8,

    /// <summary>8-bit float, 5 exponent and 2 mantissa bits.</summary>
    F8_E5M2,

    /// <summary>8-bit float, 4 exponent and 3 mantissa bits.</summary>
    F8_E4M3,

    /// <summary>Signed 16-bit integer.</summary>
    I16,

    /// <summary>Unsigned 16-bit integer.</summary>
    U16,

    /// <summary>IEEE half precision.</summary>
    F16,

    /// <summary>bfloat16 (typed spans see the raw bits as <see cref="ushort"/>).</summary>
    BF16,

    /// <summary>Signed 32-bit integer.</summary>
    I32,

    /// <summary>Unsigned 32-bit integer.</summary>
    U32,

    /// <summary>IEEE single precision.</summary>
    F32,

    /// <summary>IEEE double precision.</summary>
    F64,

    /// <summary>Signed 64-bit integer.</summary>
    I64,

    /// <summary>Unsigned 64-bit integer.</summary>
    U64,
}

/// <summary>Sizes, names and libtorch equivalents of <see cref="SafetensorsDType"/>.</summary>
public static class SafetensorsDTypeInfo
{
    /// <summary>Bytes per element.</summary>
    public static int ItemSize(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.BOOL or SafetensorsDType.U8 or SafetensorsDType.I8 => 1,
        SafetensorsDType.F8_E5M2 or SafetensorsDType.F8_E4M3 => 1,
        SafetensorsDType.I16 or SafetensorsDType.U16 or SafetensorsDType.F16 or SafetensorsDType.BF16 => 2,
        SafetensorsDType.I32 or SafetensorsDType.U32 or SafetensorsDType.F32 => 4,
        SafetensorsDType.F64 or SafetensorsDType.I64 or SafetensorsDType.U64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown safetensors dtype"),
    };

    /// <summary>True for the floating-point dtypes F64, F32, F16, BF16, F8_E5M2 and F8_E4M3.</summary>
    public static bool IsFloatingPoint(this SafetensorsDType dtype) => dtype is SafetensorsDType.F64
        or SafetensorsDType.F32 or SafetensorsDType.F16 or SafetensorsDType.BF16
        or SafetensorsDType.F8_E5M2 or SafetensorsDType.F8_E4M3;

    /// <summary>The header spelling of <paramref name="dtype"/>.</summary>
    public static string HeaderName(this SafetensorsDType dtype) => dtype.ToString();

    /// <summary>Parses a header dtype string (exact, case-sensitive as the format requires).</summary>
    public static bool TryParse(string name, out SafetensorsDType dtype)
    {
        foreach (var candidate in Enum.GetValues<SafetensorsDType>())
        {
            if (string.Equals(candidate.ToString(), name, StringComparison.Ordinal))
            {
                dtype = candidate;
                return true;
            }
        }
        dtype = default;
        return false;
    }

    /// <summary>The libtorch dtype of the same layout, or null where our binding has none (I8, U16, F8, ...).</summary>
    public static DType? ToTorch(this SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F32 => DType.Float32,
        SafetensorsDType.BF16 => DType.BFloat16,
        SafetensorsDType.F16 => DType.Float16,
        SafetensorsDType.F64 => DType.Float64,
        SafetensorsDType.I64 => DType.Int64,
        SafetensorsDType.I32 => DType.Int32,
        SafetensorsDType.U8 => DType.UInt8,
        SafetensorsDType.BOOL => DType.Bool,
        _ => null,
    };

    /// <summary>The safetensors dtype of a libtorch dtype (every libtorch dtype we bind has one).</summary>
    public static SafetensorsDType FromTorch(DType dtype) => dtype switch
    {
        DType.Float32 => SafetensorsDType.F32,
        DType.BFloat16 => SafetensorsDType.BF16,
        DType.Float16 => SafetensorsDType.F16,
        DType.Float64 => SafetensorsDType.F64,
        DType.Int64 => SafetensorsDType.I64,
        DType.Int32 => SafetensorsDType.I32,
        DType.UInt8 => SafetensorsDType.U8,
        DType.Bool => SafetensorsDType.BOOL,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "no safetensors dtype"),
    };

    /// <summary>True when a span of <typeparamref name="T"/> may view elements of <paramref name="dtype"/>.</summary>
    public static bool Matches<T>(SafetensorsDType dtype)
        where T : unmanaged => dtype switch
        {
            SafetensorsDType.BOOL => typeof(T) == typeof(bool) || typeof(T) == typeof(byte),
            SafetensorsDType.U8 or SafetensorsDType.F8_E5M2 or SafetensorsDType.F8_E4M3 => typeof(T) == typeof(byte),
            SafetensorsDType.I8 => typeof(T) == typeof(sbyte),
            SafetensorsDType.I16 => typeof(T) == typeof(short),
            SafetensorsDType.U16 or SafetensorsDType.BF16 => typeof(T) == typeof(ushort),
            SafetensorsDType.F16 => typeof(T) == typeof(Half) || typeof(T) == typeof(ushort),
            SafetensorsDType.I32 => typeof(T) == typeof(int),
            SafetensorsDType.U32 => typeof(T) == typeof(uint),
            SafetensorsDType.F32 => typeof(T) == typeof(float),
            SafetensorsDType.F64 => typeof(T) == typeof(double),
            SafetensorsDType.I64 => typeof(T) == typeof(long),
            SafetensorsDType.U64 => typeof(T) == typeof(ulong),
            _ => false,
        };

    /// <summary>The natural dtype of <typeparamref name="T"/> (ushort is ambiguous: pass BF16/F16/U16).</summary>
    public static SafetensorsDType Of<T>()
        where T : unmanaged
    {
        var t = typeof(T);
        return t == typeof(float) ? SafetensorsDType.F32
            : t == typeof(double) ? SafetensorsDType.F64
            : t == typeof(Half) ? SafetensorsDType.F16
            : t == typeof(long) ? SafetensorsDType.I64
            : t == typeof(int) ? SafetensorsDType.I32
            : t == typeof(short) ? SafetensorsDType.I16
            : t == typeof(sbyte) ? SafetensorsDType.I8
            : t == typeof(byte) ? SafetensorsDType.U8
            : t == typeof(bool) ? SafetensorsDType.BOOL
            : t == typeof(uint) ? SafetensorsDType.U32
            : t == typeof(ulong) ? SafetensorsDType.U64
            : throw new ArgumentException($"no natural safetensors dtype for {t.Name}; pass the dtype explicitly");
    }
}
