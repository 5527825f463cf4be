using TorchSharp;

namespace PerceptionJudge.Torch;

/// <summary>Element types (a stable numbering of our own; <see cref="DTypeInfo.ToScalarType"/> maps to TorchSharp's).</summary>
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
    /// <summary>TorchSharp's scalar type for <paramref name="dtype"/>; an unknown code is an argument error.</summary>
    public static torch.ScalarType ToScalarType(this DType dtype) => dtype switch
    {
        DType.Float32 => torch.ScalarType.Float32,
        DType.BFloat16 => torch.ScalarType.BFloat16,
        DType.Int64 => torch.ScalarType.Int64,
        DType.Float64 => torch.ScalarType.Float64,
        DType.Bool => torch.ScalarType.Bool,
        DType.Int32 => torch.ScalarType.Int32,
        DType.Float16 => torch.ScalarType.Float16,
        DType.UInt8 => torch.ScalarType.Byte,
        _ => throw new TorchException($"unknown dtype code {(int)dtype}", 2),
    };

    /// <summary>Our <see cref="DType"/> for a TorchSharp scalar type.</summary>
    public static DType FromScalarType(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float32 => DType.Float32,
        torch.ScalarType.BFloat16 => DType.BFloat16,
        torch.ScalarType.Int64 => DType.Int64,
        torch.ScalarType.Float64 => DType.Float64,
        torch.ScalarType.Bool => DType.Bool,
        torch.ScalarType.Int32 => DType.Int32,
        torch.ScalarType.Float16 => DType.Float16,
        torch.ScalarType.Byte => DType.UInt8,
        _ => throw new TorchException($"dtype {type} has no PerceptionJudge.Torch.DType"),
    };

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
