namespace PerceptionJudge.Torch;

/// <summary>Element types; the numbering is the shim's (PJ_F32, PJ_BF16, ...).</summary>
public enum DType
{
    /// <summary>torch.float32.</summary>
    Float32 = 0,

    /// <summary>torch.bfloat16 (spans see its raw bits as <see cref="ushort"/>).</summary>
    BFloat16 = 1,

    /// <summary>torch.int64.</summary>
    Int64 = 2,

    /// <summary>torch.float64.</summary>
    Float64 = 3,

    /// <summary>torch.bool.</summary>
    Bool = 4,

    /// <summary>torch.int32.</summary>
    Int32 = 5,

    /// <summary>torch.float16.</summary>
    Float16 = 6,

    /// <summary>torch.uint8.</summary>
    UInt8 = 7,
}

/// <summary>Where a tensor lives.</summary>
public enum DeviceType
{
    /// <summary>Host memory.</summary>
    Cpu = 0,

    /// <summary>An NVIDIA GPU (needs a CUDA build of libtorch).</summary>
    Cuda = 1,
}

/// <summary>Size and CLR element type of each <see cref="DType"/>.</summary>
public static class DTypeInfo
{
    /// <summary>Bytes per element.</summary>
    public static int ElementSize(this DType dtype) => dtype switch
    {
        DType.Float32 or DType.Int32 => 4,
        DType.BFloat16 or DType.Float16 => 2,
        DType.Int64 or DType.Float64 => 8,
        DType.Bool or DType.UInt8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };

    /// <summary>True when a span of <typeparamref name="T"/> may view elements of <paramref name="dtype"/>.</summary>
    public static bool Matches<T>(DType dtype)
        where T : unmanaged => dtype switch
        {
            DType.Float32 => typeof(T) == typeof(float),
            DType.Float64 => typeof(T) == typeof(double),
            DType.Int64 => typeof(T) == typeof(long),
            DType.Int32 => typeof(T) == typeof(int),
            DType.BFloat16 => typeof(T) == typeof(ushort),
            DType.Float16 => typeof(T) == typeof(Half) || typeof(T) == typeof(ushort),
            DType.Bool => typeof(T) == typeof(bool) || typeof(T) == typeof(byte),
            DType.UInt8 => typeof(T) == typeof(byte),
            _ => false,
        };

    /// <summary>The dtype a host array of <typeparamref name="T"/> becomes.</summary>
    public static DType Of<T>()
        where T : unmanaged
    {
        if (typeof(T) == typeof(float))
        {
            return DType.Float32;
        }
        if (typeof(T) == typeof(double))
        {
            return DType.Float64;
        }
        if (typeof(T) == typeof(long))
        {
            return DType.Int64;
        }
        if (typeof(T) == typeof(int))
        {
            return DType.Int32;
        }
        if (typeof(T) == typeof(Half))
        {
            return DType.Float16;
        }
        if (typeof(T) == typeof(bool))
        {
            return DType.Bool;
        }
        if (typeof(T) == typeof(byte))
        {
            return DType.UInt8;
        }
        throw new TorchException($"no dtype for {typeof(T).Name}; pass the dtype explicitly (bfloat16 bits: ushort)");
    }
}
